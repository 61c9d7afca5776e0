// What the bridge must refuse, each with a clear message and without sending a login anywhere it should not:
// a callback whose `state` or `iss` does not match, authorization-server metadata naming another issuer,
// protected-resource metadata for another resource, a server without PKCE S256, hostile authorization endpoints
// (`javascript:`, `file:`, shell metacharacters — never opened, never executed), and a login the user declined.
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { authArgs, isAlive, loginUrlsIn, startAuthBridge, tempDir, whoami } from '../helpers/auth-bridge.js';
import { fetchMetadata, startMetadataServer } from '../helpers/auth-metadata-server.js';
import { spawnBridgeRaw, type RawBridge } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { deliverCallback, driveLogin, driveLoginToCallback, startAuthStack, startOidcProvider, startProtectedMcpServer } from '../helpers/oidc/index.js';
import { initializeOutcome, requestEnd, type RequestEnd } from '../helpers/outcomes.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { browserCommand } from '../helpers/browser-command.js';

useTeardown();

/** A raw bridge (JSON-RPC lines) with the usual auth options. */
function rawBridge(url: string, extra: string[] = ['--no-browser']): RawBridge {
  return spawnBridgeRaw([...authArgs(tempDir()), ...extra, url]);
}

function waitForRawLoginUrl(raw: RawBridge, n = 0): Promise<string> {
  return waitFor(`login URL #${n + 1} on stderr (${JSON.stringify(raw.stderr().slice(-1500))})`, () => loginUrlsIn(raw.stderr())[n], { timeoutMs: 15_000 });
}

function expectError(end: RequestEnd): string {
  expect(end.kind, JSON.stringify(end)).toBe('error');
  return end.kind === 'error' ? end.message : '';
}

