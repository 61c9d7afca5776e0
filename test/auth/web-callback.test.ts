/**
 * serve's shared login callback (src/auth/web-callback/hub.ts) with the real provider: a login started for one user
 * completes through `<public URL>/oauth/callback`, handed on by `state`; a callback that says it comes from another
 * user is refused while the login keeps waiting; a used or unknown `state` gets 410. No loopback server and no
 * browser on the server side: the login link is what the user is given.
 */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CallbackHub } from '../../src/auth/web-callback/hub.js';
import { renderPage } from '../../src/auth/pages.js';
import { createLogger } from '../../src/log.js';
import { tempDir } from '../helpers/auth-bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { FakeClock, inProcessAuthorizer } from '../helpers/in-process-authorizer.js';
import { driveLoginToCallback, startAuthStack } from '../helpers/oidc/index.js';
import { waitFor } from '../helpers/wait.js';

useTeardown();

/** A small stand-in for serve's callback route: the caller is whoever the `x-test-user` header names. */
async function callbackEndpoint(hub: CallbackHub): Promise<string> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const caller = req.headers['x-test-user'];
    void hub.deliver(url.searchParams, typeof caller === 'string' ? caller : undefined).then((answer) => {
      res.writeHead(answer.status, { 'content-type': 'text/html; charset=utf-8' }).end(renderPage(answer.page));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/oauth/callback`;
}

describe('serve\'s shared login callback', () => {
  it('completes the login of the user who started it, refuses another user\'s hit, and forgets the state after', async () => {
    const stack = await startAuthStack();
    const hub = new CallbackHub({ logger: createLogger({ level: 'silent' }) });
    const redirectUrl = await callbackEndpoint(hub);
    let opened = 0;
    const alice = await inProcessAuthorizer({
      input: { url: stack.server.url, allowHttp: true, tokenStore: 'file', configDir: tempDir(), authTimeout: '60s', redirectUrl },
      clock: new FakeClock(),
      openBrowser: async () => void opened++,
      webCallback: { hub, owner: 'alice' },
    });
    const login = alice.loginNow();
    const url = await waitFor('the login link', () => alice.authorizer.pendingLoginUrl);
    expect(new URL(url).searchParams.get('redirect_uri')).toBe(redirectUrl);
    expect(hub.pending).toBe(1);
    const { callbackUrl } = await driveLoginToCallback(url);
    // Bob got hold of the link: refused, and Alice's login still waits.
    const bob = await fetch(callbackUrl, { headers: { 'x-test-user': 'bob' } });
    expect(bob.status).toBe(403);
    expect(alice.authorizer.pendingLoginUrl).toBe(url);
    const own = await fetch(callbackUrl, { headers: { 'x-test-user': 'alice' } });
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('Logged in');
    await login;
    expect(hub.pending).toBe(0);
    const token = await alice.authorizer.accessToken();
    expect(await alice.accepted(token)).toBe(true);
    expect(opened).toBe(0);
    const replay = await fetch(callbackUrl);
    expect(replay.status).toBe(410);
    const unknown = await fetch(`${redirectUrl}?state=nothing-of-ours&code=x`);
    expect(unknown.status).toBe(410);
  });
});
