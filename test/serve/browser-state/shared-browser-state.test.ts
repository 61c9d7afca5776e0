/**
 * Browser pages of `serve --store redis://…` across instances: two (then three) real built serve processes on one
 * real Redis, with the same store keys and the same public URL (a balancer's, test/serve/balancer.ts), static tokens
 * for two users and a server behind the real OpenID provider. Whichever instance a browser's request lands on: a
 * session signed in on one is known on the others; a status form's token and a sign-in form's cookie from one are
 * taken by another; a sign-out on one is refused everywhere, on an instance started afterwards too; a login link made
 * on one leads on from another (to its owner only). An instance with other store keys knows none of these sessions,
 * and one with a new key first and the old one second still knows them (rotation). Nothing of it is in Redis in clear.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../../aggregate/aggregate-bridge.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { driveLoginToCallback, startAuthStack } from '../../helpers/oidc/index.js';
import { waitFor, withTimeout } from '../../helpers/wait.js';
import { followLoginLink, hiddenValue, HttpBrowser } from '../status/http-browser.js';
import { startTeam, storeKey } from './instances.js';

useTeardown();

const ALICE = 'alice-token-0123456789abcdef0123456789';
const BOB = 'bob-token-0123456789abcdef0123456789abc';
const K1 = storeKey('k1', 11);
const TOKENS = { ALICE_TOKEN: ALICE, BOB_TOKEN: BOB };

async function teamWithTokens() {
  const stack = await startAuthStack();
  const team = await startTeam();
  const file = writeConfigFile({
    mcpServers: { secure: { url: stack.server.url, allowHttp: true, authTimeout: '60s' } },
    serve: { auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }, { user: 'bob', token: '${BOB_TOKEN}' }] } },
  });
  return { ...team, startOne: (keys = K1) => team.start(['--config', file], keys, TOKENS) };
}

/** The answer to GET / in `browser`: 200 with the user's page, or 303 to sign in. */
async function home(browser: HttpBrowser): Promise<{ status: number; text: string; location: string | null }> {
  const answer = await browser.request('/');
  return { status: answer.status, text: await answer.text(), location: answer.headers.get('location') };
}

/** A browser with a copy of `browser`'s cookies (a copy of the cookie kept from before). */
function copyOf(browser: HttpBrowser, base: string): HttpBrowser {
  const copy = new HttpBrowser(base);
  for (const [name, value] of browser.cookies) copy.cookies.set(name, value);
  return copy;
}

