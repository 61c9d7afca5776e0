// `mcp-auth-bridge login --config <file> [--server <name>]...`: one command logs in to every server of a
// configuration file that needs it, against a real OpenID provider, two real protected MCP servers, a real server
// without auth and the real CLI. Logins run one after another, each as `login <url>` does with the entry's options;
// local servers, servers with their own Authorization header, `"auth": "none"`, disabled entries and servers that do
// not ask for authorization are listed as skipped with why; a server that fails is reported, the others still log
// in, and the exit code is 1. `--server` narrows (an unknown name gets a did-you-mean); a URL or a server's option
// next to --config is refused with where it goes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileStore, freePort, tempDir } from '../helpers/auth-bridge.js';
import { storedLogins } from '../helpers/auth-secrets.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startOidcProvider, startProtectedMcpServer } from '../helpers/oidc/index.js';
import { startStreamableServer } from '../helpers/servers.js';
import { browserCommand, type BrowserCommand } from '../helpers/browser-command.js';
import { loginUrlsIn, runCli } from '../helpers/cli.js';

useTeardown();

/** Writes `servers` as a Claude Desktop style configuration file; returns its path. */
function configFile(servers: Record<string, unknown>): string {
  const path = join(tempDir(), 'claude_desktop_config.json');
  writeFileSync(path, JSON.stringify({ mcpServers: servers }, null, 2));
  return path;
}

