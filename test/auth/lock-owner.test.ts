// A login lock naming a live process that is not the bridge that wrote it (pid reuse: pid 1 in the lock, with a
// start time that is not pid 1's) must not hold up a login until the lock goes stale; a lock held by a real live
// bridge in the middle of its login still makes the next bridge wait.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lockFilePath, tokenKey } from '../../src/store/index.js';
import { startAuthBridge, tempDir, whoami } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLogin, startAuthStack } from '../helpers/oidc/index.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

useTeardown();

function startTimeOf(pid: number): string {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19]!;
}

describe('login lock owner', () => {
  it('a lock naming pid 1 (alive, not a bridge) is taken over at once and the login goes ahead', async () => {
    const stack = await startAuthStack();
    const configDir = tempDir();
    // The lock the bridge takes for this server: keyed by (issuer, resource), as the Authorizer does.
    const path = lockFilePath(configDir, tokenKey({ issuer: stack.provider.issuer, resource: stack.server.url, clientId: '*' }));
    mkdirSync(`${configDir}/locks`, { recursive: true, mode: 0o700 });
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    writeFileSync(path, JSON.stringify({ pid: 1, hostname: hostname(), acquiredAt: Date.now(), nonce: 'feedfacefeedface', startTime: String(Number(startTimeOf(1)) + 4242), bootId }), { mode: 0o600 });

    // --auth-timeout 20s makes the lock stale after 50 s; the login URL must come long before, for the right reason.
    const bridge = startAuthBridge({ url: stack.server.url, configDir });
    const url = await bridge.waitForLoginUrl(0, 20_000);
    expect(bridge.stderr()).toMatch(/Took over the credential lock .*pid 1\) has exited and the pid now belongs to another process/);
    expect(bridge.stderr()).not.toContain('Waiting for process 1');
    expect((await withTimeout('driving the login', driveLogin(url), 15_000)).status).toBe(200);
    await withTimeout('the bridge to connect', bridge.connected, 15_000);
    expect((await whoami(bridge)).sub).toBe('alice');
  });

  it('a lock held by a live bridge in the middle of its login still blocks the next bridge', async () => {
    const stack = await startAuthStack();
    const configDir = tempDir();
    const first = startAuthBridge({ url: stack.server.url, configDir, label: 'first' });
    const url = await first.waitForLoginUrl();
    const second = startAuthBridge({ url: stack.server.url, configDir, label: 'second' });
    await waitFor(`second to wait for the first (stderr: ${JSON.stringify(second.stderr())})`, () => second.stderr().includes(`Waiting for process ${first.pid()}`), { timeoutMs: 20_000 });
    expect(second.loginUrls()).toEqual([]);
    expect((await withTimeout('driving the first login', driveLogin(url), 15_000)).status).toBe(200);
    await withTimeout('the second bridge to connect on the first one’s login', second.connected, 20_000);
    expect(second.loginUrls()).toEqual([]);
    expect(stack.provider.counters.authorizationRequests).toBe(1);
  });
});
