// `mcp-auth-bridge login <url>`: discovery and the browser login now, against a real OpenID provider and a real
// protected MCP server. The report on stdout says who is logged in where, with which client (and how it was
// obtained), scopes, expiry and store; a good stored login is reused without a new authorization request unless
// --force; a server that asks for nothing and an unreachable server end with a clear error and a non-zero exit.
// In a terminal, stderr shows a progress line counting the seconds; elsewhere it shows none.
import { describe, expect, it } from 'vitest';
import { freePort, tempDir, fileStore } from '../helpers/auth-bridge.js';
import { observeProviderSecrets, storedLogins, storeRecords } from '../helpers/auth-secrets.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLogin, startOidcProvider, startProtectedMcpServer, startAuthStack } from '../helpers/oidc/index.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { browserCommand } from '../helpers/browser-command.js';
import { loginUrlsIn, runCli, startCli } from '../helpers/cli.js';

useTeardown();

/** The report lines of `login`, by label (`issuer`, `client`, `scopes`, `access`, `stored`). */
function reportFields(stdout: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^ {2}(\w+): +(.*)$/.exec(line);
    if (m) fields[m[1]!] = m[2]!;
  }
  return fields;
}

describe('login', () => {
  it('logs in through --browser, reports server, account, issuer, client and its origin, scopes, expiry and store, and exits 0', async () => {
    const { provider, server } = await startAuthStack();
    const configDir = tempDir();
    const browser = browserCommand(tempDir(), { login: {} });
    const result = await runCli(['login', ...fileStore(configDir), '--auth-timeout', '20s', '--scopes', 'openid mcp:read', '--browser', browser.command, server.url]);
    expect(result.code, result.stderr).toBe(0);

    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`Logged in to ${server.url} as alice`);
    expect(lines.map((l) => l.split(':')[0]!.trim())).toEqual(['Logged in to http', 'issuer', 'client', 'scopes', 'access', 'stored']);
    const f = reportFields(result.stdout);
    const [record] = storedLogins(configDir);
    expect(record, 'no login stored').toBeDefined();
    const clientId = record!.json.metadata.clientId!;
    expect(f.issuer).toBe(provider.issuer);
    expect(f.client).toMatch(new RegExp(`^${clientId} \\(dynamic( registration)?\\)$`));
    // The scopes of the access token as granted (the resource's scopes; openid went into the ID token), as stored.
    expect(f.scopes).toBe('mcp:read');
    expect(record!.json.metadata.scopes).toEqual(['mcp:read']);
    expect(f.access).toMatch(/^until .+ \((59|60) min\), refreshed automatically$/);
    expect(f.stored).toBe('files (0600)');

    // The login really went through the --browser command, once.
    const runs = await browser.waitForRuns(1);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 200, pages: ['login', 'consent'] });
    expect(loginUrlsIn(result.stderr)).toEqual([runs[0]!.url]);
    expect(provider.counters.authorizationRequests).toBe(1);
    expect(provider.counters.registrations).toBe(1);
    expect(record!.json.metadata).toMatchObject({ serverUrl: server.url, issuer: provider.issuer, store: 'file' });
  });

  it('--no-browser prints the URL on stderr; a login driven from it succeeds; no carriage-return progress when stderr is not a terminal', async () => {
    const { provider, server } = await startAuthStack();
    const configDir = tempDir();
    const cli = startCli(['login', ...fileStore(configDir), '--auth-timeout', '20s', '--no-browser', server.url]);
    const [, url] = await cli.waitForStderr(/in your browser:\r?\n\s+(\S+)/);
    // Give a progress timer (1 s period) the chance to show itself if it were wrongly on.
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const login = await withTimeout('driving the login', driveLogin(url!), 15_000);
    expect(login.status).toBe(200);
    const result = await cli.waitForExit();
    expect(result.code, result.stderr).toBe(0);
    // The default scopes (the server's) carry no openid, so no ID token says who logged in.
    expect(result.stdout.split('\n')[0]).toBe(`Logged in to ${server.url}`);
    expect(reportFields(result.stdout).issuer).toBe(provider.issuer);
    expect(reportFields(result.stdout).scopes).toBe('mcp:read');
    expect(result.stderr).not.toContain('\r');
    expect(result.stderr).not.toContain('\x1b[');
    expect(result.stderr).not.toMatch(/waiting for the login/);
    expect(result.stdout).not.toContain(url!); // the URL is for stderr; stdout carries the report only
  });

  it('a second login says "Already logged in" without an authorization request; --force logs in again', async () => {
    const { provider, server } = await startAuthStack();
    const configDir = tempDir();
    const browser = browserCommand(tempDir(), { login: {} });
    // A fixed callback port, so that a stable port taken meanwhile by another test cannot make the forced login
    // register a second client (a new redirect URI) and store a second login.
    const port = ['--callback-port', String(await freePort())];
    const first = await runCli(['login', ...fileStore(configDir), ...port, '--auth-timeout', '20s', '--browser', browser.command, server.url]);
    expect(first.code, first.stderr).toBe(0);
    expect(provider.counters.authorizationRequests).toBe(1);
    await browser.waitForRuns(1);
    const before = storedLogins(configDir)[0]!.json.metadata;

    // --no-browser and a short --auth-timeout: if it wrongly started a login, it would print a URL and fail.
    const second = await runCli(['login', ...fileStore(configDir), ...port, '--auth-timeout', '5s', '--no-browser', server.url]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.split('\n')[0]).toBe(`Already logged in to ${server.url}`);
    expect(reportFields(second.stdout)).toMatchObject({ issuer: provider.issuer, stored: 'files (0600)' });
    expect(reportFields(second.stdout).client).toContain(before.clientId!);
    expect(loginUrlsIn(second.stderr)).toEqual([]);
    expect(provider.counters.authorizationRequests).toBe(1);
    expect(browser.runs()).toHaveLength(1);

    const forced = await runCli(['login', ...fileStore(configDir), ...port, '--auth-timeout', '20s', '--force', '--browser', browser.command, server.url]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout.split('\n')[0]).toBe(`Logged in to ${server.url}`);
    expect(provider.counters.authorizationRequests).toBe(2);
    const runs = await browser.waitForRuns(2);
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({ status: 200 });
    const logins = storedLogins(configDir);
    expect(logins).toHaveLength(1); // same server, issuer and client: the login was replaced
    expect(logins[0]!.json.metadata.obtainedAt!).toBeGreaterThan(before.obtainedAt!);
  });

  it('issuer mode: --issuer and a pre-registered --client-id; the report says pre-registered and who logged in', async () => {
    const provider = await startOidcProvider();
    const server = await startProtectedMcpServer({ issuer: provider.issuer, advertise: false });
    const configDir = tempDir();
    const browser = browserCommand(tempDir(), { login: {} });
    const redirect = `http://127.0.0.1:${await freePort()}/callback`;
    const result = await runCli([
      'login',
      ...fileStore(configDir),
      '--auth-timeout',
      '20s',
      '--issuer',
      provider.issuer,
      '--client-id',
      provider.publicClient.clientId,
      '--redirect-url',
      redirect,
      '--scopes',
      'openid email mcp:read',
      '--browser',
      browser.command,
      server.url,
    ]);
    expect(result.code, result.stderr).toBe(0);
    // With the email scope the ID token names the account by its email.
    expect(result.stdout.split('\n')[0]).toBe(`Logged in to ${server.url} as alice@example.test`);
    const f = reportFields(result.stdout);
    expect(f.client).toBe(`${provider.publicClient.clientId} (pre-registered)`);
    expect(f.issuer).toBe(provider.issuer);
    expect(f.scopes).toBe('mcp:read');
    expect(provider.counters.registrations).toBe(0);
  });

  it('a server that does not ask for authorization: a clear error, exit 1, nothing stored', async () => {
    const plain = await startStreamableServer();
    const configDir = tempDir();
    const result = await runCli(['login', ...fileStore(configDir), '--no-browser', plain.url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`mcp-auth-bridge: 127.0.0.1:${plain.port} did not ask for authorization (HTTP 200): there is nothing to log in to`);
    expect(result.stderr).toMatch(/can use this server as it is/);
    expect(loginUrlsIn(result.stderr)).toEqual([]);
    expect(storeRecords(configDir)).toEqual([]);
  });

  it('an unreachable server: an error naming it and what to check, exit 1', async () => {
    const port = await freePort();
    const result = await runCli(['login', ...fileStore(tempDir()), '--no-browser', `http://127.0.0.1:${port}/mcp`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`mcp-auth-bridge: cannot reach http://127.0.0.1:${port}: ECONNREFUSED`);
    expect(result.stderr).toMatch(/check the URL, your network, and that the server is running/);
  });

  it('with a static Authorization header there is nothing to log in to: usage error, exit 2', async () => {
    const { provider, server } = await startAuthStack();
    const result = await runCli(['login', ...fileStore(tempDir()), '--header', 'Authorization: Bearer static-key-123', server.url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/an Authorization header is set with --header, so there is nothing to log in to/);
    expect(result.stderr).not.toContain('static-key-123');
    expect(provider.counters.authorizationRequests).toBe(0);
  });

  it('the report and stderr carry no token, code or verifier the provider issued or received', async () => {
    const { provider, server } = await startAuthStack();
    const observed = observeProviderSecrets(provider);
    const configDir = tempDir();
    const browser = browserCommand(tempDir(), { login: {} });
    const result = await runCli(['login', ...fileStore(configDir), '--debug', '--auth-timeout', '20s', '--scopes', 'openid mcp:read', '--browser', browser.command, server.url]);
    expect(result.code, result.stderr).toBe(0);
    expect(observed.counts().access_token).toBe(1);
    expect(observed.counts().refresh_token).toBe(1);
    expect(observed.counts().id_token).toBe(1);
    const leaks = observed.entries().filter(([, v]) => result.stdout.includes(v) || result.stderr.includes(v)).map(([k]) => k);
    expect(leaks).toEqual([]);
  });
});

describe('login in a terminal', () => {
  it('shows a progress line with the elapsed seconds while waiting, then clears it before the report', async () => {
    const { server } = await startAuthStack();
    const configDir = tempDir();
    // On a pseudo-terminal: stdout and stderr are one stream, as a user sees them.
    const terminal = startCli(['login', ...fileStore(configDir), '--auth-timeout', '20s', '--no-browser', server.url], {}, { terminal: true });
    const output = () => terminal.stdout();
    const exited = terminal.exited.then((result) => result.code);
    const url = await waitFor(`the login URL on the terminal (${JSON.stringify(output().slice(-800))})`, () => loginUrlsIn(output())[0], { timeoutMs: 15_000 });
    await waitFor(`the progress line to reach 2 s (${JSON.stringify(output().slice(-800))})`, () => output().includes('waiting for the login in your browser: 2 s'), {
      timeoutMs: 10_000,
    });
    expect((await withTimeout('driving the login', driveLogin(url), 15_000)).status).toBe(200);
    expect(await withTimeout('login to exit', exited, 15_000), output()).toBe(0);

    expect(output()).toContain('\r\x1b[2Kwaiting for the login in your browser: 1 s (Ctrl-C to cancel)');
    expect(output()).toContain('\r\x1b[2Kwaiting for the login in your browser: 2 s (Ctrl-C to cancel)');
    const lastProgress = output().lastIndexOf('waiting for the login in your browser');
    const report = output().indexOf(`Logged in to ${server.url}`);
    expect(report).toBeGreaterThan(lastProgress);
    // The line is cleared (\r + erase line) between the last progress and the report.
    expect(output().slice(lastProgress, report)).toContain('\r\x1b[2K');
  });

  it('clears the progress line before a log line that arrives while it is shown (--debug: the token exchange)', async () => {
    const { server } = await startAuthStack();
    const configDir = tempDir();
    // On a pseudo-terminal: stdout and stderr are one stream, as a user sees them.
    const terminal = startCli(['login', '--debug', ...fileStore(configDir), '--auth-timeout', '20s', '--no-browser', server.url], {}, { terminal: true });
    const output = () => terminal.stdout();
    const exited = terminal.exited.then((result) => result.code);
    const url = await waitFor(`the login URL on the terminal (${JSON.stringify(output().slice(-800))})`, () => loginUrlsIn(output())[0], { timeoutMs: 15_000 });
    await waitFor(`the progress line to show (${JSON.stringify(output().slice(-800))})`, () => output().includes('(Ctrl-C to cancel)'), { timeoutMs: 10_000 });
    expect((await withTimeout('driving the login', driveLogin(url), 15_000)).status).toBe(200);
    expect(await withTimeout('login to exit', exited, 15_000), output()).toBe(0);

    // Log lines came while the progress line was up (the callback, the token request) ...
    const firstProgress = output().indexOf('(Ctrl-C to cancel)');
    expect(output().slice(firstProgress)).toMatch(/debug: oauth: POST \S+ → 200/);
    // ... and each progress text is erased before anything else is written: no log line shares its line.
    expect(output().match(/\(Ctrl-C to cancel\)(?!\r\x1b\[2K)/g), JSON.stringify(output().slice(firstProgress, firstProgress + 600))).toBeNull();
  });
});
