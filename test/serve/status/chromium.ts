/**
 * A real browser for the status page tests: Debian's chromium driven by playwright-core (see shared TESTING.md),
 * headless, with a fresh profile, closed after the test.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { tempDir } from '../../helpers/auth-bridge.js';
import { onTeardown } from '../../helpers/cleanup.js';
import { withTimeout } from '../../helpers/wait.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-default-apps', '--disable-sync'];

/** A new browser profile; closed after the test. */
export async function launchChromium(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)`);
  const context = await chromium.launchPersistentContext(join(tempDir('mab-chromium-'), 'profile'), { executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 30_000 });
  onTeardown(() => withTimeout('chromium to close', context.close(), 10_000).catch(() => undefined));
  return context;
}
