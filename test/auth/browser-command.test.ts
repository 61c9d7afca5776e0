// Opening the login URL: the --browser command (or BROWSER) gets exactly the URL printed on stderr, once, as one
// argument and without a shell; a command that cannot start is reported and the printed URL still works.
import { describe, expect, it } from 'vitest';
import { startAuthBridge, tempDir, whoami } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLogin, startAuthStack } from '../helpers/oidc/index.js';
import { withTimeout } from '../helpers/wait.js';
import { browserCommand } from '../helpers/browser-command.js';

useTeardown();

async function stack() {
  const s = await startAuthStack();
  return s;
}

async function loginThroughRecorder(options: { browserFlag: boolean }) {
  const { server } = await stack();
  const recorder = browserCommand(tempDir());
  const configDir = tempDir();
  const bridge = startAuthBridge({
    url: server.url,
    configDir,
    ...(options.browserFlag
      ? { browser: recorder.command }
      : { rawArgs: ['--token-store', 'file', '--config-dir', configDir, '--auth-timeout', '20s'], env: { BROWSER: recorder.command } }),
  });
  const opened = await recorder.waitForUrl(0, 15_000);
  expect(opened).toBe(bridge.loginUrls()[0]);
  expect((await driveLogin(opened)).status).toBe(200);
  await withTimeout('connect', bridge.connected, 15_000);
  expect((await whoami(bridge)).sub).toBe('alice');
  expect(recorder.urls()).toHaveLength(1);
}

describe('browser command', () => {
  it('--browser receives exactly the printed login URL, once', async () => {
    await loginThroughRecorder({ browserFlag: true });
  });

  it('BROWSER in the environment works the same way', async () => {
    await loginThroughRecorder({ browserFlag: false });
  });

  it('a --browser command that cannot start is reported, and the printed URL still logs in', async () => {
    const { server } = await stack();
    const bridge = startAuthBridge({ url: server.url, configDir: tempDir(), browser: '/nonexistent/browser-command --flag' });
    const url = await bridge.waitForLoginUrl();
    expect((await driveLogin(url)).status).toBe(200);
    await withTimeout('connect', bridge.connected, 15_000);
    expect(bridge.stderr()).toMatch(/could not open a browser|cannot start the browser command/);
    expect((await whoami(bridge)).sub).toBe('alice');
  });
});
