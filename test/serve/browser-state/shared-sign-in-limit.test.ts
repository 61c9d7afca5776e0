/**
 * The sign-in page's limit on failed attempts (10 a minute per address) across `serve --store redis://…` instances:
 * real built serve processes on one real Redis behind the test balancer. Failures spread over two instances are
 * counted together, so the 11th attempt is refused on either; each instance still logs an address's refusals at
 * most once a minute; the counter in Redis names no address and lives at most a minute. Behind the trusted header's
 * proxies the limit counts the address the proxy reports in X-Forwarded-For (and a client's own additions to that
 * header change nothing); without them the header is not read. While Redis is away a sign-in is refused with the 503
 * page, the right token included (fail closed), and works again once Redis is back.
 */
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../../aggregate/aggregate-bridge.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { waitFor } from '../../helpers/wait.js';
import { hiddenValue, HttpBrowser } from '../status/http-browser.js';
import { startTeam, storeKey, type Team } from './instances.js';

useTeardown();

const ALICE = 'alice-token-0123456789abcdef0123456789';
const K1 = storeKey('k1', 11);
const REFUSAL_LINE = /refused a sign-in with a token that is not one of this server's from ([^ ]+) /g;
const wrong = (i: number) => `wrong-token-${i}-0123456789abcdef0123456789`;

/** A team whose instances take Alice's static token, with `auth` added to the file's `serve.auth`. */
async function tokenTeam(auth: Record<string, unknown> = {}) {
  const open = await startStreamableServer();
  const team = await startTeam();
  const file = writeConfigFile({
    mcpServers: { open: { url: open.url, allowHttp: true, auth: 'none' } },
    serve: { auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }], ...auth } },
  });
  return { ...team, startOne: () => team.start(['--config', file], K1, { ALICE_TOKEN: ALICE }) };
}

/** A sign-in with `token` from a new browser whose requests carry `headers`; resolves the POST's status. */
async function signInWith(base: string, token: string, headers: Record<string, string>): Promise<number> {
  const browser = new HttpBrowser(base);
  const page = await browser.request('/auth/sign-in?next=%2F', { headers });
  const csrf = hiddenValue(await page.text(), 'csrf');
  return (await browser.request('/auth/token', { form: { csrf, token, next: '/' }, headers: { ...headers, origin: base } })).status;
}

/** The sign-in failure counters in `team`'s Redis. */
async function counters(team: Team): Promise<string[]> {
  const [, keys] = (await team.redis.command(['SCAN', '0', 'MATCH', '*browser:failure:*', 'COUNT', '1000'])) as [string, string[]];
  return keys;
}

