// No login storms: a server that refuses every token (even one from a login that just finished) once made the
// bridge open a new browser login for every failing call (5 calls → 5 tabs). Now: one login, then the refusal —
// the server's own words — answers every waiting call, and no browser opens again for that server until a bounded
// back-off has passed or the user logged in again (`mcp-auth-bridge login --force` in another process). The same
// for step-up loops (403 insufficient_scope) and for plain 403s. The back-off is `--login-backoff` (env
// MCP_LOGIN_BACKOFF, default 5 min; 0 = no time limit: until the user logs in again).
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { authArgs, connectWithLogin, tempDir, whoami, type AuthBridge } from '../helpers/auth-bridge.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { startCli } from '../helpers/cli.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLogin, startAuthStack, type AuthStackOptions } from '../helpers/oidc/index.js';
import type { TokenRefusalAnswer } from '../helpers/oidc/protected-mcp-server.js';
import { initializeOutcome, requestEnd } from '../helpers/outcomes.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { browserCommand, type BrowserCommand } from '../helpers/browser-command.js';

useTeardown();

const REFUSAL = 'this account is suspended';

async function stack(options: AuthStackOptions = {}) {
  const s = await startAuthStack(options);
  return s;
}

/** Calls `whoami`; resolves with `ok <sub>` or `error <message>`, never rejects. */
function call(bridge: AuthBridge, tool = 'whoami'): Promise<string> {
  return bridge.client.callTool({ name: tool, arguments: {} }).then(
    (r) => (r.isError ? `error ${JSON.stringify(r.content)}` : `ok ${(r.content as { text?: string }[])[0]?.text ?? ''}`),
    (e: unknown) => `error ${String(e)}`,
  );
}

/** A bridge with a browser recorder, connected after driving its first login. */
async function connected(serverUrl: string, options: { env?: Record<string, string>; args?: string[] } = {}) {
  const dir = tempDir();
  const recorder = browserCommand(dir);
  const { bridge } = await connectWithLogin({ url: serverUrl, configDir: dir, browser: recorder.command, env: options.env ?? {}, args: options.args ?? [] });
  await recorder.waitForUrl(0); // the --browser command writes it down in its own time
  return { bridge, recorder, configDir: dir };
}

/** Drives the `n`-th login the bridge handed to its browser. */
async function driveBrowserLogin(recorder: BrowserCommand, n: number, user = 'alice') {
  const url = await recorder.waitForUrl(n, 20_000);
  return withTimeout(`driving browser login #${n + 1}`, driveLogin(url, { user }), 15_000);
}

