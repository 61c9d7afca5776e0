// JWT access tokens at serve, against a real OpenID provider: tokens it issues by client credentials for serve's
// resource (RFC 8707) are accepted, naming the user from the configured claim; expired ones, ones for another
// audience or from another issuer, forged signatures, tokens without a required scope or without the user claim are
// refused with the RFC 6750 answers — and never with the token in the answer. serve's own RFC 9728 metadata and its
// challenge lead this bridge's client-side discovery to the issuer, which is what spec-following clients need.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { startOidcProvider, type OidcProvider } from '../../helpers/oidc/index.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { bearerChallenge, parseChallenges } from '../../../src/auth/challenge.js';
import { DiscoveryPath, locateAuthorizationServer, readAuthorizationServer } from '../../../src/auth/discovery-context.js';
import { createInboundAuth, mcpResourceOf } from '../../../src/serve/inbound-auth/create.js';
import type { JwtAuthConfig } from '../../../src/serve/inbound-auth/config.js';
import { clientCredentialsToken } from './provider-tokens.js';
import { call, recordingLogger, startGuardedServer, type Answer } from './guarded-server.js';

useTeardown();

let provider: OidcProvider;
let other: OidcProvider;

beforeAll(async () => {
  provider = await startOidcProvider({ teardown: 'manual' });
  other = await startOidcProvider({ teardown: 'manual', signingKeyName: 'other-issuer' });
});
afterAll(async () => {
  await provider?.close();
  await other?.close();
});

/** A real access token from `from` by client credentials, for `resource`. */
const tokenFor = (resource: string, from: OidcProvider = provider) => clientCredentialsToken(from, resource);

