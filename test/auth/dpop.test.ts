// DPoP-bound tokens (RFC 9449) against real parts: oidc-provider (DPoP on, with server nonces) issues the tokens,
// and a real MCP server accepts only DPoP-bound JWT access tokens with a fresh proof per request (and its nonce).
// The bridge binds a login to a key of its own when the server challenges with DPoP and the authorization server
// offers ES256 (`--dpop auto`); the key is stored with the login (a secret), so refreshes and restarts keep the
// binding; Bearer servers keep getting Bearer tokens.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isBound, wantsDPoP } from '../../src/auth/dpop/policy.js';
import { connectWithLogin, connectWithoutLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { storedLogins } from '../helpers/auth-secrets.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startAuthStack, startDPoPMcpServer, startOidcProvider } from '../helpers/oidc/index.js';

useTeardown();

/** A provider and a DPoP-only MCP server trusting it. */
async function dpopStack(options: { providerNonce?: boolean; serverNonce?: boolean; accessTokenTtlSeconds?: number } = {}) {
  const provider = await startOidcProvider({
    dpop: options.providerNonce ? 'nonce' : true,
    ...(options.accessTokenTtlSeconds ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds } : {}),
  });
  const server = await startDPoPMcpServer({ issuer: provider.issuer, nonce: options.serverNonce ?? false });
  return { provider, server };
}

describe('DPoP (--dpop auto)', () => {
  it('binds the login to a key when the server challenges with DPoP: proofs on the token request and on every MCP request; a restart keeps the binding', async () => {
    const { provider, server } = await dpopStack({ providerNonce: true });
    const configDir = tempDir();
    const { bridge } = await connectWithLogin({ url: server.url, configDir, args: ['--debug'] });
    expect((await whoami(bridge)).sub).toBeTruthy();

    // The token endpoint asked for its nonce once (RFC 9449 §8); the retried request got the bound token.
    expect(provider.tokenRequests.map((t) => [t.grantType, t.status, t.error])).toEqual([
      ['authorization_code', 400, 'use_dpop_nonce'],
      ['authorization_code', 200, undefined],
    ]);
    const authenticated = server.requests.filter((r) => r.scheme !== 'none');
    expect(authenticated.length).toBeGreaterThanOrEqual(3);
    expect(authenticated.every((r) => r.scheme === 'dpop' && r.proof && r.outcome === 'ok')).toBe(true);
    const jtis = authenticated.map((r) => r.jti);
    expect(new Set(jtis).size).toBe(jtis.length);
    const jkt = authenticated[0]!.jkt!;
    expect(authenticated.every((r) => r.jkt === jkt)).toBe(true);

    const [login] = storedLogins(configDir);
    const key = JSON.parse(String(login!.json.secrets!.dpopKey)) as { kty: string; crv: string; d: string };
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(bridge.stderr()).not.toContain(key.d);
    expect(bridge.stderr()).not.toContain(login!.json.secrets!.dpopKey);
    await bridge.close();

    server.requests.length = 0;
    const again = await connectWithoutLogin({ url: server.url, configDir, label: 'restarted' });
    expect((await whoami(again)).sub).toBeTruthy();
    expect(server.requests.filter((r) => r.scheme !== 'none').every((r) => r.scheme === 'dpop' && r.outcome === 'ok' && r.jkt === jkt)).toBe(true);
    expect(provider.tokenRequests).toHaveLength(2);
  });

  it('a refresh carries a proof with the same key, and the server\'s nonces are answered and remembered', async () => {
    const { provider, server } = await dpopStack({ serverNonce: true, accessTokenTtlSeconds: 4 });
    const configDir = tempDir();
    const { bridge } = await connectWithLogin({ url: server.url, configDir });
    expect((await whoami(bridge)).sub).toBeTruthy();
    // The first request with the token was refused for its nonce (§9) and sent again with it; later ones carry it.
    const first = server.requests.filter((r) => r.scheme === 'dpop');
    expect(first[0]!.outcome).toBe('use_dpop_nonce');
    expect(first.slice(1).every((r) => r.outcome === 'ok' && r.nonce === server.currentNonce)).toBe(true);

    server.rotateNonce();
    server.requests.length = 0;
    expect((await whoami(bridge)).sub).toBeTruthy();
    expect(server.requests.map((r) => r.outcome)).toEqual(['use_dpop_nonce', 'ok']);

    const jkt = server.requests[1]!.jkt;
    const expiresAt = Number(storedLogins(configDir)[0]!.json.metadata.expiresAt);
    await sleep(Math.max(0, expiresAt - Date.now() + 300));
    server.requests.length = 0;
    expect((await whoami(bridge)).sub).toBeTruthy();
    expect(provider.tokenRequests.map((t) => [t.grantType, t.status])).toEqual([
      ['authorization_code', 200],
      ['refresh_token', 200],
    ]);
    expect(server.requests.every((r) => r.outcome === 'ok' && r.jkt === jkt)).toBe(true);
    expect(storedLogins(configDir)[0]!.json.secrets!.dpopKey).toBeTruthy();
  });

  it('a machine\'s tokens (client credentials) are bound too, and stay bound when they are requested again at their end', async () => {
    const { provider, server } = await dpopStack({ providerNonce: true, accessTokenTtlSeconds: 4 });
    const { clientId, clientSecret } = provider.confidentialClient;
    const configDir = tempDir();
    const bridge = await connectWithoutLogin({ url: server.url, configDir, args: ['--client-credentials', '--client-id', clientId], env: { OIDC_CLIENT_SECRET: clientSecret } });
    expect((await whoami(bridge)).clientId).toBe(clientId);
    const firstKey = storedLogins(configDir)[0]!.json.secrets!.dpopKey;
    expect(firstKey).toBeTruthy();
    const expiresAt = Number(storedLogins(configDir)[0]!.json.metadata.expiresAt);
    await sleep(Math.max(0, expiresAt - Date.now() + 300));
    expect((await whoami(bridge)).clientId).toBe(clientId);
    // The first grant learned the nonce once; the renewal, with a key of its own (one per login), already carried it.
    expect(provider.tokenRequests.map((t) => [t.grantType, t.status, t.error])).toEqual([
      ['client_credentials', 400, 'use_dpop_nonce'],
      ['client_credentials', 200, undefined],
      ['client_credentials', 200, undefined],
    ]);
    expect(server.requests.filter((r) => r.scheme !== 'none').every((r) => r.scheme === 'dpop' && r.outcome === 'ok')).toBe(true);
    expect(storedLogins(configDir)[0]!.json.secrets!.dpopKey).not.toBe(firstKey);
  });

  it('a server that challenges with Bearer gets Bearer tokens, though the authorization server offers DPoP', async () => {
    const { server } = await startAuthStack();
    const configDir = tempDir();
    const { bridge } = await connectWithLogin({ url: server.url, configDir });
    expect((await whoami(bridge)).sub).toBeTruthy();
    expect(storedLogins(configDir)[0]!.json.secrets!.dpopKey).toBeUndefined();
  });
});

