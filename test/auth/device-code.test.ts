// --device-code: the OAuth 2.0 device authorization grant (RFC 8628) for machines without a browser. The bridge
// prints where to go and which code to enter; the test plays the user on the provider's real device pages (code,
// confirmation, login, consent) while the bridge polls. Also: polling politely (interval, authorization_pending,
// slow_down), a declined login, parallel bridges sharing one device login, a server without the grant, and the
// browser login pointing at --device-code when no browser can be opened.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { authArgs, startAuthBridge, tempDir, whoami } from '../helpers/auth-bridge.js';
import { leakedKinds, observeProviderSecrets, storedLogins, storeRecords } from '../helpers/auth-secrets.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { startCli } from '../helpers/cli.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveDeviceLogin, startAuthStack, type AuthStackOptions } from '../helpers/oidc/index.js';
import { initializeOutcome } from '../helpers/outcomes.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

useTeardown();

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

async function stack(options: AuthStackOptions = {}) {
  const started = await startAuthStack(options);
  return started;
}

describe('device authorization grant (--device-code)', () => {
  it('logs in on "another device" with a registered client, stores the login, and refreshes it without a new code', async () => {
    const { provider, server } = await stack({ provider: { accessTokenTtlSeconds: 5, deviceFlow: { interval: 1 } } });
    const observed = observeProviderSecrets(provider);
    const configDir = tempDir();
    const bridge = startAuthBridge({ url: server.url, configDir, args: ['--device-code', '--debug'] });
    const prompt = await bridge.waitForDevicePrompt();
    expect(prompt.verificationUri).toBe(`${provider.issuer}/device`);
    expect(prompt.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(prompt.verificationUriComplete).toBe(`${provider.issuer}/device?user_code=${prompt.userCode}`);
    expect(bridge.loginUrls()).toEqual([]); // no browser login

    const user = await withTimeout('the user approving the device', driveDeviceLogin(prompt.verificationUriComplete!, { user: 'carol' }), 15_000);
    expect(user).toEqual({ outcome: 'approved', pages: ['auto-post', 'confirm', 'login', 'consent'] });
    await withTimeout('the bridge to finish initialize', bridge.connected, 15_000);
    expect(await whoami(bridge)).toMatchObject({ sub: 'carol', scopes: expect.arrayContaining(['mcp:read']) });

    // A dynamic registration for the device grant, and the login stored as a device login.
    expect(provider.counters.registrations).toBe(1);
    const registration = storeRecords(configDir).find((r) => r.kind === 'registrations')!;
    expect(registration.json.metadata.clientMetadata).toMatchObject({ grant_types: expect.arrayContaining([DEVICE_GRANT, 'refresh_token']) });
    const [login] = storedLogins(configDir);
    expect(login!.json.metadata).toMatchObject({ grant: 'device_code', clientIdSource: 'dynamic', resource: server.url });
    expect(provider.counters.authorizationRequests).toBe(0);
    const polls = provider.tokenRequests.filter((t) => t.grantType === DEVICE_GRANT);
    expect(polls.at(-1)).toMatchObject({ status: 200 });
    expect(polls.slice(0, -1).every((t) => t.error === 'authorization_pending')).toBe(true);

    // The access token expires: refreshed with the refresh token, no second device login.
    await sleep(Math.max(0, Number(login!.json.metadata.expiresAt) - Date.now() + 500));
    expect((await whoami(bridge)).sub).toBe('carol');
    expect(provider.tokenRequests.filter((t) => t.grantType === 'refresh_token').map((t) => t.status)).toEqual([200]);
    expect(bridge.devicePrompts()).toHaveLength(1);
    // With --debug: no token, and not the device code (a secret: whoever has it gets the tokens), in the log.
    expect(observed.counts().device_code).toBe(1);
    expect(leakedKinds(bridge.stderr(), observed.entries(), 'stderr')).toEqual([]);
  });

  it('`login --device-code` with a pre-registered client: the user types the code into the plain verification page', async () => {
    const { provider, server } = await stack({ provider: { deviceFlow: { interval: 1 } } });
    const configDir = tempDir();
    const run = startCli(['login', ...authArgs(configDir), '--device-code', '--client-id', provider.publicClient.clientId, '--scopes', 'openid mcp:read', server.url], {}, { stdin: 'ignore' });
    const prompt = await run.waitForDevicePrompt();
    const user = await driveDeviceLogin(prompt.verificationUri, { userCode: prompt.userCode });
    expect(user.pages).toEqual(['input', 'confirm', 'login', 'consent']);
    const done = await withTimeout('login to exit', run.exited, 20_000);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain(`Logged in to ${server.url} as alice\n`);
    expect(done.stdout).toMatch(/client: +fixture-public-client \(pre-registered\)/);
    expect(done.stdout).toContain('refreshed automatically');
    expect(done.stderr).toContain(`open ${provider.issuer}/device on any device and enter the code ${prompt.userCode}`);
    expect(provider.counters.registrations).toBe(0);

    // A bridge started afterwards uses the stored device login.
    const bridge = startAuthBridge({ url: server.url, configDir, args: ['--device-code', '--client-id', provider.publicClient.clientId] });
    await withTimeout('the bridge to connect with the stored login', bridge.connected, 15_000);
    expect((await whoami(bridge)).sub).toBe('alice');
    expect(bridge.devicePrompts()).toEqual([]);
  });

  it('polls politely: waits the interval, keeps polling on authorization_pending, and adds 5 s after slow_down', async () => {
    // The provider advertises 1 s but wants 3 s between polls: the second poll gets slow_down, later ones must be 6 s apart.
    const { provider, server } = await stack({ provider: { deviceFlow: { interval: 1, minIntervalSeconds: 3 } } });
    const bridge = startAuthBridge({ url: server.url, configDir: tempDir(), args: ['--device-code'] });
    const prompt = await bridge.waitForDevicePrompt();
    const started = Date.now();
    await waitFor('a slow_down answer', () => provider.tokenRequests.some((t) => t.error === 'slow_down'), { timeoutMs: 10_000 });
    await driveDeviceLogin(prompt.verificationUriComplete!);
    await withTimeout('the bridge to finish initialize', bridge.connected, 20_000);
    expect((await whoami(bridge)).sub).toBe('alice');

    const polls = provider.tokenRequests.filter((t) => t.grantType === DEVICE_GRANT);
    const outcomes = polls.map((t) => t.error ?? String(t.status));
    expect(outcomes[0]).toBe('authorization_pending');
    expect(outcomes.filter((o) => o === 'slow_down')).toHaveLength(1); // it slowed down at once, and for good
    expect(outcomes.at(-1)).toBe('200');
    expect(polls[0]!.at - started).toBeGreaterThanOrEqual(1000 - 250); // waited the interval before the first poll
    const slowDown = polls.findIndex((t) => t.error === 'slow_down');
    const gaps = polls.slice(1).map((t, i) => t.at - polls[i]!.at);
    for (const gap of gaps.slice(0, slowDown)) expect(gap).toBeGreaterThanOrEqual(1000 - 250);
    for (const gap of gaps.slice(slowDown)) expect(gap).toBeGreaterThanOrEqual(6000 - 250);
  });

  it('a declined device login is an error for the client that names it, and the bridge keeps serving', async () => {
    const { provider, server } = await stack({ provider: { deviceFlow: { interval: 1 } } });
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', '--device-code', server.url]);
    const end = initializeOutcome(raw, 20_000);
    const prompt = await waitFor('the device prompt', () => /enter the code (\S+)/.exec(raw.stderr())?.[1], { timeoutMs: 15_000 });
    const user = await driveDeviceLogin(`${provider.issuer}/device?user_code=${prompt}`, { deny: 'confirm' });
    expect(user.outcome).toBe('denied');
    const outcome = await end;
    expect(outcome.kind).toBe('error');
    if (outcome.kind === 'error') expect(outcome.message).toContain('the device login was declined');
    expect(provider.tokenRequests.filter((t) => t.grantType === DEVICE_GRANT).at(-1)).toMatchObject({ error: 'access_denied' });
    expect(raw.exitStatus()).toBeUndefined();
  });

  it('four bridges starting together share one device login (one device authorization request, one code)', async () => {
    const { provider, server } = await stack({ provider: { deviceFlow: { interval: 1 } } });
    const configDir = tempDir();
    const bridges = [0, 1, 2, 3].map((i) => startAuthBridge({ url: server.url, configDir, label: `bridge-${i}`, args: ['--device-code'] }));
    const prompt = await waitFor('one bridge to print a device prompt', () => bridges.map((b) => b.devicePrompts()[0]).find(Boolean), { timeoutMs: 20_000 });
    await driveDeviceLogin(prompt.verificationUriComplete!);
    const connected = await Promise.allSettled(bridges.map((b) => withTimeout(`${b.label} to connect`, b.connected, 25_000)));
    const failures = connected.flatMap((r, i) => (r.status === 'rejected' ? [`${bridges[i]!.label}: ${String(r.reason)}`] : []));
    expect(failures, failures.join('\n')).toEqual([]);
    for (const me of await Promise.all(bridges.map((b) => whoami(b)))) expect(me.sub).toBe('alice');
    expect(provider.requests.filter((r) => r.route === 'device_authorization')).toHaveLength(1);
    expect(bridges.filter((b) => b.devicePrompts().length > 0)).toHaveLength(1);
    expect(provider.tokenRequests.filter((t) => t.grantType === DEVICE_GRANT && t.status === 200)).toHaveLength(1);
  });

  it('a server whose authorization server has no device flow gets a clear error that says what to do instead', async () => {
    const { provider, server } = await stack({ provider: { deviceFlow: false } });
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', '--device-code', server.url]);
    const end = await initializeOutcome(raw, 20_000);
    expect(end.kind).toBe('error');
    if (end.kind !== 'error') return;
    expect(end.message).toContain('does not support the device authorization grant');
    expect(end.message).toContain('drop --device-code');
    expect(provider.counters.registrations).toBe(0); // nothing was registered for a flow that cannot run
    expect(Object.keys(provider.counters.tokenRequests)).toEqual([]);
    expect(raw.exitStatus()).toBeUndefined();
  });

  it('when no browser can be opened (no display), the browser login tells the user about --device-code', async () => {
    const { server } = await stack();
    // No --browser and no --no-browser: the system opener, on a Linux session without DISPLAY / WAYLAND_DISPLAY.
    const raw = spawnBridgeRaw(['--token-store', 'file', '--config-dir', tempDir(), '--auth-timeout', '2s', server.url], { DISPLAY: '', WAYLAND_DISPLAY: '' });
    const end = await initializeOutcome(raw, 20_000);
    expect(raw.stderr()).toContain(
      'could not open a browser (no graphical display: DISPLAY and WAYLAND_DISPLAY are not set); open the URL above yourself; on a machine without a browser, run with --device-code instead',
    );
    expect(end.kind).toBe('error');
    if (end.kind !== 'error') return;
    expect(end.message).toContain('no browser could be opened');
    expect(end.message).toContain('run with --device-code (the server supports it)');
  });
});