/** A guarded server accepting JWTs of the provider, with `jwt` options on top. */
async function jwtServer(jwt: Partial<JwtAuthConfig> = {}, now?: () => number) {
  const server = await startGuardedServer();
  const { logger, lines } = recordingLogger();
  const auth = createInboundAuth({ jwt: { issuer: provider.issuer, ...jwt } }, { logger, publicUrl: server.publicUrl, now });
  server.use(auth);
  return { ...server, auth, lines, resource: mcpResourceOf(server.publicUrl) };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The answer does not contain `token`, anywhere. */
function expectNoToken(answer: Answer, token: string): void {
  expect(answer.text).not.toContain(token);
  expect(JSON.stringify(answer.headers)).not.toContain(token);
  // Nor a recognisable piece of it (its signature).
  expect(answer.text + JSON.stringify(answer.headers)).not.toContain(token.split('.')[2]!);
}

describe('a JWT access token of the named issuer', () => {
  it('for serve\'s resource is accepted: the user from "sub", the scopes granted', async () => {
    const s = await jwtServer();
    const answer = await call(s.port, { headers: bearer(await tokenFor(s.resource)) });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ user: provider.confidentialClient.clientId, method: 'jwt', scopes: ['mcp:read', 'mcp:write'] });
    expect(s.auth.required).toBe(true);
  });

  it('expired is refused: 401 invalid_token naming the metadata, without the token', async () => {
    const later = () => Date.now() + 2 * 3600_000;
    const s = await jwtServer({}, later);
    const token = await tokenFor(s.resource);
    const answer = await call(s.port, { headers: bearer(token) });
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ error: 'invalid_token', error_description: 'the token has expired' });
    const challenge = bearerChallenge(new Response(null, { headers: { 'www-authenticate': String(answer.headers['www-authenticate']) } }));
    expect(challenge).toEqual({ resourceMetadata: `http://127.0.0.1:${s.port}/.well-known/oauth-protected-resource/mcp`, error: 'invalid_token', errorDescription: 'the token has expired' });
    expectNoToken(answer, token);
    // Logged at debug, with the peer and the reason, never the token.
    const logged = s.lines.join('');
    expect(logged).toContain('inbound auth: refused a request from 127.0.0.1: 401 invalid_token (the token has expired)');
    expect(logged).not.toContain(token.split('.')[2]!);
  });

  it('for another audience is refused', async () => {
    const s = await jwtServer();
    const token = await tokenFor('http://127.0.0.1:1/some-other/mcp');
    expect(decodeJwt(token).aud).toBe('http://127.0.0.1:1/some-other/mcp');
    const answer = await call(s.port, { headers: bearer(token) });
    expect(answer.status).toBe(401);
    expect(answer.json.error_description).toBe('the token is for another audience than this server');
    expectNoToken(answer, token);
  });

  it('from another issuer is refused, though it is for serve\'s resource', async () => {
    const s = await jwtServer();
    const token = await tokenFor(s.resource, other);
    expect(decodeJwt(token).aud).toBe(s.resource);
    const answer = await call(s.port, { headers: bearer(token) });
    expect(answer.status).toBe(401);
    expect(answer.json.error_description).toBe('the token is from another issuer than the one this server trusts');
    expectNoToken(answer, token);
  });

  it('signed by another key (same claims, same kid) is refused', async () => {
    const s = await jwtServer();
    const real = await tokenFor(s.resource);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(decodeJwt(real)).setProtectedHeader(decodeProtectedHeader(real) as { alg: string }).sign(privateKey);
    const answer = await call(s.port, { headers: bearer(forged) });
    expect(answer.status).toBe(401);
    expect(answer.json.error).toBe('invalid_token');
    expectNoToken(answer, forged);
    // The real one still passes: the refusal was the signature's.
    expect((await call(s.port, { headers: bearer(real) })).status).toBe(200);
  });

  it('without a required scope is refused: 403 insufficient_scope with the scopes in the challenge', async () => {
    const s = await jwtServer({ requiredScopes: ['mcp:read', 'mcp:admin'] });
    const token = await tokenFor(s.resource);
    const answer = await call(s.port, { headers: bearer(token) });
    expect(answer.status).toBe(403);
    expect(answer.json.error).toBe('insufficient_scope');
    const challenge = parseChallenges(String(answer.headers['www-authenticate']));
    expect(challenge[0]).toMatchObject({ scheme: 'bearer', params: { error: 'insufficient_scope', scope: 'mcp:read mcp:admin' } });
    expectNoToken(answer, token);
  });

  it('with the required scopes is accepted', async () => {
    const s = await jwtServer({ requiredScopes: ['mcp:read'] });
    expect((await call(s.port, { headers: bearer(await tokenFor(s.resource)) })).status).toBe(200);
  });

  it('without the configured user claim is refused: 401 invalid_token', async () => {
    const s = await jwtServer({ userClaim: 'email' });
    const token = await tokenFor(s.resource);
    const answer = await call(s.port, { headers: bearer(token) });
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ error: 'invalid_token', error_description: 'the token has no "email" claim to name its user' });
  });

  it('with "client_id" as the user claim names the client', async () => {
    const s = await jwtServer({ userClaim: 'client_id' });
    const answer = await call(s.port, { headers: bearer(await tokenFor(s.resource)) });
    expect(answer.json.user).toBe(provider.confidentialClient.clientId);
  });

  it('that is not a JWT at all is refused, and so is another scheme', async () => {
    const s = await jwtServer();
    const garbage = await call(s.port, { headers: bearer('not-a-jwt-0123456789abcdef0123456789') });
    expect(garbage.status).toBe(401);
    expect(garbage.json.error).toBe('invalid_token');
    const basic = await call(s.port, { headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } });
    expect(basic.status).toBe(401);
    expect(basic.text).not.toContain('YWxpY2U6c2VjcmV0');
  });
});

