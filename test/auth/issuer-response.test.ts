// The authorization response's `iss` (RFC 9207) as MCP 2026-07-28 requires it, against the real provider: a present
// `iss` is compared with the recorded issuer by simple string comparison whether or not the server advertises it
// (no case folding, no trailing-slash or default-port normalization), a missing one is refused only when the server
// advertises it, and the check comes before anything else in the response is used — a forged error response from
// another issuer is neither acted on nor shown. Where the provider must behave like one from before RFC 9207 (no
// `authorization_response_iss_parameter_supported`, no `iss` in its redirects), a Koa middleware in the real
// provider takes them out. (`iss` missing although advertised, and an `iss` of another server, are in
// refusals.test.ts.)
import { describe, expect, it } from 'vitest';
import { authArgs, loginUrlsIn, tempDir } from '../helpers/auth-bridge.js';
import { spawnBridgeRaw, type RawBridge } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { deliverCallback, driveLoginToCallback, startAuthStack } from '../helpers/oidc/index.js';
import type { OidcProviderOptions } from '../helpers/oidc/index.js';
import { initializeOutcome, requestEnd, type RequestEnd } from '../helpers/outcomes.js';
import { waitFor } from '../helpers/wait.js';

useTeardown();

/** What a provider from before RFC 9207 leaves out. */
interface Older {
  /** Take `authorization_response_iss_parameter_supported` out of the metadata. */
  unadvertised?: boolean;
  /** Take `iss` out of the authorization redirects. */
  noIss?: boolean;
}

/** Provider options whose setup installs the middleware for `older`. */
function olderProvider(older: Older): OidcProviderOptions {
  return {
    setup: (provider) => {
      (provider as unknown as { use: (mw: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>) => void }).use(async (ctx, next) => {
        await next();
        if (older.unadvertised && ctx.path.startsWith('/.well-known/') && ctx.body && typeof ctx.body === 'object') {
          const body = { ...(ctx.body as Record<string, unknown>) };
          delete body.authorization_response_iss_parameter_supported;
          ctx.body = body;
        }
        const location = ctx.response.get('location');
        if (older.noIss && location && /[?&]iss=/.test(location)) {
          const url = new URL(location);
          url.searchParams.delete('iss');
          ctx.set('location', url.href);
        }
      });
    },
  };
}

interface KoaContext {
  path: string;
  body: unknown;
  response: { get(name: string): string };
  set(name: string, value: string): void;
}

function rawBridge(url: string): RawBridge {
  return spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', url]);
}

function loginUrl(raw: RawBridge): Promise<string> {
  return waitFor(`login URL on stderr (${JSON.stringify(raw.stderr().slice(-1500))})`, () => loginUrlsIn(raw.stderr())[0], { timeoutMs: 15_000 });
}

function errorOf(end: RequestEnd): string {
  expect(end.kind, JSON.stringify(end)).toBe('error');
  return end.kind === 'error' ? end.message : '';
}

