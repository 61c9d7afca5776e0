import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isBridgeError } from '../../../src/errors.js';
import { defaultConfigDir, isCredentialKey, registrationKey, resolveConfigDir, storePaths, tokenKey } from '../../../src/store/index.js';

// Golden values: computed once, outside this code, with
//   printf '%s' '["https://auth.example.com","https://mcp.example.com/mcp","client-123"]' | sha256sum
// They must never change: a changed key silently logs every user out after an upgrade.
const TOKEN_KEY = '9dd9d5a806bf1e3ff2f8fc391c42b06ea4eaeb12a12da51ef8cddb70da69b341';
const REGISTRATION_KEY = 'a8338e60b088deb11bc23ea5ed9d52d7c656183d46f21fa1486a7a8f19b2a775';

describe('credential keys', () => {
  it('are sha256 of the JSON array [issuer, resource, client_id], stable across releases', () => {
    const key = tokenKey({ issuer: 'https://auth.example.com', resource: 'https://mcp.example.com/mcp', clientId: 'client-123' });
    expect(key).toBe(TOKEN_KEY);
    expect(key).toBe(
      createHash('sha256').update('["https://auth.example.com","https://mcp.example.com/mcp","client-123"]').digest('hex'),
    );
  });

  it('for registrations are sha256 of the JSON array [issuer, redirect_uri]', () => {
    expect(registrationKey({ issuer: 'https://auth.example.com', redirectUri: 'http://127.0.0.1:33418/callback' })).toBe(
      REGISTRATION_KEY,
    );
  });

  it('do not depend on the tool version or anything but their inputs', async () => {
    const source = await readFile(new URL('../../../src/store/model/keys.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/__VERSION__|package\.json|process\.version/);
  });

  it('differ when any part differs, and a "|" inside a value cannot forge another tuple', () => {
    const base = { issuer: 'https://a.example', resource: 'https://r.example', clientId: 'c' };
    const keys = new Set([
      tokenKey(base),
      tokenKey({ ...base, issuer: 'https://a.example/' }),
      tokenKey({ ...base, resource: 'https://r.example/' }),
      tokenKey({ ...base, clientId: 'C' }),
      tokenKey({ issuer: 'a|b', resource: 'c', clientId: 'd' }),
      tokenKey({ issuer: 'a', resource: 'b|c', clientId: 'd' }),
    ]);
    expect(keys.size).toBe(6);
  });

  it('are 64 lowercase hex digits, and empty inputs are refused', () => {
    expect(isCredentialKey(TOKEN_KEY)).toBe(true);
    expect(isCredentialKey('../etc/passwd')).toBe(false);
    expect(isCredentialKey(TOKEN_KEY.toUpperCase())).toBe(false);
    let error: unknown;
    try {
      tokenKey({ issuer: '', resource: 'r', clientId: 'c' });
    } catch (e) {
      error = e;
    }
    expect(isBridgeError(error)).toBe(true);
    expect((error as Error).message).toMatch(/issuer/);
  });
});

describe('config directory', () => {
  const saved = process.env.XDG_CONFIG_HOME;
  afterEach(() => {
    if (saved === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = saved;
  });

  it('defaults to the env-paths config dir without the -nodejs suffix', () => {
    process.env.XDG_CONFIG_HOME = '/tmp/xdg-config-test';
    if (process.platform === 'linux') expect(defaultConfigDir()).toBe('/tmp/xdg-config-test/mcp-auth-bridge');
    expect(defaultConfigDir()).not.toMatch(/nodejs/);
    expect(resolveConfigDir()).toBe(defaultConfigDir());
  });

  it('is overridable and resolved to an absolute path', () => {
    expect(resolveConfigDir({ configDir: 'rel/dir' })).toBe(join(process.cwd(), 'rel/dir'));
    expect(storePaths('/x')).toEqual({
      configDir: '/x',
      tokensDir: '/x/tokens',
      registrationsDir: '/x/registrations',
      locksDir: '/x/locks',
    });
  });
});