describe('the issuer\'s signing keys', () => {
  it('are fetched once for many first requests at the same moment, not once per request', async () => {
    const s = await jwtServer();
    const token = await tokenFor(s.resource);
    const before = provider.requests.filter((r) => r.path === '/jwks').length;
    const answers = await Promise.all(Array.from({ length: 20 }, () => call(s.port, { headers: bearer(token) })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(provider.requests.filter((r) => r.path === '/jwks').length - before).toBe(1);
  });
});

describe('"jwksUri"', () => {
  it('replaces the metadata\'s key set URL: the provider\'s own works, an unreachable one gives 503, not 401', async () => {
    const good = await jwtServer({ jwksUri: provider.jwksUri });
    expect((await call(good.port, { headers: bearer(await tokenFor(good.resource)) })).status).toBe(200);
    const bad = await jwtServer({ jwksUri: 'http://127.0.0.1:1/jwks' });
    const answer = await call(bad.port, { headers: bearer(await tokenFor(bad.resource)) });
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('10');
    expect(bad.lines.join('')).toContain('cannot read the signing keys of');
  });
});

describe('a request without credentials', () => {
  it('gets 401 with a bare challenge naming the metadata (RFC 6750 §3.1: no error code)', async () => {
    const s = await jwtServer();
    const answer = await call(s.port);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(`Bearer resource_metadata="http://127.0.0.1:${s.port}/.well-known/oauth-protected-resource/mcp"`);
  });
});

describe('serve\'s protected-resource metadata (RFC 9728)', () => {
  it('is served at the resource\'s well-known path and the bare one', async () => {
    const s = await jwtServer({ requiredScopes: ['mcp:read'] });
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const answer = await call(s.port, { path, method: 'GET' });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.json).toEqual({
        resource: `http://127.0.0.1:${s.port}/mcp`,
        authorization_servers: [provider.issuer],
        scopes_supported: ['mcp:read'],
        bearer_methods_supported: ['header'],
        resource_name: 'mcp-auth-bridge serve',
      });
    }
    expect((await call(s.port, { path: '/.well-known/oauth-protected-resource/mcp', method: 'POST' })).status).toBe(405);
  });

  it('with the challenge, leads the bridge\'s own client-side discovery to the issuer', async () => {
    const s = await jwtServer();
    const refused = await call(s.port);
    const challenge = bearerChallenge(new Response(null, { status: 401, headers: { 'www-authenticate': String(refused.headers['www-authenticate']) } }));
    const http = { fetch: globalThis.fetch, policy: { allowHttp: false }, timeoutMs: 10_000 };
    const serverUrl = new URL(s.resource);
    const location = await locateAuthorizationServer({ serverUrl, challenge, http });
    expect(location).toMatchObject({ path: DiscoveryPath.ChallengeMetadata, issuer: provider.issuer, resource: s.resource });
    const context = await readAuthorizationServer(location, { http, checkPkce: true });
    expect(context.as.issuer).toBe(provider.issuer);
    // And a token obtained for that resource is then accepted.
    expect((await call(s.port, { headers: bearer(await tokenFor(context.resource)) })).status).toBe(200);
  });

  it('is not served when no JWT issuer is configured', async () => {
    const server = await startGuardedServer();
    server.use(createInboundAuth({ tokens: [{ user: 'alice', token: 'a'.repeat(40) }] }, { logger: recordingLogger().logger, publicUrl: server.publicUrl }));
    const answer = await call(server.port, { path: '/.well-known/oauth-protected-resource/mcp', method: 'GET' });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer');
  });
});

describe('an issuer that cannot be reached', () => {
  it('gets 503 with Retry-After, not a 401 that would send the client to log in again', async () => {
    const server = await startGuardedServer();
    const { logger, lines } = recordingLogger();
    server.use(createInboundAuth({ jwt: { issuer: 'http://127.0.0.1:1' } }, { logger, publicUrl: server.publicUrl }));
    const answer = await call(server.port, { headers: bearer('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln') });
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('10');
    expect(answer.json.error).toBe('temporarily_unavailable');
    expect(lines.join('')).toMatch(/cannot read the metadata of the issuer http:\/\/127\.0\.0\.1:1/);
  });
});
