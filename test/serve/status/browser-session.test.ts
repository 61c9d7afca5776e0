/**
 * The browser session of serve's status page, attacked over plain HTTP against the real built CLI: the session
 * cookie never authenticates the MCP endpoints; an altered or forged cookie, or a copy kept after sign-out, signs
 * nobody in; forms posted from another site (sign-in, sign-out, Connect) do nothing; a wrong token is refused
 * without being echoed or logged, its refusals logged once a minute per peer and cut off past a bound; a sign-in
 * never returns to another site.
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../../aggregate/aggregate-bridge.js';
import { tempDir } from '../../helpers/auth-bridge.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { startServe, type ServeProcess } from '../serve-process.js';
import { hiddenValue, HttpBrowser } from './http-browser.js';

useTeardown();

const ALICE = 'alice-token-0123456789abcdef0123456789';
const BOB = 'bob-token-0123456789abcdef0123456789abc';
const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'cookie-only', version: '1' } } });

async function teamServe(): Promise<ServeProcess & { file: string; openUrl: string }> {
  const open = await startStreamableServer();
  const file = writeConfigFile({
    mcpServers: { open: { url: open.url, allowHttp: true, auth: 'none' } },
    serve: { auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }, { user: 'bob', token: '${BOB_TOKEN}' }] } },
  });
  const serve = await startServe(['--config', file, '--config-dir', tempDir()], { ALICE_TOKEN: ALICE, BOB_TOKEN: BOB });
  return Object.assign(serve, { file, openUrl: open.url });
}

async function signedIn(serve: ServeProcess, token = ALICE): Promise<HttpBrowser> {
  const browser = new HttpBrowser(serve.base);
  const answer = await browser.signInWithToken(token);
  expect(answer.status).toBe(303);
  expect(answer.headers.get('location')).toBe('/');
  return browser;
}

describe('the status page\'s browser session', () => {
  it('is never inbound auth for /mcp, /sse or /messages, only for the status page', { timeout: 60_000 }, async () => {
    const serve = await teamServe();
    const browser = await signedIn(serve);
    const page = await browser.request('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Signed in as <strong>alice</strong>');

    const post = await fetch(`${serve.base}/mcp`, { method: 'POST', body: INITIALIZE, headers: { cookie: cookieHeader(browser), 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, signal: AbortSignal.timeout(15_000) });
    expect(post.status).toBe(401);
    expect(post.headers.get('mcp-session-id')).toBeNull();
    const sse = await fetch(`${serve.base}/sse`, { headers: { cookie: cookieHeader(browser), accept: 'text/event-stream' }, signal: AbortSignal.timeout(15_000) });
    expect(sse.status).toBe(401);
    await sse.body?.cancel();
    const messages = await fetch(`${serve.base}/messages?sessionId=x`, { method: 'POST', body: INITIALIZE, headers: { cookie: cookieHeader(browser), 'content-type': 'application/json' }, signal: AbortSignal.timeout(15_000) });
    expect(messages.status).toBe(401);
    const one = await fetch(`${serve.base}/servers/open/mcp`, { method: 'POST', body: INITIALIZE, headers: { cookie: cookieHeader(browser), 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, signal: AbortSignal.timeout(15_000) });
    expect(one.status).toBe(401);
  });

  it('signs nobody in with a forged or altered cookie, nor with a copy kept after sign-out', { timeout: 60_000 }, async () => {
    const serve = await teamServe();
    const browser = await signedIn(serve);
    const value = browser.cookies.get('mab-session')!;
    const [body, mac] = value.split('.') as [string, string];
    const record = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { u: string; i: string; e: number };
    expect(record.u).toBe('alice');
    const asBob = Buffer.from(JSON.stringify({ ...record, u: 'bob' })).toString('base64url');
    const forgeries = [`${asBob}.${mac}`, `${body}.${mac.slice(0, -2)}AA`, `${asBob}.${'A'.repeat(mac.length)}`, body, `${body}.${mac}.${mac}`];
    for (const forged of forgeries) {
      const answer = await fetch(`${serve.base}/`, { headers: { cookie: `mab-session=${forged}` }, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
      expect(answer.status, forged).toBe(303);
      expect(answer.headers.get('location')).toBe('/auth/sign-in?next=%2F');
    }
    // Two session cookies at once (one planted beside the real one) count as none.
    const doubled = await fetch(`${serve.base}/`, { headers: { cookie: `mab-session=${value}; mab-session=${asBob}.${mac}` }, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    expect(doubled.status).toBe(303);

    const kept = new Map(browser.cookies);
    const page = await (await browser.request('/')).text();
    const out = await browser.request('/auth/sign-out', { form: { csrf: hiddenValue(page, 'csrf') }, headers: { origin: serve.base } });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^mab-session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax/);
    expect(browser.cookies.has('mab-session')).toBe(false);
    const replay = await fetch(`${serve.base}/`, { headers: { cookie: `mab-session=${kept.get('mab-session')}` }, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    expect(replay.status).toBe(303);
  });

  it('does nothing for forms posted from another site: sign-in, sign-out and Connect', { timeout: 60_000 }, async () => {
    const serve = await teamServe();
    // Login CSRF: another site posts its own token to sign the victim's browser in as someone else.
    const victim = new HttpBrowser(serve.base);
    const noForm = await victim.request('/auth/token', { form: { token: BOB, next: '/' }, headers: { origin: 'https://evil.example' } });
    expect(noForm.status).toBe(403);
    expect(noForm.headers.get('set-cookie') ?? '').not.toContain('mab-session=');
    const page = await (await victim.request('/auth/sign-in')).text();
    const crossSite = await victim.request('/auth/token', { form: { csrf: hiddenValue(page, 'csrf'), token: BOB, next: '/' }, headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    const otherBrowsersCsrf = await new HttpBrowser(serve.base).request('/auth/token', { form: { csrf: hiddenValue(page, 'csrf'), token: BOB, next: '/' } });
    expect(otherBrowsersCsrf.status).toBe(403);
    expect(victim.cookies.has('mab-session')).toBe(false);

    const alice = await signedIn(serve);
    const status = await (await alice.request('/')).text();
    const csrf = hiddenValue(status, 'csrf');
    const signOut = await alice.request('/auth/sign-out', { form: { csrf }, headers: { origin: 'https://evil.example' } });
    expect(signOut.status).toBe(403);
    expect(alice.cookies.has('mab-session')).toBe(true);
    const noToken = await alice.request('/auth/sign-out', { form: {}, headers: { origin: serve.base } });
    expect(noToken.status).toBe(403);
    const connect = await alice.request('/status/connect', { form: { csrf, server: 'open' }, headers: { origin: 'https://evil.example' } });
    expect(connect.status).toBe(403);
    expect((await alice.request('/')).status).toBe(200);
  });

  it('refuses a wrong token without echoing or logging it, logs refusals once a minute per peer, and cuts a guesser off', { timeout: 60_000 }, async () => {
    const serve = await teamServe();
    const browser = new HttpBrowser(serve.base);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const wrong = `wrong-token-${i}-0123456789abcdef0123456789`;
      const answer = await browser.signInWithToken(wrong);
      statuses.push(answer.status);
      const text = await answer.text();
      expect(text).not.toContain(wrong);
      expect(answer.headers.get('set-cookie') ?? '').not.toContain('mab-session=');
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    // Even the right token waits out the minute once the peer is cut off.
    expect((await browser.signInWithToken(ALICE)).status).toBe(429);
    expect(serve.stderr().match(/refused a sign-in with a token that is not one of this server's/g)).toHaveLength(1);
    expect(serve.stderr()).not.toContain('wrong-token-');
  });

  it('ends the browser session of a user whose token a reload removed', { timeout: 60_000 }, async () => {
    const serve = await teamServe();
    const alice = await signedIn(serve, ALICE);
    const bob = await signedIn(serve, BOB);
    writeFileSync(serve.file, JSON.stringify({ mcpServers: { open: { url: serve.openUrl, allowHttp: true, auth: 'none' } }, serve: { auth: { tokens: [{ user: 'bob', token: '${BOB_TOKEN}' }] } } }));
    await serve.waitForStderr(/configuration applied/, 20_000);
    const gone = await alice.request('/');
    expect(gone.status).toBe(303);
    expect(gone.headers.get('location')).toBe('/auth/sign-in?next=%2F');
    expect((await bob.request('/')).status).toBe(200);
  });

  it('serves the sign-in page\'s stylesheet before anyone is signed in', { timeout: 60_000 }, async () => {
    const serve = await teamServe();
    const css = await fetch(`${serve.base}/status.css`, { signal: AbortSignal.timeout(15_000) });
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
  });

  it('returns from a sign-in only to a path on this server', { timeout: 60_000 }, async () => {
    const serve = await teamServe();
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const answer = await new HttpBrowser(serve.base).signInWithToken(ALICE, next);
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location'), next).toBe('/');
    }
    const inside = await new HttpBrowser(serve.base).signInWithToken(ALICE, '/status.css?x=1');
    expect(inside.headers.get('location')).toBe('/status.css?x=1');
  });
});

function cookieHeader(browser: HttpBrowser): string {
  return [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}