describe('the sign-in limit across serve instances on one Redis', () => {
  it('counts failures on every instance together and refuses the 11th on another instance', { timeout: 120_000 }, async () => {
    const team = await tokenTeam();
    const [a, b] = [await team.startOne(), await team.startOne()];
    const browser = new HttpBrowser(team.balancer.base);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      team.balancer.to(i < 6 ? a.base : b.base);
      statuses.push((await browser.signInWithToken(wrong(i))).status);
    }
    expect(statuses).toEqual(Array(10).fill(401));

    team.balancer.to(a.base);
    const eleventh = await browser.signInWithToken(wrong(10));
    expect(eleventh.status).toBe(429);
    expect(await eleventh.text()).toContain('Too many failed sign-ins from your address');
    // The right token waits out the minute too, on every instance.
    team.balancer.to(b.base);
    expect((await browser.signInWithToken(ALICE)).status).toBe(429);

    // Each instance logged the address's refusals once; no token reached a log.
    for (const serve of [a, b]) {
      expect([...serve.stderr().matchAll(REFUSAL_LINE)].map((m) => m[1])).toEqual(['127.0.0.1']);
      expect(serve.stderr()).not.toContain('wrong-token-');
    }

    // One counter, under the store's prefix with a hash tag, naming no address, for at most a minute.
    const keys = await counters(team);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^\{[^}]*browser:failure:sign-in:[0-9a-f]{32}\}$/);
    expect(keys[0]).not.toContain('127.0.0.1');
    expect(await team.redis.command(['GET', keys[0]!])).toBe('10');
    const ttl = Number(await team.redis.command(['PTTL', keys[0]!]));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);

    // An instance started afterwards knows the count too.
    const c = await team.startOne();
    team.balancer.to(c.base);
    expect((await browser.signInWithToken(ALICE)).status).toBe(429);
  });

  it("counts the address the trusted header's proxy reports, not the proxy's, nor a client's additions", { timeout: 120_000 }, async () => {
    // The balancer (127.0.0.1) is the listed proxy; X-Forwarded-For is what it would append.
    const team = await tokenTeam({ trustedHeader: { name: 'X-Forwarded-User', peers: ['127.0.0.1', '::ffff:127.0.0.1'] } });
    const [a, b] = [await team.startOne(), await team.startOne()];
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const signIn = (token: string, headers: Record<string, string>) => signInWith(team.balancer.base, token, headers);
    for (let i = 0; i < 10; i++) {
      team.balancer.to(i % 2 === 0 ? a.base : b.base);
      expect(await signIn(wrong(i), from('203.0.113.5'))).toBe(401);
    }
    team.balancer.to(a.base);
    expect(await signIn(ALICE, from('203.0.113.5'))).toBe(429);
    // Whatever a client puts before the proxy's entry, the proxy's entry counts.
    expect(await signIn(ALICE, from('198.51.100.9, 203.0.113.5'))).toBe(429);
    // Another client behind the same proxy is not cut off.
    team.balancer.to(b.base);
    expect(await signIn(wrong(10), from('203.0.113.6'))).toBe(401);
    expect(await signIn(ALICE, from('203.0.113.6'))).toBe(303);
    expect([...a.stderr().matchAll(REFUSAL_LINE)].map((m) => m[1])).toEqual(['203.0.113.5']);
    expect((await counters(team)).join(' ')).not.toContain('203.0.113');
  });

  it('counts the address a balancer listed in "trustedProxies" reports, and believes no user header from it', { timeout: 120_000 }, async () => {
    const team = await tokenTeam({ trustedProxies: ['127.0.0.1', '::ffff:127.0.0.1'] });
    const [a, b] = [await team.startOne(), await team.startOne()];
    const signIn = (token: string, address: string) => signInWith(team.balancer.base, token, { 'x-forwarded-for': address });
    for (let i = 0; i < 10; i++) {
      team.balancer.to(i % 2 === 0 ? a.base : b.base);
      expect(await signIn(wrong(i), '203.0.113.5')).toBe(401);
    }
    expect(await signIn(ALICE, '203.0.113.5')).toBe(429);
    // The other people behind the same balancer sign in as usual.
    team.balancer.to(a.base);
    expect(await signIn(ALICE, '203.0.113.6')).toBe(303);
    // A listed balancer names no one: a user header from it is no sign-in.
    const mcp = await fetch(`${team.balancer.base}/mcp`, {
      method: 'POST',
      headers: { 'x-forwarded-user': 'alice', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    expect(mcp.status).toBe(401);
  });

  it('reads no X-Forwarded-For without listed proxies: every client behind the balancer is its address', { timeout: 120_000 }, async () => {
    const team = await tokenTeam();
    const serve = await team.startOne();
    team.balancer.to(serve.base);
    for (let i = 0; i < 10; i++) expect(await signInWith(team.balancer.base, wrong(i), { 'x-forwarded-for': `203.0.113.${i + 1}` })).toBe(401);
    expect(await signInWith(team.balancer.base, ALICE, { 'x-forwarded-for': '203.0.113.99' })).toBe(429);
  });

  it('refuses a sign-in with the 503 page while Redis is away, the right token too, and counts again once it is back', { timeout: 120_000 }, async () => {
    const team = await tokenTeam();
    const serve = await team.startOne();
    team.balancer.to(serve.base);
    expect((await new HttpBrowser(team.balancer.base).signInWithToken(wrong(0))).status).toBe(401);

    await team.redis.stop();
    for (const token of [wrong(1), ALICE]) {
      const answer = await new HttpBrowser(team.balancer.base).signInWithToken(token);
      expect(answer.status).toBe(503);
      expect(answer.headers.get('set-cookie') ?? '').not.toContain('mab-session=');
      expect(await answer.text()).toContain('Sign-in unavailable');
    }
    expect(serve.stderr().split('the shared sign-in state in Redis cannot be used').length - 1).toBe(1);

    await team.redis.start();
    await waitFor('sign-in to work again', async () => (await new HttpBrowser(team.balancer.base).signInWithToken(ALICE)).status === 303, { timeoutMs: 20_000, intervalMs: 250 });
    expect((await new HttpBrowser(team.balancer.base).signInWithToken(wrong(2))).status).toBe(401);
    expect(await team.redis.command(['GET', (await counters(team))[0]!])).toBe('1');
  });
});
