/**
 * Browser sign-in to serve's status page, in a real browser (Debian's chromium via playwright-core), against the
 * real built CLI and the real OpenID provider. A static-token user opens the page, is sent to sign in, pastes their
 * token, sees their servers, connects one through the provider's login and back through serve's callback, sees it
 * connected, and signs out. A JWT user signs in with the issuer serve trusts (OpenID Connect, as serve's own client
 * of it) and sees their page under the same name their access tokens give. A wrong token gets a refusal that does
 * not show it back.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../../aggregate/aggregate-bridge.js';
import { freePort } from '../../helpers/child-server.js';
import { tempDir } from '../../helpers/auth-bridge.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { startAuthStack, startOidcProvider } from '../../helpers/oidc/index.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { startServe } from '../serve-process.js';
import { launchChromium } from './chromium.js';

useTeardown();

const ALICE = 'alice-token-0123456789abcdef0123456789';

describe('browser sign-in to the status page', () => {
  it('signs a static-token user in, connects a server through the real provider, and signs out', { timeout: 120_000 }, async () => {
    const stack = await startAuthStack();
    const file = writeConfigFile({
      mcpServers: { secure: { url: stack.server.url, allowHttp: true, authTimeout: '60s' } },
      serve: { auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }] } },
    });
    const serve = await startServe(['--config', file, '--config-dir', tempDir()], { ALICE_TOKEN: ALICE });
    const context = await launchChromium();
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);

    await page.goto(`${serve.base}/`);
    await page.waitForURL((u) => u.pathname === '/auth/sign-in');
    expect(await page.locator('script').count()).toBe(0);
    await page.locator('input[name="token"]').fill('not-a-token-of-this-server-0123456789');
    await page.locator('button', { hasText: 'Sign in' }).click();
    expect(await page.locator('.notice').innerText()).toContain('not one this server accepts');
    expect(await page.content()).not.toContain('not-a-token-of-this-server');

    await page.locator('input[name="token"]').fill(ALICE);
    await page.locator('button', { hasText: 'Sign in' }).click();
    await page.waitForURL(`${serve.base}/`);
    expect(await page.locator('body').innerText()).toContain('Signed in as alice');
    const cookies = await context.cookies(serve.base);
    const session = cookies.find((c) => c.name === 'mab-session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(await page.locator('tr', { hasText: 'secure' }).innerText()).toContain('needs login');

    await page.locator('tr', { hasText: 'secure' }).locator('button', { hasText: 'Connect' }).click();
    await page.locator('input[name="login"]').fill('alice-account');
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.pathname.includes('/interaction/'));
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.pathname === '/oauth/callback');
    expect(await page.locator('body').innerText()).toContain('Logged in');

    await page.goto(`${serve.base}/`);
    expect(await page.locator('tr', { hasText: 'secure' }).innerText()).toContain('connected');

    await page.locator('button', { hasText: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/auth/sign-in');
    expect((await context.cookies(serve.base)).some((c) => c.name === 'mab-session')).toBe(false);
    await page.goto(`${serve.base}/`);
    await page.waitForURL((u) => u.pathname === '/auth/sign-in');
    expect(serve.stderr()).not.toContain(ALICE);
    expect(serve.stderr()).toMatch(/alice signed in with their token/);
  });

  it('signs a JWT user in with the issuer serve trusts, named by the configured user claim (--jwt-user-claim email, read from userinfo)', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const secret = 'status-page-client-secret-0123456789abcdef';
    const provider = await startOidcProvider({
      extraClients: [
        {
          client_id: 'serve-status-page',
          client_secret: secret,
          application_type: 'web',
          token_endpoint_auth_method: 'client_secret_basic',
          redirect_uris: [`http://127.0.0.1:${port}/auth/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
    });
    const upstream = await startStreamableServer();
    const dir = tempDir();
    const secretFile = join(dir, 'browser-client-secret');
    writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
    const serve = await startServeOn(port, [upstream.url, '--allow-http', '--jwt-issuer', provider.issuer, '--jwt-user-claim', 'email', '--browser-client-id', 'serve-status-page', '--browser-client-secret-file', secretFile, '--config-dir', dir]);
    const context = await launchChromium();
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);

    await page.goto(`${serve}/`);
    await page.waitForURL((u) => u.pathname === '/auth/sign-in');
    expect(await page.locator('input[name="token"]').count()).toBe(0);
    await page.locator('a', { hasText: 'Sign in with' }).click();
    await page.locator('input[name="login"]').fill('dana');
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.pathname.includes('/interaction/'));
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(`${serve}/`);
    expect(await page.locator('body').innerText()).toContain('Signed in as dana@example.test');
    expect(provider.tokenRequests.some((r) => r.grantType === 'authorization_code' && r.clientId === 'serve-status-page' && r.status === 200)).toBe(true);
    expect(provider.received(secret)).toBe(true);
  });
});

/** serve on a fixed port (the issuer knows its redirect URI in advance); resolves its base URL. */
async function startServeOn(port: number, args: string[]): Promise<string> {
  const { startCli } = await import('../../helpers/cli.js');
  const cli = startCli(['serve', ...args, '--port', String(port)]);
  await cli.waitForStderr(/serving .* at http:\/\/127\.0\.0\.1:\d+\/mcp/, 20_000);
  return `http://127.0.0.1:${port}`;
}