/** The `<name>: <result>` lines of the report on stderr, by server name. */
function results(stderr: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stderr.split('\n')) {
    const m = /^([A-Za-z0-9_-]+): (logged in.*|already logged in.*|skipped: .*|failed: .*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** A provider with two protected servers trusting it, and a browser that logs in as alice. */
async function twoProtected(): Promise<{ provider: Awaited<ReturnType<typeof startOidcProvider>>; urls: [string, string]; browser: BrowserCommand }> {
  const provider = await startOidcProvider();
  const [a, b] = await Promise.all([0, 1].map(() => startProtectedMcpServer({ issuer: provider.issuer, jwksUri: provider.jwksUri })));
  return { provider, urls: [a!.url, b!.url], browser: browserCommand(tempDir(), { login: {} }) };
}

describe('login --config', () => {
  it('logs in to every server that needs it, one after another, and lists the others as skipped with why', async () => {
    const { provider, urls, browser } = await twoProtected();
    const open = await startStreamableServer();
    const configDir = tempDir();
    const entry = (url: string) => ({ url, browser: browser.command, 'auth-timeout': '20s' });
    const path = configFile({
      alpha: entry(urls[0]),
      beta: { ...entry(urls[1]), type: 'http' },
      public: { url: open.url },
      keyed: { url: urls[0], headers: { Authorization: 'Bearer not-a-login' } },
      anonymous: { url: urls[1], auth: 'none' },
      local: { command: 'node', args: ['server.js'] },
      old: { url: urls[0], disabled: true },
    });
    const result = await runCli(['login', '--config', path, ...fileStore(configDir)], {}, 60_000);
    expect(result.code, result.stderr).toBe(0);

    const r = results(result.stderr);
    expect(r.alpha).toMatch(/^logged in \(issuer /);
    expect(r.beta).toMatch(/^logged in \(issuer /);
    expect(r.alpha).toContain(provider.issuer);
    expect(r.public).toBe('skipped: the server does not ask for authorization (HTTP 200): nothing to log in to');
    expect(r.keyed).toBe('skipped: an Authorization header is set in its "headers": nothing to log in to');
    expect(r.anonymous).toBe('skipped: "auth": "none": nothing to log in to');
    expect(r.local).toBe('skipped: a local server (a command): nothing to log in to');
    expect(r.old).toBe('skipped: disabled in the file');
    expect(result.stderr).toContain(`2 logged in, 0 already logged in, 5 skipped, 0 failed (${path}).`);
    expect(result.stdout).toBe('');

    // One browser login per protected server, in the file's order, each through the entry's own browser command.
    const runs = await browser.waitForRuns(2);
    expect(runs.map((run) => run.status)).toEqual([200, 200]);
    expect(loginUrlsIn(result.stderr)).toEqual(runs.map((run) => run.url));
    expect(result.stderr.indexOf('alpha: logged in')).toBeLessThan(result.stderr.indexOf('beta: checking the login'));
    expect(provider.counters.authorizationRequests).toBe(2);
    expect(storedLogins(configDir).map((l) => l.json.metadata.serverUrl).sort()).toEqual([...urls].sort());

    // Again: both logins are still good, so nothing opens.
    const again = await runCli(['login', '--config', path, ...fileStore(configDir)], {}, 60_000);
    expect(again.code, again.stderr).toBe(0);
    expect(results(again.stderr)).toMatchObject({ alpha: expect.stringMatching(/^already logged in/), beta: expect.stringMatching(/^already logged in/) });
    expect(again.stderr).toContain('0 logged in, 2 already logged in, 5 skipped, 0 failed');
    expect(provider.counters.authorizationRequests).toBe(2);
    expect(browser.runs()).toHaveLength(2);
  });

  it('a server that fails is reported with its fix; the next one still logs in; the exit code is 1', async () => {
    const { provider, urls, browser } = await twoProtected();
    const down = `http://127.0.0.1:${await freePort()}/mcp`;
    const configDir = tempDir();
    const path = configFile({
      down: { url: down, browser: browser.command },
      up: { url: urls[0], browser: browser.command, 'auth-timeout': '20s' },
    });
    const result = await runCli(['login', '--config', path, ...fileStore(configDir)], {}, 60_000);
    expect(result.code, result.stderr).toBe(1);
    const r = results(result.stderr);
    expect(r.down).toMatch(/^failed: cannot reach http:\/\/127\.0\.0\.1:\d+/);
    // The fix, on the line under it.
    expect(result.stderr).toMatch(/down: failed: .*\n {2}check the URL, your network, and that the server is running\n/);
    expect(r.up).toMatch(/^logged in/);
    expect(result.stderr).toContain('1 logged in, 0 already logged in, 0 skipped, 1 failed');
    expect(provider.counters.authorizationRequests).toBe(1);
    expect(storedLogins(configDir)).toHaveLength(1);
  });

  it('--server logs in to the named servers only; an unknown name is refused with the name meant', async () => {
    const { provider, urls, browser } = await twoProtected();
    const configDir = tempDir();
    const path = configFile({
      github: { url: urls[0], browser: browser.command, 'auth-timeout': '20s' },
      linear: { url: urls[1], browser: browser.command, 'auth-timeout': '20s' },
      local: { command: 'node' },
    });
    const result = await runCli(['login', '--config', path, '--server', 'linear', ...fileStore(configDir)], {}, 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(Object.keys(results(result.stderr))).toEqual(['linear']);
    expect(storedLogins(configDir).map((l) => l.json.metadata.serverUrl)).toEqual([urls[1]]);
    expect(provider.counters.authorizationRequests).toBe(1);

    const typo = await runCli(['login', '--config', path, '--server', 'githb', ...fileStore(configDir)]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(`--server githb: ${path} names no server "githb"`);
    expect(typo.stderr).toContain('did you mean "github"?');
    expect(provider.counters.authorizationRequests).toBe(1);
  });

  it('a URL, or an option of one server, next to --config is refused with where it goes; --server needs --config', async () => {
    const path = configFile({ one: { url: 'https://mcp.example.com/mcp' } });
    const both = await runCli(['login', '--config', path, 'https://mcp.example.com/mcp']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('login: give a server URL or --config, not both');

    const clientId = await runCli(['login', '--config', path, '--client-id', 'abc']);
    expect(clientId.code).toBe(2);
    expect(clientId.stderr).toContain(`login --config: --client-id is an option of one server, and the servers come from ${path}`);
    expect(clientId.stderr).toContain(`give it in the server's entry of the file, as "client-id"`);

    const noBrowser = await runCli(['login', '--config', path, '--no-browser']);
    expect(noBrowser.code).toBe(2);
    expect(noBrowser.stderr).toContain('--no-browser is an option of one server');
    expect(noBrowser.stderr).toContain('"browser": false');

    const server = await runCli(['login', '--server', 'one', 'https://mcp.example.com/mcp']);
    expect(server.code).toBe(2);
    expect(server.stderr).toContain('login: --server names a server of a configuration file');

    const withDisabled = configFile({ one: { url: 'https://mcp.example.com/mcp' }, old: { url: 'https://old.example.com/mcp', disabled: true } });
    const disabled = await runCli(['login', '--config', withDisabled, '--server', 'old']);
    expect(disabled.code).toBe(2);
    expect(disabled.stderr).toContain(`--server old: the server "old" is disabled in ${withDisabled}`);
    expect(disabled.stderr).toContain('remove "disabled": true from its entry to use it');

    const missing = await runCli(['login', '--config', join(tempDir(), 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json: cannot be read \(ENOENT\)/);
  });
});
