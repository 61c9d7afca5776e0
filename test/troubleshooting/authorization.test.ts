// docs/troubleshooting.md, finding where to log in: a token-validating server (bare 401), a provider named by the
// wrong issuer URL, protected-resource metadata for another resource, a provider without dynamic registration — all
// with the real oidc-provider and protected MCP server — and, where no real provider can be made to do it, a
// metadata document served by a small fake (no PKCE, a hostile or plain-http login URL). Each checks the documented
// message in the JSON-RPC error the client gets, and, where cheap, that the documented fix works.
import { describe, expect, it } from 'vitest';
import { authArgs, connectWithLogin, freePort, loginUrlsIn, tempDir, whoami } from '../helpers/auth-bridge.js';
import { fetchMetadata, startMetadataServer } from '../helpers/auth-metadata-server.js';
import { spawnBridgeRaw, type RawBridge } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startOidcProvider, startProtectedMcpServer } from '../helpers/oidc/index.js';
import { initializeOutcome, type RequestEnd } from '../helpers/outcomes.js';
import { expectDocumented } from './readme-rows.js';
import { browserCommand } from '../helpers/browser-command.js';

useTeardown();

function bridge(url: string, extra: string[] = []): RawBridge {
  return spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', ...extra, url]);
}

function errorMessage(end: RequestEnd): string {
  expect(end.kind, JSON.stringify(end)).toBe('error');
  return end.kind === 'error' ? end.message : '';
}

describe('troubleshooting: finding the authorization server', () => {
  it('`… refused the request without saying how to log in`: a token-validating server (bare 401); the fix names --issuer and --client-id (and --header for an API key)', async () => {
    const p = await startOidcProvider();
    const server = await startProtectedMcpServer({ issuer: p.issuer, advertise: false });
    const raw = bridge(server.url);
    const message = errorMessage(await initializeOutcome(raw, 20_000));
    expectDocumented(message, 'refused the request without saying how to log in');
    expect(message).toContain(`127.0.0.1:${server.port}`);
    expect(message).toContain('--issuer');
    expect(message).toContain('--client-id');
    expect(message).toContain('--header "Authorization:${VAR}"');
    expect(p.counters.authorizationRequests).toBe(0);

    // The documented fix works: --issuer and --client-id.
    const { bridge: fixed } = await connectWithLogin({
      url: server.url,
      configDir: tempDir(),
      args: ['--issuer', p.issuer, '--client-id', p.publicClient.clientId, '--redirect-url', `http://127.0.0.1:${await freePort()}/callback`, '--scopes', 'openid mcp:read'],
    });
    expect((await whoami(fixed)).sub).toBe('alice');
  });

  it('`… does not advertise PKCE with S256`: the provider\'s metadata lacks S256 (a fake document); nothing is registered or opened', async () => {
    const p = await startOidcProvider();
    const real = await fetchMetadata(p.authorizationServerMetadataUrl);
    const noPkce = await startMetadataServer((origin) => {
      const doc: Record<string, unknown> = { ...real, issuer: origin };
      delete doc.code_challenge_methods_supported;
      return doc;
    });
    const server = await startProtectedMcpServer({ issuer: p.issuer, metadata: { authorizationServers: [noPkce.origin] } });
    const raw = bridge(server.url);
    const message = errorMessage(await initializeOutcome(raw, 20_000));
    expectDocumented(message, 'does not advertise PKCE with S256');
    expect(message).toContain(noPkce.origin);
    expect(p.counters.registrations).toBe(0);
    expect(loginUrlsIn(raw.stderr())).toEqual([]);
  });

  it('`the authorization server metadata … names a different issuer`: --issuer is not the provider\'s exact issuer URL (localhost for 127.0.0.1)', async () => {
    const p = await startOidcProvider();
    const server = await startProtectedMcpServer({ issuer: p.issuer, advertise: false });
    const notExact = p.issuer.replace('127.0.0.1', 'localhost');
    const raw = bridge(server.url, ['--issuer', notExact, '--client-id', p.publicClient.clientId]);
    const message = errorMessage(await initializeOutcome(raw, 20_000));
    expectDocumented(message, 'names a different issuer');
    expect(message).toContain(notExact);
    expect(p.counters.authorizationRequests).toBe(0);
  });

  it('`the protected-resource metadata … is for X, not for Y`: a server whose metadata names another resource', async () => {
    const p = await startOidcProvider();
    const elsewhere = 'https://mcp.example.com/mcp';
    const server = await startProtectedMcpServer({ issuer: p.issuer, metadata: { resource: elsewhere } });
    const raw = bridge(server.url);
    const message = errorMessage(await initializeOutcome(raw, 20_000));
    expectDocumented(message, 'is for X, not for Y', { X: elsewhere, Y: server.url });
    expect(p.counters.discoveryRequests).toBe(0);
    expect(p.counters.authorizationRequests).toBe(0);
  });

  it.each([
    ['non-https (plain http to another host)', 'http://login.example/authorize'],
    ['malformed (a javascript: URL)', 'javascript:alert(document.cookie)//'],
  ])('`refused the server\'s authorization_endpoint`: %s; nothing was opened', async (_label, endpoint) => {
    const p = await startOidcProvider();
    const real = await fetchMetadata(p.authorizationServerMetadataUrl);
    const hostile = await startMetadataServer((origin) => ({ ...real, issuer: origin, authorization_endpoint: endpoint }));
    const server = await startProtectedMcpServer({ issuer: p.issuer, metadata: { authorizationServers: [hostile.origin] } });
    const recorder = browserCommand(tempDir());
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--browser', recorder.command, server.url]);
    const message = errorMessage(await initializeOutcome(raw, 20_000));
    expectDocumented(message, "refused the server's authorization_endpoint");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(recorder.urls()).toEqual([]);
    expect(loginUrlsIn(raw.stderr())).toEqual([]);
  });

  it('`does not offer dynamic client registration`: a real provider without /reg; the fix (--client-id) works', async () => {
    const p = await startOidcProvider({ dcr: false });
    const server = await startProtectedMcpServer({ issuer: p.issuer });
    const raw = bridge(server.url);
    const message = errorMessage(await initializeOutcome(raw, 20_000));
    expectDocumented(message, 'does not offer dynamic client registration');
    expect(message).toContain(p.issuer);
    expect(message).toContain('--client-id');

    const { bridge: fixed } = await connectWithLogin({ url: server.url, configDir: tempDir(), args: ['--client-id', p.publicClient.clientId] });
    expect(await whoami(fixed)).toMatchObject({ sub: 'alice', clientId: p.publicClient.clientId });
  });
});
