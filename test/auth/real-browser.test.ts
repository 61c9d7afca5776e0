// One login through a real browser: Debian's chromium, driven by playwright-core. The bridge's --browser command is
// a tiny node script that hands the URL to the test; the test opens it in chromium, signs in on the provider's login
// form, approves consent, and reads the bridge's own success page. Needs `apt-get install -y chromium`: when it is
// missing this test FAILS (it never skips).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startAuthBridge, tempDir, whoami } from '../helpers/auth-bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { startAuthStack } from '../helpers/oidc/index.js';
import { withTimeout } from '../helpers/wait.js';
import { browserCommand } from '../helpers/browser-command.js';

useTeardown();

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function launchChromium(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: the real-browser test needs Debian's chromium. Install it with: apt-get update && apt-get install -y chromium`);
  }
  const context = await chromium.launchPersistentContext(join(tempDir('mab-chromium-'), 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    timeout: 30_000,
  });
  onTeardown(() => withTimeout('chromium to close', context.close(), 10_000).catch(() => undefined));
  return context;
}

describe('real browser', () => {
  it('logs in through chromium: provider login form, consent, and the bridge page says "Logged in"', { timeout: 60_000 }, async () => {
    const stack = await startAuthStack();
    const context = await launchChromium();
    const recorder = browserCommand(tempDir());
    const bridge = startAuthBridge({ url: stack.server.url, configDir: tempDir(), browser: recorder.command });

    const url = await recorder.waitForUrl(0, 20_000);
    expect(url).toBe(bridge.loginUrls()[0]); // the URL opened is the one printed
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(url);
    await page.locator('input[name="login"]').fill('carol');
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.pathname.includes('/interaction/'));
    // Consent: oidc-provider's development form has one submit button ("Continue").
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.pathname === '/callback');
    const text = await page.locator('body').innerText();
    expect(text).toContain('Logged in');
    expect(text).toContain(new URL(stack.server.url).host); // which server the login was for
    expect(await page.title()).toContain('Logged in');

    await withTimeout('the bridge to connect after the browser login', bridge.connected, 15_000);
    expect((await whoami(bridge)).sub).toBe('carol');
    expect(stack.provider.counters.authorizationRequests).toBe(1);
  });
});