async function clientOf(base: string, token: string): Promise<Client> {
  const client = new Client({ name: 'team-member', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  onTeardown(() => withTimeout('client close', client.close(), 10_000).catch(() => undefined));
  await withTimeout('connect to serve', client.connect(transport), 20_000);
  return client;
}

const whoamiError = (client: Client) =>
  client.callTool({ name: 'secure__whoami', arguments: {} }, undefined, { timeout: 3_000 }).then(() => undefined, (e: unknown) => e as McpError);

const SIGNED_OUT = { status: 303, location: '/auth/sign-in?next=%2F' };

describe('browser pages across serve instances on one Redis', () => {
  it('keeps a session, its forms and its sign-out on every instance, and refuses it under other store keys', { timeout: 180_000 }, async () => {
    const team = await teamWithTokens();
    const lb = team.balancer;
    const [a, b] = [await team.startOne(), await team.startOne()];

    // Signed in on A, known on B.
    const alice = new HttpBrowser(lb.base);
    lb.to(a.base);
    expect((await alice.signInWithToken(ALICE)).status).toBe(303);
    lb.to(b.base);
    const onB = await home(alice);
    expect(onB.status).toBe(200);
    expect(onB.text).toContain('Signed in as <strong>alice</strong>');

    // A status form's token from A's page is taken by B; a forged one is not.
    lb.to(a.base);
    const csrf = hiddenValue((await home(alice)).text, 'csrf');
    lb.to(b.base);
    const post = (path: string, form: Record<string, string>) => alice.request(path, { form, headers: { origin: lb.base } });
    expect((await post('/status/disconnect', { csrf: `${csrf}x`, server: 'secure' })).status).toBe(403);
    expect((await post('/status/disconnect', { csrf, server: 'secure' })).status).toBe(303);

    // The sign-in form of A (its cookie and token) posted to B.
    const bob = new HttpBrowser(lb.base);
    lb.to(a.base);
    const form = hiddenValue(await (await bob.request('/auth/sign-in?next=%2F')).text(), 'csrf');
    expect(bob.cookies.has('mab-signin')).toBe(true);
    lb.to(b.base);
    expect((await bob.request('/auth/token', { form: { csrf: form, token: BOB, next: '/' }, headers: { origin: lb.base } })).status).toBe(303);
    expect((await home(bob)).text).toContain('Signed in as <strong>bob</strong>');

    // Signed out on B: a copy of the cookie from before is refused on A, and on C, started afterwards.
    const kept = copyOf(alice, lb.base);
    expect((await post('/auth/sign-out', { csrf })).status).toBe(303);
    expect(alice.cookies.has('mab-session')).toBe(false);
    lb.to(a.base);
    expect(await home(kept)).toMatchObject(SIGNED_OUT);
    const c = await team.startOne();
    lb.to(c.base);
    expect(await home(kept)).toMatchObject(SIGNED_OUT);
    expect((await home(bob)).status).toBe(200); // another session stays signed in
    for (const instance of [a, b, c]) expect(lb.sent.get(instance.base)).toBeGreaterThan(0);

    // Another team's store keys: none of these sessions or forms.
    const stranger = await team.startOne(storeKey('k9', 99));
    lb.to(stranger.base);
    expect(await home(copyOf(bob, lb.base))).toMatchObject(SIGNED_OUT);
    expect((await bob.request('/status/disconnect', { form: { csrf, server: 'secure' }, headers: { origin: lb.base } })).status).not.toBe(303);
    // A new key first, the old one kept: sessions signed under the old key still hold; one signed under the new key
    // is refused by an instance that does not have it yet.
    const rotated = await team.startOne(`${storeKey('k2', 22)},${K1}`);
    lb.to(rotated.base);
    expect((await home(bob)).status).toBe(200);
    const carol = new HttpBrowser(lb.base);
    expect((await carol.signInWithToken(ALICE)).status).toBe(303);
    expect((await home(carol)).status).toBe(200);
    lb.to(a.base);
    expect(await home(carol)).toMatchObject(SIGNED_OUT);

    // In Redis: sealed records under hashed ids, no session id, user or cookie in clear.
    const keys = ((await team.redis.command(['KEYS', '{mab:browser:*'])) as string[]).sort();
    expect(keys.some((k) => k.startsWith('{mab:browser:signed-out}:'))).toBe(true);
    const sessionId = JSON.parse(Buffer.from(kept.cookies.get('mab-session')!.split('.')[0]!, 'base64url').toString('utf8')).i as string;
    for (const key of keys.filter((k) => !k.endsWith(':index'))) {
      const value = String(await team.redis.command(['GET', key]));
      expect(key + value).not.toContain(sessionId);
      expect(value).not.toContain('alice');
      expect(JSON.parse(value)).toMatchObject({ v: 1, kid: 'k1' });
    }
  });

  it('leads a login link made on one instance on from another, for its owner only', { timeout: 120_000 }, async () => {
    const team = await teamWithTokens();
    const lb = team.balancer;
    const [a, b] = [await team.startOne(), await team.startOne()];
    const client = await clientOf(a.base, ALICE);
    let link: string | undefined;
    await waitFor('a login link', async () => {
      link = ((await whoamiError(client))?.data as { elicitations?: Array<{ url: string }> } | undefined)?.elicitations?.[0]?.url;
      return link;
    }, { timeoutMs: 20_000, intervalMs: 250 });
    expect(link!.startsWith(`${lb.base}/login/`)).toBe(true);

    lb.to(b.base);
    const bob = new HttpBrowser(lb.base);
    expect((await bob.signInWithToken(BOB)).status).toBe(303);
    expect((await bob.request(new URL(link!).pathname)).status).toBe(403);
    const { browser, authorizationUrl } = await followLoginLink(lb.base, link!, ALICE);
    expect(new URL(authorizationUrl).searchParams.get('redirect_uri')).toBe(`${lb.base}/oauth/callback`);
    expect(lb.sent.get(a.base)).toBeUndefined(); // the link, the sign-in and the refusal were all B's

    // The authorization link is not in Redis in clear.
    const keys = (await team.redis.command(['KEYS', '{mab:browser:login-link}:*'])) as string[];
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys.filter((k) => !k.endsWith(':index'))) expect(String(await team.redis.command(['GET', key]))).not.toContain('code_challenge');

    // The login waits on A; its answer reaches B, which relays it to A (cluster/login-sharing.ts).
    const { callbackUrl } = await driveLoginToCallback(authorizationUrl, { user: 'alice-account' });
    expect((await browser.request(callbackUrl)).status).toBe(200);
    expect(lb.sent.get(a.base)).toBeUndefined();
    expect(b.stderr()).not.toContain(new URL(callbackUrl).searchParams.get('code')!);
    await waitFor("alice's calls to work", async () => (await whoamiError(client)) === undefined, { timeoutMs: 20_000, intervalMs: 250 });
  });
});
