// DNS rebinding against the login callback: a request that reaches the loopback port with a Host other than
// 127.0.0.1 / localhost / [::1] and the bound port is refused (421) before it touches the login, so even one that
// carries the real code and state consumes nothing, and the real callback afterwards still completes the login.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startAuthBridge, tempDir, whoami } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { deliverCallback, driveLoginToCallback, startAuthStack } from '../helpers/oidc/index.js';
import { withTimeout } from '../helpers/wait.js';

useTeardown();

/** GET `url` from its real address (127.0.0.1:port) but with the given Host header, as a rebinding page would. */
function getWithHost(url: URL, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: url.port, path: `${url.pathname}${url.search}`, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.end();
  });
}

describe('login callback Host check', () => {
  it('refuses foreign Host headers with 421 without consuming the login; the real callback then completes it', async () => {
    const stack = await startAuthStack();
    const bridge = startAuthBridge({ url: stack.server.url, configDir: tempDir() });
    const loginUrl = await bridge.waitForLoginUrl(0);
    const redirect = await withTimeout('driving the login to its callback', driveLoginToCallback(loginUrl), 15_000);
    const callback = new URL(redirect.callbackUrl);

    for (const host of [`evil.example:${callback.port}`, 'evil.example', `127.0.0.1.evil.example:${callback.port}`, `127.0.0.1:${Number(callback.port) + 1}`]) {
      const answer = await getWithHost(callback, host);
      expect(answer.status, host).toBe(421);
      expect(answer.body).not.toContain('Logged in');
    }

    const real = await withTimeout('the real callback', deliverCallback(callback), 15_000);
    expect(real.status).toBe(200);
    await withTimeout('the bridge to connect after the login', bridge.connected, 15_000);
    expect((await whoami(bridge)).sub).toBe('alice');
  });

  it('serves the callback under every loopback name of the redirect URI', async () => {
    const stack = await startAuthStack();
    const bridge = startAuthBridge({ url: stack.server.url, configDir: tempDir() });
    const redirect = await withTimeout('driving the login', driveLoginToCallback(await bridge.waitForLoginUrl(0)), 15_000);
    const callback = new URL(redirect.callbackUrl);
    // A wrong path under a right Host reaches the server's own routing (404), which shows the Host was accepted.
    for (const host of [`127.0.0.1:${callback.port}`, `localhost:${callback.port}`, `[::1]:${callback.port}`]) {
      const answer = await getWithHost(new URL(`/not-the-callback`, callback), host);
      expect(answer.status, host).toBe(404);
    }
    const answer = await getWithHost(callback, `localhost:${callback.port}`);
    expect(answer.status).toBe(200);
    await withTimeout('the bridge to connect after the login', bridge.connected, 15_000);
  });
});
