// docs/troubleshooting.md, answers too large for a login: a server whose advertised scopes make the authorization URL
// far longer than a browser can be handed (refused before anything opens; `--scopes`, the documented fix, logs in),
// and an OAuth answer over 1 MiB (a hostile metadata server streaming 100 MB: refused, naming its URL, without
// reading the rest). Real oidc-provider, real protected MCP server, and the streaming hostile server of the
// size-limit tests.
import { describe, expect, it } from 'vitest';
import { authArgs, connectWithLogin, loginUrlsIn, tempDir, whoami } from '../helpers/auth-bridge.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startHugeResponseServer } from '../helpers/huge-response-server.js';
import { startOidcProvider, startProtectedMcpServer } from '../helpers/oidc/index.js';
import { initializeOutcome, type RequestEnd } from '../helpers/outcomes.js';
import { expectDocumented } from './readme-rows.js';
import { browserCommand } from '../helpers/browser-command.js';

useTeardown();

function errorMessage(end: RequestEnd): string {
  expect(end.kind, JSON.stringify(end).slice(0, 2000)).toBe('error');
  return end.kind === 'error' ? end.message : '';
}

describe('troubleshooting: answers too large for a login', () => {
  it('`refused the authorization URL: it is … characters long, over the … a browser can be handed`: 3,000 advertised scopes; --scopes (the fix) logs in', async () => {
    const p = await startOidcProvider();
    const many = Array.from({ length: 3000 }, (_, i) => `scope:${String(i).padStart(12, '0')}`);
    const server = await startProtectedMcpServer({ issuer: p.issuer, scopesSupported: many, challenge: { scope: false } });
    const recorder = browserCommand(tempDir());
    const client = ['--client-id', p.publicClient.clientId];
    const raw = spawnBridgeRaw([...authArgs(tempDir(), client), '--browser', recorder.command, server.url]);
    const message = errorMessage(await initializeOutcome(raw, 30_000));
    expectDocumented(message, 'characters long, over the');
    expect(message).toContain('over the 16384 a browser can be handed');
    expect(recorder.urls()).toEqual([]);
    expect(loginUrlsIn(raw.stderr())).toEqual([]);
    expect(p.counters.authorizationRequests).toBe(0);

    // The documented fix: ask only for the scopes you need.
    const { bridge } = await connectWithLogin({ url: server.url, configDir: tempDir(), args: [...client, '--scopes', 'mcp:read'] });
    expect((await whoami(bridge)).scopes).toContain('mcp:read');
  });

  it('`the response from … is larger than 1 MiB: refused without reading the rest`: a 100 MB protected-resource metadata document', async () => {
    const p = await startOidcProvider();
    const evil = await startHugeResponseServer({ paths: ['/prm'], bytes: 100_000_000 });
    const server = await startProtectedMcpServer({ issuer: p.issuer, challenge: { resourceMetadata: `${evil.origin}/prm` } });
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', server.url]);
    const message = errorMessage(await initializeOutcome(raw, 60_000));
    expectDocumented(message, 'is larger than 1 MiB');
    expect(message).toContain(`the response from ${evil.origin}/prm is larger than 1 MiB`);
    expect(evil.sent[0]!, 'the bridge kept reading the body').toBeLessThan(50_000_000);
    expect(loginUrlsIn(raw.stderr())).toEqual([]);
    expect(p.counters.discoveryRequests).toBe(0);
    expect(raw.exitStatus()).toBeUndefined();
  });
});
