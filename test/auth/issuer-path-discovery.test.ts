// Authorization-server metadata for issuers with a path (MCP 2026-07-28, authorization server discovery): the bridge
// tries RFC 8414 path insertion, then OpenID Connect path insertion, then OpenID Connect path appending — in that
// order, stopping at the first document — and for an issuer without a path only the two root locations. The
// document found must name the issuer it was fetched for, compared as URLs (oauth4webapi: a root issuer's trailing
// slash or an upper-case host does not make another server; the RFC 9207 `iss` is then compared with the document's
// own `issuer` exactly). A small node:http authorization server serves one
// document at one location and records what was asked (oidc-provider has no issuer with a path); the protected MCP
// server is the real one. The login stops right after discovery (the document offers no registration), which the
// error says: proof that the document was accepted.
import { describe, expect, it } from 'vitest';
import { authArgs, tempDir } from '../helpers/auth-bridge.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { listenLoopback } from '../helpers/http-util.js';
import { startOidcProvider, startProtectedMcpServer } from '../helpers/oidc/index.js';
import { initializeOutcome } from '../helpers/outcomes.js';

useTeardown();

/** An authorization server whose metadata document is served only at `location` (a path), naming `issuer(origin)`. */
async function startPathIssuer(location: string, issuer: (origin: string) => string) {
  const requests: string[] = [];
  let origin = '';
  const listening = await listenLoopback((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    requests.push(path);
    if (path === location) {
      const iss = issuer(origin);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer: iss,
          authorization_endpoint: `${iss}/authorize`,
          token_endpoint: `${iss}/token`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
        }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  origin = `http://127.0.0.1:${listening.port}`;
  onTeardown(() => listening.close());
  return { origin, requests };
}

async function loginError(issuerOf: (origin: string) => string, location: string) {
  const as = await startPathIssuer(location, issuerOf);
  const p = await startOidcProvider(); // only to give the MCP server a token validator; never asked
  const server = await startProtectedMcpServer({ issuer: p.issuer, metadata: { authorizationServers: [issuerOf(as.origin)] } });
  const raw = spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', server.url]);
  const end = await initializeOutcome(raw, 20_000);
  expect(end.kind, JSON.stringify(end)).toBe('error');
  return { message: end.kind === 'error' ? end.message : '', requests: as.requests.filter((r) => r.includes('.well-known')) };
}

const RFC8414_INSERTED = '/.well-known/oauth-authorization-server/tenant1';
const OIDC_INSERTED = '/.well-known/openid-configuration/tenant1';
const OIDC_APPENDED = '/tenant1/.well-known/openid-configuration';

describe('authorization server metadata for an issuer with a path', () => {
  it.each([
    ['RFC 8414 path insertion', RFC8414_INSERTED, [RFC8414_INSERTED]],
    ['OpenID Connect path insertion', OIDC_INSERTED, [RFC8414_INSERTED, OIDC_INSERTED]],
    ['OpenID Connect path appending', OIDC_APPENDED, [RFC8414_INSERTED, OIDC_INSERTED, OIDC_APPENDED]],
  ])('found by %s, after the locations before it in the specified order', async (_label, location, tried) => {
    const { message, requests } = await loginError((origin) => `${origin}/tenant1`, location);
    expect(requests).toEqual(tried);
    expect(message).toContain('does not offer dynamic client registration');
  });

  it('an issuer without a path: only the two root locations are asked, never a path form', async () => {
    const root = await loginError((origin) => origin, RFC8414_INSERTED);
    expect(root.requests).toEqual(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']);
    expect(root.message).toContain('no authorization server metadata found');
  });

  it('the issuer is compared as a URL: a root issuer written with its trailing slash is the same issuer', async () => {
    // PRM names `http://127.0.0.1:PORT`; the document says `http://127.0.0.1:PORT/` (as some providers write it).
    const as = await startPathIssuer('/.well-known/oauth-authorization-server', (origin) => `${origin}/`);
    const p = await startOidcProvider();
    const server = await startProtectedMcpServer({ issuer: p.issuer, metadata: { authorizationServers: [as.origin] } });
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', server.url]);
    const end = await initializeOutcome(raw, 20_000);
    expect(end.kind).toBe('error');
    expect(end.kind === 'error' ? end.message : '').toContain('does not offer dynamic client registration');
  });

  it('a document that names another issuer than the one its location was built from is refused', async () => {
    const as = await startPathIssuer(RFC8414_INSERTED, (origin) => `${origin}/tenant2`);
    const p = await startOidcProvider();
    const server = await startProtectedMcpServer({ issuer: p.issuer, metadata: { authorizationServers: [`${as.origin}/tenant1`] } });
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', server.url]);
    const end = await initializeOutcome(raw, 20_000);
    expect(end.kind).toBe('error');
    expect(end.kind === 'error' ? end.message : '').toContain('names a different issuer');
  });
});