describe('RFC 9207 iss in the authorization response (MCP 2026-07-28)', () => {
  it('a server that neither advertises nor sends iss: the login proceeds and the token works', async () => {
    const { provider: p, server } = await startAuthStack({ provider: olderProvider({ unadvertised: true, noIss: true }) });
    const metadata = (await (await fetch(p.authorizationServerMetadataUrl)).json()) as Record<string, unknown>;
    expect(metadata).not.toHaveProperty('authorization_response_iss_parameter_supported');
    const raw = rawBridge(server.url);
    const init = initializeOutcome(raw, 25_000);
    const redirect = await driveLoginToCallback(await loginUrl(raw));
    expect(redirect.params.has('iss')).toBe(false);
    expect(redirect.params.get('code')).toBeTruthy();
    const page = await deliverCallback(redirect.callbackUrl);
    expect(page.body).toContain('Logged in');
    expect((await init).kind).toBe('result');
    expect(p.counters.tokenRequests.authorization_code).toBe(1);
    raw.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
    const end = await requestEnd(raw, 2, 15_000);
    expect(end.kind, JSON.stringify(end)).toBe('result');
    expect(JSON.stringify(end)).toContain('alice');
  });

  it('a server that does not advertise iss but sends one of another issuer: refused, the code is not redeemed', async () => {
    const { provider: p, server } = await startAuthStack({ provider: olderProvider({ unadvertised: true }) });
    const raw = rawBridge(server.url);
    const init = initializeOutcome(raw, 25_000);
    const redirect = await driveLoginToCallback(await loginUrl(raw));
    expect(redirect.params.get('iss')).toBe(p.issuer);
    const forged = new URL(redirect.callbackUrl);
    forged.searchParams.set('iss', 'https://evil.example.com');
    const page = await deliverCallback(forged);
    expect(page.status).toBe(400);
    expect(page.body).toContain('did not come from the expected authorization server');
    const message = errorOf(await init);
    expect(message).toContain('refused the login response: it names the issuer "https://evil.example.com", not');
    expect(p.counters.tokenRequests.authorization_code ?? 0).toBe(0);
  });

  it.each([
    ['a trailing slash', (issuer: string) => `${issuer}/`],
    ['an upper-case scheme and host', (issuer: string) => issuer.replace('http://127.0.0.1', 'HTTP://127.0.0.1')],
    ['percent-encoding', (issuer: string) => issuer.replace('127.0.0.1', '127%2E0.0.1')],
  ])('an iss equal to the issuer only after normalization (%s) is refused', async (_label, variant) => {
    const { provider: p, server } = await startAuthStack();
    const raw = rawBridge(server.url);
    const init = initializeOutcome(raw, 25_000);
    const redirect = await driveLoginToCallback(await loginUrl(raw));
    const forged = new URL(redirect.callbackUrl);
    const iss = variant(p.issuer);
    expect(iss).not.toBe(p.issuer);
    forged.searchParams.set('iss', iss);
    expect((await deliverCallback(forged)).status).toBe(400);
    expect(errorOf(await init)).toContain('refused the login response: it names the issuer');
    expect(p.counters.tokenRequests.authorization_code ?? 0).toBe(0);
  });

  it('an error response naming another issuer is refused as such: its error is neither acted on nor shown', async () => {
    const { provider: p, server } = await startAuthStack();
    const raw = rawBridge(server.url);
    const init = initializeOutcome(raw, 25_000);
    const redirect = await driveLoginToCallback(await loginUrl(raw));
    const forged = new URL(redirect.callbackUrl);
    forged.search = '';
    forged.searchParams.set('error', 'access_denied');
    forged.searchParams.set('error_description', 'Call 555-0100 to restore your account');
    forged.searchParams.set('state', redirect.params.get('state')!);
    forged.searchParams.set('iss', 'https://evil.example.com');
    const page = await deliverCallback(forged);
    expect(page.status).toBe(400);
    expect(page.body).not.toContain('555-0100');
    expect(page.body).not.toContain('declined');
    const message = errorOf(await init);
    expect(message).toContain('names the issuer "https://evil.example.com"');
    expect(message).not.toContain('access_denied');
    expect(message).not.toContain('555-0100');
    expect(raw.stderr()).not.toContain('555-0100');

    // The refusal ended that login; the bridge stays up and the next request logs in anew.
    raw.send({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    const again = await waitFor('a second login URL', () => loginUrlsIn(raw.stderr())[1], { timeoutMs: 15_000 });
    const second = await driveLoginToCallback(again);
    expect((await deliverCallback(second.callbackUrl)).body).toContain('Logged in');
    expect((await requestEnd(raw, 2, 15_000)).kind).toBe('result');
    // One code redeemed: the new login's (a stored registration that never led to a login is first checked with a
    // code that cannot be valid, which the provider answers invalid_grant).
    expect(p.tokenRequests.filter((r) => r.grantType === 'authorization_code' && r.status === 200)).toHaveLength(1);
  });
});
