/**
 * A stored login remembers how long its refresh token lives when the token response says so
 * (`refresh_expires_in`, or `refresh_token_expires_in`: outside RFC 6749, sent by several providers), so serve's
 * Redis store keeps the login exactly that long; without it, or without a refresh token, nothing is assumed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenEndpointResponse } from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { saveLogin } from '../../src/auth/save-login.js';
import { silentLogger } from '../../src/log.js';
import { openFileStore, tokenKey } from '../../src/store/index.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';

useTeardown();

const NOW = 1_900_000_000_000;
const KEY = tokenKey({ issuer: 'https://auth.example.com', resource: 'https://mcp.example.com/mcp', clientId: 'c' });

async function saved(tokens: Record<string, unknown>) {
  const dir = await mkdtemp(join(tmpdir(), 'mab-refresh-life-'));
  onTeardown(() => rm(dir, { recursive: true, force: true }));
  const store = await openFileStore({ configDir: dir });
  const input = {
    serverUrl: new URL('https://mcp.example.com/mcp'), issuer: 'https://auth.example.com', resource: 'https://mcp.example.com/mcp', clientId: 'c',
    source: 'dynamic' as const, grant: 'authorization_code' as const, tokens: { token_type: 'bearer', ...tokens } as unknown as TokenEndpointResponse,
    requested: ['mcp'], previous: undefined, redirectUri: undefined,
  };
  await saveLogin(store, KEY, input, { now: NOW, logger: silentLogger });
  return (await (await openFileStore({ configDir: dir })).getTokens(KEY))!.metadata;
}

describe("a login's refresh token lifetime", () => {
  it('is remembered from refresh_expires_in or refresh_token_expires_in', async () => {
    expect((await saved({ access_token: 'a', expires_in: 300, refresh_token: 'r', refresh_expires_in: 86_400 })).refreshExpiresAt).toBe(NOW + 86_400_000);
    expect((await saved({ access_token: 'a', refresh_token: 'r', refresh_token_expires_in: 600 })).refreshExpiresAt).toBe(NOW + 600_000);
  });

  it('is not assumed when the server does not say, or gave no refresh token', async () => {
    expect((await saved({ access_token: 'a', expires_in: 300, refresh_token: 'r' })).refreshExpiresAt).toBeUndefined();
    expect((await saved({ access_token: 'a', refresh_expires_in: 86_400 })).refreshExpiresAt).toBeUndefined();
  });
});
