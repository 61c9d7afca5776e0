// docs/troubleshooting.md, the browser login (real oidc-provider, real protected MCP server): the callback port held
// by another program, a login declined at the provider, a login not finished within --auth-timeout, a server that
// refuses the token of the login that just finished (and `login --force`, the fix, adopted at once). Each checks the
// documented message where the user sees it (the JSON-RPC error the client gets, or the `login` command's stderr).
// Also: the row for a taken callback port says "often a previous login" — a bridge whose client has gone away must
// not keep holding the port (and its login) until --auth-timeout.
import { createServer } from 'node:net';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { authArgs, isAlive, occupyPort, tempDir, fileStore } from '../helpers/auth-bridge.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLogin, startAuthStack } from '../helpers/oidc/index.js';
import { initializeOutcome, requestEnd, type RequestEnd } from '../helpers/outcomes.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { expectDocumented } from './readme-rows.js';
import { browserCommand } from '../helpers/browser-command.js';
import { loginUrlsIn, runCli } from '../helpers/cli.js';

useTeardown();

function errorMessage(end: RequestEnd): string {
  expect(end.kind, JSON.stringify(end)).toBe('error');
  return end.kind === 'error' ? end.message : '';
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

describe('troubleshooting: the browser login', () => {
  it('`the login callback port N is already in use`: --callback-port held by another program', async () => {
    const { provider, server } = await startAuthStack();
    const { port } = await occupyPort();
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', '--callback-port', String(port), server.url]);
    const message = errorMessage(await initializeOutcome(raw, 20_000));
    expectDocumented(message, 'the login callback port N is already in use', { N: String(port) });
    expect(message).toContain('--callback-port');
    expect(provider.counters.authorizationRequests).toBe(0);

    // The same through the login command: stderr, exit 1.
    const login = await runCli(['login', ...fileStore(tempDir()), '--no-browser', '--callback-port', String(port), server.url]);
    expect(login.code).toBe(1);
    expectDocumented(login.stderr, 'the login callback port N is already in use', { N: String(port) });
  });

  it('`the authorization server refused the login: access_denied`: consent declined (bridge: JSON-RPC error; login command: stderr, exit 1)', async () => {
    const { server } = await startAuthStack();
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', server.url]);
    const outcome = initializeOutcome(raw, 20_000);
    const url = await waitFor('the login URL', () => loginUrlsIn(raw.stderr())[0], { timeoutMs: 15_000 });
    const declined = await withTimeout('declining the login', driveLogin(url, { deny: 'consent' }), 15_000);
    expect(declined.params.get('error')).toBe('access_denied');
    expectDocumented(errorMessage(await outcome), 'refused the login: access_denied');
    expect(raw.exitStatus()).toBeUndefined();

    const browser = browserCommand(tempDir(), { login: { deny: 'consent' } });
    const login = await runCli(['login', ...fileStore(tempDir()), '--auth-timeout', '20s', '--browser', browser.command, server.url]);
    expect(login.code).toBe(1);
    expect(login.stdout).toBe('');
    expectDocumented(login.stderr, 'refused the login: access_denied');
  });

  it('`the login timed out: it was not completed within … s`: --auth-timeout passes; the message has no (dead) login URL', async () => {
    const { server } = await startAuthStack();
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--auth-timeout', '2s', '--no-browser', server.url]);
    const outcome = initializeOutcome(raw, 20_000);
    const url = await waitFor('the login URL', () => loginUrlsIn(raw.stderr())[0], { timeoutMs: 15_000 });
    const message = errorMessage(await outcome);
    expectDocumented(message, 'the login timed out');
    expect(message).toContain('within 2 s');
    expect(message).not.toContain(url); // its callback has closed: the link would be dead
    expect(message).toContain('the next request starts a new one');
    expect(message).toContain('--auth-timeout');
    expect(raw.exitStatus()).toBeUndefined();
  });

  it('`… refused the new login (HTTP …: …); not opening the browser again …`: the server refuses alice; `login --force` as bob is adopted at once', async () => {
    const suspended = 'this account is suspended';
    const { provider, server } = await startAuthStack({
      server: { refuseToken: (token) => (decodeJwt(token).sub === 'alice' ? { status: 401, error: 'invalid_token', errorDescription: suspended } : undefined) },
    });
    const configDir = tempDir();
    const recorder = browserCommand(tempDir());
    const raw = spawnBridgeRaw([...authArgs(configDir), '--browser', recorder.command, server.url]);
    const outcome = initializeOutcome(raw, 40_000);
    const url = await recorder.waitForUrl(0, 20_000);
    await withTimeout('logging in as alice', driveLogin(url, { user: 'alice' }), 15_000);
    const message = errorMessage(await outcome);
    expectDocumented(message, 'refused the new login');
    expect(message).toContain(`127.0.0.1:${server.port} refused the new login (HTTP 401: invalid_token: ${suspended})`);
    expect(message).toContain(`mcp-auth-bridge login --force ${server.url}`);

    // The documented fix: `login --force` (here as a user the server accepts); the running bridge uses it, no browser.
    const browser = browserCommand(tempDir(), { login: { user: 'bob' } });
    const login = await runCli(['login', '--force', ...fileStore(configDir), '--auth-timeout', '20s', '--browser', browser.command, server.url]);
    expect(login.code, login.stderr).toBe(0);
    raw.send({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    const again = await requestEnd(raw, 2, 20_000);
    expect(again.kind, JSON.stringify(again)).toBe('result');
    expect(recorder.urls(), 'the bridge opened another browser login').toHaveLength(1);
    expect(provider.counters.authorizationRequests).toBe(2); // the bridge's one, and the login command's
  });

  // Product bug: when the client goes away (stdin EOF, or SIGTERM) while a browser login is pending, the bridge waits for the
  // login until --auth-timeout (default 300 s) before it exits, holding the callback port and the login lock: the
  // next bridge the client starts then meets `the login callback port N is already in use` or waits for the lock.
  // docs/options.md ("How it behaves" → Shutdown) says stdin end exits 0 well under a second.
  it.each([
    ['its client closes stdin', (raw: ReturnType<typeof spawnBridgeRaw>) => raw.endInput()],
    ['it gets SIGTERM', (raw: ReturnType<typeof spawnBridgeRaw>) => void raw.child.kill('SIGTERM')],
  ])('a bridge that is told to stop during a pending login (%s) exits promptly and frees the callback port', async (_label, stop) => {
    const { server } = await startAuthStack();
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--auth-timeout', '60s', '--no-browser', server.url]);
    raw.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    const url = await waitFor('the login URL', () => loginUrlsIn(raw.stderr())[0], { timeoutMs: 15_000 });
    const port = Number(new URL(new URL(url).searchParams.get('redirect_uri')!).port);
    expect(await canBind(port)).toBe(false); // the callback server is listening

    stop(raw);
    const status = await raw.waitForExit(5_000).catch(() => undefined);
    expect(status, `still running 5 s later (pid alive: ${isAlive(raw.child.pid)})`).toEqual({ code: 0, signal: null });
    expect(await canBind(port)).toBe(true);
  });
});