describe('the DPoP policy', () => {
  const as = (algs?: string[]) => ({ issuer: 'https://as.example', ...(algs ? { dpop_signing_alg_values_supported: algs } : {}) });
  it('auto binds only when challenged and ES256 is offered; required insists; off never binds', () => {
    expect(wantsDPoP({ mode: 'auto', as: as(['ES256']), challenged: true })).toBe(true);
    expect(wantsDPoP({ mode: 'auto', as: as(['ES256']), challenged: false })).toBe(false);
    expect(wantsDPoP({ mode: 'auto', as: as(['RS256']), challenged: true })).toBe(false);
    expect(wantsDPoP({ mode: 'required', as: as(['ES256']), challenged: false })).toBe(true);
    expect(() => wantsDPoP({ mode: 'required', as: as(), challenged: true })).toThrow(/does not offer DPoP with ES256/);
    expect(wantsDPoP({ mode: 'off', as: as(['ES256']), challenged: true })).toBe(false);
  });
  it('a Bearer answer to a proof is used as Bearer in auto mode and refused in required mode', () => {
    expect(isBound({ token_type: 'dpop' }, 'auto', 'x')).toBe(true);
    expect(isBound({ token_type: 'bearer' }, 'auto', 'x')).toBe(false);
    expect(() => isBound({ token_type: 'bearer' }, 'required', 'https://as.example')).toThrow(/not a DPoP-bound one/);
  });
});