describe('a server that refuses every token', () => {
  it('5 concurrent calls open exactly one browser login, and all 5 are answered with the server\'s refusal', async () => {
    let refusing = false;
    const refuseToken = (): TokenRefusalAnswer | undefined =>
      refusing ? { status: 401, error: 'invalid_token', errorDescription: REFUSAL } : undefined;
    const { provider, server } = await stack({ server: { refuseToken } });
    const { bridge, recorder } = await connected(server.url);
    const before = provider.counters.authorizationRequests;

    refusing = true;
    const calls = Array.from({ length: 5 }, () => call(bridge));
    await driveBrowserLogin(recorder, 1);
    const outcomes = await withTimeout('the 5 refused calls', Promise.all(calls), 30_000);
    for (const outcome of outcomes) {
      expect(outcome).toMatch(/^error /);
      expect(outcome).toContain(REFUSAL);
      expect(outcome).toContain('invalid_token');
    }
    expect(outcomes.some((o) => o.includes('refused the new login'))).toBe(true);
    expect(recorder.urls(), 'one browser login for 5 refused calls').toHaveLength(2);
    expect(provider.counters.authorizationRequests - before).toBe(1);

    // Later calls get the same answer at once, without a browser.
    for (let i = 0; i < 3; i++) {
      const later = await withTimeout('a later refused call', call(bridge), 20_000);
      expect(later).toContain('refused the new login');
      expect(later).toContain(REFUSAL);
      expect(later).toMatch(/mcp-auth-bridge login --force/);
    }
    expect(recorder.urls()).toHaveLength(2);
    expect(provider.counters.authorizationRequests - before).toBe(1);
    expect(bridge.stderr()).not.toContain(REFUSAL.repeat(2));
  });

  it('after the back-off has passed, a new browser login is possible', async () => {
    // The server refuses alice's tokens; after the back-off the user logs in again, as bob.
    let refusingAlice = false;
    const refuseToken = (token: string): TokenRefusalAnswer | undefined =>
      refusingAlice && decodeJwt(token).sub === 'alice' ? { status: 401, error: 'invalid_token', errorDescription: REFUSAL } : undefined;
    const { server } = await stack({ server: { refuseToken } });
    const { bridge, recorder } = await connected(server.url, { args: ['--login-backoff', '1500ms'] });
    refusingAlice = true;
    const first = call(bridge);
    await driveBrowserLogin(recorder, 1);
    expect(await withTimeout('the refused call', first, 30_000)).toContain(REFUSAL);

    // Calls within the back-off are refused without a browser; once it has passed, a call starts a new login.
    const third = await waitFor(
      'a new browser login once the back-off has passed',
      async () => {
        const pending = call(bridge);
        const started = await Promise.race([pending.then(() => false), recorder.waitForUrl(2, 3_000).then(() => true, () => false)]);
        if (!started) expect(await pending).toContain(REFUSAL);
        return started ? { pending } : false;
      },
      { timeoutMs: 40_000, intervalMs: 200 },
    );
    await driveBrowserLogin(recorder, 2, 'bob');
    expect(await withTimeout('the call after the new login', third.pending, 30_000)).toMatch(/^ok .*bob/);
    expect(recorder.urls()).toHaveLength(3);
  }, 90_000);

  it('a login made with `mcp-auth-bridge login --force` in another process is adopted at once, without a browser', async () => {
    // The server refuses alice's tokens only; the user logs in again as bob.
    const refuseToken = (token: string): TokenRefusalAnswer | undefined =>
      decodeJwt(token).sub === 'alice' && refusingAlice ? { status: 401, error: 'invalid_token', errorDescription: REFUSAL } : undefined;
    let refusingAlice = false;
    const { server } = await stack({ server: { refuseToken } });
    const { bridge, recorder, configDir } = await connected(server.url);
    refusingAlice = true;
    const first = call(bridge);
    await driveBrowserLogin(recorder, 1);
    expect(await withTimeout('the refused call', first, 30_000)).toContain(REFUSAL);

    const login = startCli(['login', '--force', '--token-store', 'file', '--config-dir', configDir, '--no-browser', server.url], {}, { stdin: 'ignore' });
    const url = await waitFor('the login command to print its URL', () => /in your browser:\r?\n\s+(\S+)/.exec(login.stderr())?.[1], { timeoutMs: 20_000 });
    await withTimeout('driving the login command', driveLogin(url as string, { user: 'bob' }), 15_000);
    expect((await withTimeout('the login command to end', login.exited, 20_000)).code).toBe(0);

    expect((await whoami(bridge)).sub).toBe('bob');
    expect(recorder.urls(), 'the bridge opened a browser although a good login was stored').toHaveLength(2);
  });
});