describe('login callback checks', () => {
  it('refuses a callback whose state does not match, says so on the page, and keeps waiting for the real one', async () => {
    const { provider: p, server } = await startAuthStack();
    const bridge = startAuthBridge({ url: server.url, configDir: tempDir() });
    const url = await bridge.waitForLoginUrl();
    const redirect = await driveLoginToCallback(url);

    const tampered = new URL(redirect.callbackUrl);
    tampered.searchParams.set('state', `${redirect.params.get('state')}x`);
    const refused = await deliverCallback(tampered);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatch(/does not belong to the login in progress/);
    expect(refused.body).toMatch(/state/);
    const noState = new URL(redirect.callbackUrl);
    noState.searchParams.delete('state');
    expect((await deliverCallback(noState)).status).toBe(400);
    expect(p.counters.tokenRequests.authorization_code ?? 0).toBe(0); // the code was not spent on a forged callback
    expect(bridge.stderr()).toMatch(/state mismatch/);

    const genuine = await deliverCallback(redirect.callbackUrl);
    expect(genuine.status).toBe(200);
    expect(genuine.body).toContain('Logged in');
    await withTimeout('connect after the genuine callback', bridge.connected, 15_000);
    expect((await whoami(bridge)).sub).toBe('alice');
  });

  it('refuses a callback whose iss is not the authorization server (RFC 9207) and does not exchange the code', async () => {
    const { provider: p, server } = await startAuthStack();
    const raw = rawBridge(server.url);
    const init = initializeOutcome(raw, 20_000);
    const redirect = await driveLoginToCallback(await waitForRawLoginUrl(raw));
    expect(redirect.params.get('iss')).toBe(p.issuer);
    const tampered = new URL(redirect.callbackUrl);
    tampered.searchParams.set('iss', 'http://127.0.0.1:1');
    const page = await deliverCallback(tampered);
    expect(page.status).toBe(400);
    expect(page.body).toMatch(/did not come from the expected authorization server/);

    const message = expectError(await init);
    expect(message).toMatch(/iss|issuer/i);
    expect(message).toContain('refused the login response');
    expect(p.counters.tokenRequests.authorization_code ?? 0).toBe(0);
    expect(raw.exitStatus()).toBeUndefined();
  });

  it('refuses a callback without iss when the server advertises RFC 9207', async () => {
    const { provider: p, server } = await startAuthStack();
    const raw = rawBridge(server.url);
    const init = initializeOutcome(raw, 20_000);
    const redirect = await driveLoginToCallback(await waitForRawLoginUrl(raw));
    const stripped = new URL(redirect.callbackUrl);
    stripped.searchParams.delete('iss');
    expect((await deliverCallback(stripped)).status).toBe(400);
    expect(expectError(await init)).toMatch(/iss/i);
    expect(p.counters.tokenRequests.authorization_code ?? 0).toBe(0);
  });

  it('a login declined at the provider (error=access_denied) fails the request with a JSON-RPC error; the bridge stays up and can log in again', async () => {
    const { server } = await startAuthStack();
    const raw = rawBridge(server.url);
    const init = initializeOutcome(raw, 20_000);
    const declined = await driveLogin(await waitForRawLoginUrl(raw), { deny: 'consent' });
    expect(declined.params.get('error')).toBe('access_denied');
    expect(declined.status).toBe(400);
    expect(declined.body).toContain('Login declined');
    const message = expectError(await init);
    expect(message).toContain('access_denied');
    expect(isAlive(raw.child.pid)).toBe(true);
    expect(raw.exitStatus()).toBeUndefined();

    // Still serving: a new initialize starts a new login, which now succeeds.
    raw.send({
      jsonrpc: '2.0',
      id: 2,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    const again = await driveLogin(await waitForRawLoginUrl(raw, 1));
    expect(again.body).toContain('Logged in');
    const end = await requestEnd(raw, 2, 20_000);
    expect(end.kind, JSON.stringify(end)).toBe('result');
  });
});

describe('discovery checks', () => {
  it('refuses authorization-server metadata that names another issuer (RFC 8414 §3.3)', async () => {
    const p = await startOidcProvider();
    const real = await fetchMetadata(p.authorizationServerMetadataUrl);
    // An impostor serves the real provider's document (issuer = the real one) under its own origin.
    const impostor = await startMetadataServer(() => real);
    const server = await startProtectedMcpServer({ issuer: p.issuer, metadata: { authorizationServers: [impostor.origin] } });
    const raw = rawBridge(server.url);
    const message = expectError(await initializeOutcome(raw, 20_000));
    expect(message).toMatch(/names a different issuer/);
    expect(message).toContain(impostor.origin);
    expect(impostor.requests.length).toBeGreaterThan(0);
    expect(p.counters.registrations).toBe(0);
    expect(p.counters.authorizationRequests).toBe(0);
    expect(loginUrlsIn(raw.stderr())).toEqual([]);
  });

  it('refuses protected-resource metadata whose resource is another server', async () => {
    const p = await startOidcProvider();
    const server = await startProtectedMcpServer({ issuer: p.issuer, metadata: { resource: 'https://elsewhere.example/mcp' } });
    const raw = rawBridge(server.url);
    const message = expectError(await initializeOutcome(raw, 20_000));
    expect(message).toContain('https://elsewhere.example/mcp');
    expect(message).toContain(server.url);
    expect(p.counters.discoveryRequests).toBe(0);
    expect(p.counters.authorizationRequests).toBe(0);
  });

  it('refuses a resource_metadata URL in the challenge that is not https (or http on loopback)', async () => {
    const p = await startOidcProvider();
    const server = await startProtectedMcpServer({ issuer: p.issuer, challenge: { resourceMetadata: 'file:///etc/passwd' } });
    const raw = rawBridge(server.url);
    const message = expectError(await initializeOutcome(raw, 20_000));
    expect(message).toMatch(/resource_metadata/);
    expect(message).toMatch(/file: scheme is not allowed/);
    expect(p.counters.discoveryRequests).toBe(0);
  });

  it.each([
    ['absent', undefined],
    ['plain only', ['plain']],
  ])('refuses an authorization server without PKCE S256 (code_challenge_methods_supported %s)', async (_label, methods) => {
    const p = await startOidcProvider();
    const real = await fetchMetadata(p.authorizationServerMetadataUrl);
    const noPkce = await startMetadataServer((origin) => {
      const doc: Record<string, unknown> = { ...real, issuer: origin };
      if (methods === undefined) delete doc.code_challenge_methods_supported;
      else doc.code_challenge_methods_supported = methods;
      return doc;
    });
    const server = await startProtectedMcpServer({ issuer: p.issuer, metadata: { authorizationServers: [noPkce.origin] } });
    const raw = rawBridge(server.url);
    const message = expectError(await initializeOutcome(raw, 20_000));
    expect(message).toMatch(/PKCE/);
    expect(message).toContain(noPkce.origin);
    expect(p.counters.registrations).toBe(0);
    expect(p.counters.authorizationRequests).toBe(0);
    expect(loginUrlsIn(raw.stderr())).toEqual([]);
  });
});

describe('hostile authorization endpoints', () => {
  const marker = () => join(tmpdir(), `pwned-${randomBytes(6).toString('hex')}`);
  it.each([
    ['javascript:', (_m: string) => 'javascript:alert(document.cookie)//'],
    ['file:', (_m: string) => 'file:///etc/passwd'],
    ['$(…) command substitution', (m: string) => `https://login.example/auth?x=$(touch ${m})`],
    ['backticks', (m: string) => `https://login.example/auth?x=\`touch ${m}\``],
    ['; and | separators', (m: string) => `https://login.example/auth;touch ${m}|sh`],
    ['quote break-out', (m: string) => `https://login.example/auth?x=';touch ${m};'`],
    ['plain http to another host', (_m: string) => 'http://login.example/auth'],
  ])('refuses an authorization_endpoint with %s and runs nothing', async (_label, endpoint) => {
    const p = await startOidcProvider();
    const pwned = marker();
    const real = await fetchMetadata(p.authorizationServerMetadataUrl);
    const hostile = await startMetadataServer((origin) => ({ ...real, issuer: origin, authorization_endpoint: endpoint(pwned) }));
    const server = await startProtectedMcpServer({ issuer: p.issuer, metadata: { authorizationServers: [hostile.origin] } });
    const recorder = browserCommand(tempDir());
    const raw = rawBridge(server.url, ['--browser', recorder.command]);
    const message = expectError(await initializeOutcome(raw, 20_000));
    expect(message).toMatch(/refused the server's authorization_endpoint/);
    expect(raw.exitStatus()).toBeUndefined();
    await sleep(300); // anything started would have had time to run
    expect(existsSync(pwned), 'a command from the endpoint ran').toBe(false);
    expect(recorder.urls(), 'the hostile URL was handed to the browser command').toEqual([]);
    expect(loginUrlsIn(raw.stderr()), 'the hostile URL was offered as a login URL').toEqual([]);
    expect(p.counters.registrations).toBe(0);
  });
});
