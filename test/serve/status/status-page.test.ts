/**
 * serve's status page in a real browser (Debian's chromium via playwright-core), over the status routes and the
 * shared login callback as serve mounts them (here on a small node:http server standing in for the front, the user
 * being `local` as on a loopback serve without inbound auth): the page lists the user's servers, Connect sends the
 * browser through the real provider's login and back to the callback, the page then shows the server connected with
 * its token's end, and Disconnect removes the login. Forms without the user's token, or from another origin, do
 * nothing; the page carries no script and a strict CSP.
 */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CallbackHub } from '../../../src/auth/web-callback/hub.js';
import { PASS_ALL } from '../../../src/config/file/tool-filter.js';
import { processRuntime } from '../../../src/config/runtime.js';
import { validateConfig } from '../../../src/config/validate.js';
import { createLogger } from '../../../src/log.js';
import { CsrfTokens } from '../../../src/serve/status/csrf.js';
import { handleStatusRoute } from '../../../src/serve/status/status-routes.js';
import { answerCallback, CALLBACK_PATH } from '../../../src/serve/users/callback-route.js';
import { UserLogins } from '../../../src/serve/users/user-logins.js';
import { tempDir } from '../../helpers/auth-bridge.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { startAuthStack } from '../../helpers/oidc/index.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { launchChromium } from './chromium.js';

useTeardown();

/** The status routes and the callback on one origin, for the user `local`. */
async function statusSite(servers: Map<string, { name: string; kind: 'remote'; config: ReturnType<typeof validateConfig>['server']; filter: typeof PASS_ALL }>) {
  const logger = createLogger({ level: 'silent' });
  const hub = new CallbackHub({ logger });
  let origin = '';
  const site = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === CALLBACK_PATH) return void answerCallback(hub, res, url.searchParams, 'local');
    void handleStatusRoute(routes, req, res, url.pathname, 'local').then((handled) => handled || res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  onTeardown(() => new Promise<void>((resolve) => (site.closeAllConnections(), site.close(() => resolve()))));
  const address = site.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const process = validateConfig({ url: 'http://127.0.0.1:9/mcp', allowHttp: true }, {}).process;
  const logins = new UserLogins({ servers, process, runtime: processRuntime(), logger, hub, callbackUrl: () => `${origin}${CALLBACK_PATH}`, configDir: tempDir() });
  const routes = { logins, serversOf: () => [...servers.keys()], csrf: new CsrfTokens(origin), logger };
  return { origin, routes };
}

describe('the status page', () => {
  it('connects a server through the real provider in a real browser, shows it connected, and disconnects it', { timeout: 90_000 }, async () => {
    const stack = await startAuthStack();
    const open = await startStreamableServer();
    const servers = new Map([
      ['secure', { name: 'secure', kind: 'remote' as const, config: validateConfig({ url: stack.server.url, allowHttp: true, authTimeout: '60s' }, {}).server, filter: PASS_ALL }],
      ['open', { name: 'open', kind: 'remote' as const, config: validateConfig({ url: open.url, allowHttp: true, auth: 'none' }, {}).server, filter: PASS_ALL }],
    ]);
    const { origin } = await statusSite(servers);
    const context = await launchChromium();
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const first = await page.goto(`${origin}/`);
    expect(first?.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('tr', { hasText: 'secure' }).innerText()).toContain('needs login');
    expect(await page.locator('tr', { hasText: 'open' }).innerText()).toContain('no login needed');

    await page.locator('tr', { hasText: 'secure' }).locator('button', { hasText: 'Connect' }).click();
    await page.locator('input[name="login"]').fill('carol');
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.pathname.includes('/interaction/'));
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.pathname === CALLBACK_PATH);
    expect(await page.locator('body').innerText()).toContain('Logged in');

    await page.goto(`${origin}/`);
    const row = await page.locator('tr', { hasText: 'secure' }).innerText();
    expect(row).toContain('connected');
    expect(row).toMatch(/token until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);

    await page.locator('tr', { hasText: 'secure' }).locator('button', { hasText: 'Disconnect' }).click();
    await page.waitForURL(`${origin}/`);
    expect(await page.locator('tr', { hasText: 'secure' }).innerText()).toContain('needs login');
  });

  it('does nothing for a form without the user\'s token or from another origin', async () => {
    const stack = await startAuthStack();
    const servers = new Map([['secure', { name: 'secure', kind: 'remote' as const, config: validateConfig({ url: stack.server.url, allowHttp: true }, {}).server, filter: PASS_ALL }]]);
    const { origin, routes } = await statusSite(servers);
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${origin}/status/connect`, { method: 'POST', body, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
    expect((await post('server=secure')).status).toBe(403);
    expect((await post('server=secure&csrf=forged')).status).toBe(403);
    const token = routes.csrf.tokenFor('local');
    expect((await post(`server=secure&csrf=${token}`, { origin: 'https://evil.example' })).status).toBe(403);
    expect(stack.provider.counters.authorizationRequests).toBe(0);
    const ok = await post(`server=secure&csrf=${token}`, { origin });
    expect(ok.status).toBe(200);
    const link = /href="([^"]+)">Continue/.exec(await ok.text())?.[1]?.replace(/&amp;/g, '&');
    expect(new URL(link!).origin).toBe(new URL(stack.provider.issuer).origin);
  });
});