describe('--login-backoff', () => {
  it('MCP_LOGIN_BACKOFF=0: no time limit — no browser until the user logs in again (login --force), which is adopted', async () => {
    let refusingAlice = false;
    const refuseToken = (token: string): TokenRefusalAnswer | undefined =>
      refusingAlice && decodeJwt(token).sub === 'alice' ? { status: 401, error: 'invalid_token', errorDescription: REFUSAL } : undefined;
    const { server } = await stack({ server: { refuseToken } });
    const { bridge, recorder, configDir } = await connected(server.url, { env: { MCP_LOGIN_BACKOFF: '0' } });
    refusingAlice = true;
    const first = call(bridge);
    await driveBrowserLogin(recorder, 1);
    const refused = await withTimeout('the refused call', first, 30_000);
    expect(refused).toContain('refused the new login');
    expect(refused).toContain(REFUSAL);
    expect(refused).toContain('not opening the browser again until you log in again');

    for (let i = 0; i < 3; i++) {
      const later = await withTimeout('a later refused call', call(bridge), 20_000);
      expect(later).toContain('not opening the browser again until you log in again');
      expect(later).toMatch(/mcp-auth-bridge login --force/);
    }
    expect(recorder.urls(), 'a browser login started although the back-off has no time limit').toHaveLength(2);

    const login = startCli(['login', '--force', '--token-store', 'file', '--config-dir', configDir, '--no-browser', server.url], {}, { stdin: 'ignore' });
    const url = await waitFor('the login command to print its URL', () => /in your browser:\r?\n\s+(\S+)/.exec(login.stderr())?.[1], { timeoutMs: 20_000 });
    await withTimeout('driving the login command', driveLogin(url as string, { user: 'bob' }), 15_000);
    expect((await withTimeout('the login command to end', login.exited, 20_000)).code).toBe(0);
    expect((await whoami(bridge)).sub).toBe('bob');
    expect(recorder.urls()).toHaveLength(2);
  });

  it('a bad value is a usage error naming the option (exit 2), and --help shows the option and its variable', async () => {
    for (const [args, env] of [
      [['--login-backoff', 'soon'], {}],
      [[], { MCP_LOGIN_BACKOFF: '-5m' }],
    ] as const) {
      const run = startCli([...args, 'http://127.0.0.1:9/mcp'], env, { stdin: 'ignore' });
      const end = await withTimeout('the usage error', run.exited, 20_000);
      expect(end.code, end.stderr).toBe(2);
      expect(end.stderr).toContain('--login-backoff');
    }
    const help = await withTimeout('--help', startCli(['--help'], {}, { stdin: 'ignore' }).exited, 20_000);
    const text = (help.stdout + help.stderr).replace(/\s+/g, ' ');
    expect(text).toMatch(/--login-backoff <duration> .*0 = until you log in again .*default: "5m", env: MCP_LOGIN_BACKOFF/);
  });
});

describe('403 loops', () => {
  it('a step-up login whose token is still refused with insufficient_scope: one step-up login, then the refusal', async () => {
    // The provider does not know mcp:write, so a step-up never gets it.
    const { provider, server } = await stack({ provider: { scopes: ['openid', 'profile', 'email', 'offline_access', 'mcp:read'] } });
    const { bridge, recorder } = await connected(server.url, { args: ['--client-id', provider.publicClient.clientId] });
    const calls = Array.from({ length: 5 }, () => call(bridge, 'admin'));
    await driveBrowserLogin(recorder, 1);
    const outcomes = await withTimeout('the 5 admin calls', Promise.all(calls), 30_000);
    for (const outcome of outcomes) {
      expect(outcome).toMatch(/^error /);
      expect(outcome).toContain('insufficient_scope');
    }
    for (let i = 0; i < 3; i++) expect(await withTimeout('a later admin call', call(bridge, 'admin'), 20_000)).toContain('insufficient_scope');
    expect(recorder.urls(), 'one step-up login for all the refused calls').toHaveLength(2);
    expect(provider.counters.authorizationRequests).toBe(2);
    expect((await whoami(bridge)).sub).toBe('alice'); // what the login allows still works
  });

  it('a plain 403 to a fresh login: the server\'s words (escaped, bounded) answer the request, and no second login starts', async () => {
    const body = `forbidden: ${REFUSAL}\u001b[31m\r\nFAKE LOG LINE ${'x'.repeat(5000)}`;
    // Every request with a token is refused: the first login's token gets the plain 403.
    const { provider, server } = await stack({ server: { refuseToken: () => ({ status: 403, body }) } });
    const dir = tempDir();
    const recorder = browserCommand(dir);
    const raw = spawnBridgeRaw([...authArgs(dir), '--browser', recorder.command, server.url]);
    const init = initializeOutcome(raw, 40_000);
    await driveBrowserLogin(recorder, 0);
    const end = await init;
    expect(end.kind, JSON.stringify(end)).toBe('error');
    const message = end.kind === 'error' ? end.message : '';
    expect(message).toContain('refused the new login (HTTP 403');
    expect(message).toContain(REFUSAL);
    expect(message).toContain('\\x1b'); // shown, not sent to the terminal
    expect(message).not.toContain('\u001b');
    expect(message).not.toContain('\r');
    expect(message).not.toContain('x'.repeat(300));

    for (let id = 2; id <= 4; id++) {
      raw.send({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      const again = await requestEnd(raw, id, 20_000);
      expect(again.kind, JSON.stringify(again)).toBe('error');
      expect(again.kind === 'error' ? again.message : '').toContain(REFUSAL);
    }
    expect(recorder.urls()).toHaveLength(1);
    expect(provider.counters.authorizationRequests).toBe(1);
  });
});
