/**
 * serve end to end, as a team uses it: the real built CLI `serve --config` with static tokens for two users in
 * front of a server behind the real OpenID provider. Each user's MCP client (the SDK's, over Streamable HTTP with
 * its bearer token) is told to log in with a URL-mode elicitation of a link of its own, to serve: followed in a
 * browser, it leads through sign-in, refuses the other user, and goes on to the upstream login, which lands on
 * serve's `/oauth/callback` and is taken only in the browser of the user it is for; then that user's calls work
 * with their own account, and the other user's still do not. A request without a token is refused with a challenge; a token's holder never sees the other user's session.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { writeConfigFile } from '../aggregate/aggregate-bridge.js';
import { tempDir } from '../helpers/auth-bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { driveLoginToCallback, startAuthStack } from '../helpers/oidc/index.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { loginLink } from '../helpers/team-member.js';
import { startServe } from './serve-process.js';
import { HttpBrowser, hiddenValue } from './status/http-browser.js';

useTeardown();

const ALICE = 'alice-token-0123456789abcdef0123456789';
const BOB = 'bob-token-0123456789abcdef0123456789abc';

async function clientOf(base: string, token: string): Promise<Client> {
  const client = new Client({ name: 'team-member', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  onTeardown(() => withTimeout('client close', client.close(), 10_000).catch(() => undefined));
  await withTimeout('connect to serve', client.connect(transport), 20_000);
  return client;
}


describe('serve for a team: per-user upstream logins', () => {
  it('logs each user in with a link of their own, through serve\'s callback, and keeps their credentials apart', { timeout: 90_000 }, async () => {
    const stack = await startAuthStack();
    const file = writeConfigFile({
      mcpServers: { secure: { url: stack.server.url, allowHttp: true, authTimeout: '60s' } },
      serve: { auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }, { user: 'bob', token: '${BOB_TOKEN}' }] } },
    });
    const serve = await startServe(['--config', file, '--config-dir', tempDir()], { ALICE_TOKEN: ALICE, BOB_TOKEN: BOB });
    const anonymous = await fetch(`${serve.base}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);

    const alice = await clientOf(serve.base, ALICE);
    const bob = await clientOf(serve.base, BOB);
    const aliceLink = await loginLink(alice);
    const bobLink = await loginLink(bob);
    expect(bobLink).not.toBe(aliceLink);
    // The links lead through serve, which knows whose login each is.
    expect(aliceLink.startsWith(`${serve.base}/login/`)).toBe(true);
    const linkPath = new URL(aliceLink).pathname;

    // Followed in a browser without a session: sign in first, then on to the link.
    const aliceBrowser = new HttpBrowser(serve.base);
    const unsigned = await aliceBrowser.request(aliceLink);
    expect(unsigned.status).toBe(303);
    expect(unsigned.headers.get('location')).toBe(`/auth/sign-in?next=${encodeURIComponent(linkPath)}`);
    // Another user's browser is refused: the link cannot make Bob log in on Alice's behalf.
    const bobBrowser = new HttpBrowser(serve.base);
    expect((await bobBrowser.signInWithToken(BOB)).status).toBe(303);
    expect((await bobBrowser.request(aliceLink)).status).toBe(403);
    const signedIn = await aliceBrowser.signInWithToken(ALICE, linkPath);
    expect(signedIn.headers.get('location')).toBe(linkPath);
    const onward = await aliceBrowser.request(linkPath);
    expect(onward.status).toBe(303);
    const authorizationUrl = onward.headers.get('location')!;
    expect(new URL(authorizationUrl).searchParams.get('redirect_uri')).toBe(`${serve.base}/oauth/callback`);
    // Connect on her status page while her client's login is under way leads at once to that same login.
    const csrf = hiddenValue(await (await aliceBrowser.request('/')).text(), 'csrf');
    const connect = await aliceBrowser.request('/status/connect', { form: { csrf, server: 'secure' }, headers: { origin: serve.base } });
    expect(connect.status).toBe(200);
    expect((await connect.text()).match(/url=([^"]+)"/)?.[1]?.replaceAll('&amp;', '&')).toBe(authorizationUrl);

    const { callbackUrl } = await driveLoginToCallback(authorizationUrl, { user: 'alice-account' });
    expect(callbackUrl.startsWith(`${serve.base}/oauth/callback?`)).toBe(true);
    // The answer must come back in a browser of the user whose login it is: none says nothing, Bob's is refused.
    const noSession = await fetch(callbackUrl, { redirect: 'manual' });
    expect(noSession.status).toBe(303);
    expect(noSession.headers.get('location')).toMatch(/^\/auth\/sign-in\?next=%2Foauth%2Fcallback%3F/);
    expect((await bobBrowser.request(callbackUrl)).status).toBe(403);
    const landed = await aliceBrowser.request(callbackUrl);
    expect(landed.status).toBe(200);
    expect(await landed.text()).toContain('Logged in');

    await waitFor('alice\'s calls to work', async () => (await alice.callTool({ name: 'secure__whoami', arguments: {} }, undefined, { timeout: 3_000 }).catch(() => undefined)) !== undefined, { timeoutMs: 20_000, intervalMs: 250 });
    const who = await alice.callTool({ name: 'secure__whoami', arguments: {} });
    expect(JSON.stringify(who.content)).toContain('alice-account');
    // One login served her client and her Connect: the page's waits adopted it instead of starting another.
    expect(stack.provider.counters.authorizationRequests).toBe(1);
    await waitFor('her status page to say connected', async () => (await (await aliceBrowser.request('/')).text()).includes('<td class="state-connected">'), { timeoutMs: 10_000, intervalMs: 200 });
    const bobStill = await bob.callTool({ name: 'secure__whoami', arguments: {} }, undefined, { timeout: 3_000 }).then(() => undefined, (e: unknown) => e as McpError);
    expect(bobStill?.code).toBe(-32042);
    expect(serve.stderr()).not.toContain(ALICE);
    expect(serve.stderr()).not.toContain(authorizationUrl);
  });
});
