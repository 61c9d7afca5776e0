// The real MCP Inspector CLI (`npx @modelcontextprotocol/inspector --cli`, the devDependency, never downloaded) as
// the bridge's client, with the config files under examples/ (copied with this run's ports and a temp
// --config-dir). With auth: a first bridge run logs in (driven headlessly) in the same --config-dir, and the
// Inspector's own bridge then uses the stored tokens; or the Inspector's bridge asks for the login itself and the
// test plays the user while the Inspector waits.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { connectWithLogin, freePort, loginUrlsIn, tempDir } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLogin } from '../helpers/oidc/index.js';
import {
  deriveConfig,
  inspectorJson,
  readExampleConfig,
  runInspector,
  startPlainExample,
  startProtectedExample,
  type ExampleWhoAmI,
} from './helpers.js';
import { browserCommand } from '../helpers/browser-command.js';

useTeardown();

interface ToolList {
  tools: { name: string }[];
}
interface ToolResult {
  content: { type: string; text: string }[];
  isError?: boolean;
}

const PROTECTED_CONFIG = 'protected-server/inspector-config.json';

/** The example config for the protected server, pointed at `server` and a temp credential directory. */
function protectedConfig(origin: string, configDir: string, dir: string, extraArgs: string[] = []): string {
  return deriveConfig(
    PROTECTED_CONFIG,
    dir,
    (arg) => arg.replace('http://127.0.0.1:3334', origin).replace('.tmp/protected-example-logins', configDir),
    extraArgs,
  );
}

/** An entry's bridge options (without the script and the URL) and its URL, after the same rewriting. */
function entryArgs(name: string, origin: string, configDir: string): { args: string[]; url: string } {
  const entry = readExampleConfig(PROTECTED_CONFIG).mcpServers[name]!;
  expect(entry.command).toBe('node');
  expect(entry.args[0]).toBe('bin/mcp-auth-bridge.js');
  const args = entry.args.map((arg) => arg.replace('http://127.0.0.1:3334', origin).replace('.tmp/protected-example-logins', configDir));
  return { args: args.slice(1, -1), url: args.at(-1)! };
}

describe('MCP Inspector CLI through the bridge', () => {
  it('examples/inspector-config.json: tools/list and tools/call on the no-auth example server', async () => {
    const server = await startPlainExample();
    const dir = tempDir();
    // The Inspector CLI does not show its server's stderr: the bridge's log goes to a file the test reads.
    const logFile = join(dir, 'bridge.log');
    const config = deriveConfig('inspector-config.json', dir, (arg) => arg.replace('http://127.0.0.1:3333/mcp', server.mcpUrl), ['--log-file', logFile]);

    const list = await runInspector(['--config', config, '--server', 'example', '--method', 'tools/list']);
    expect(list.code, list.stderr).toBe(0);
    expect(inspectorJson<ToolList>(list).tools.map((t) => t.name)).toEqual(['echo', 'add', 'time']);
    expect(readFileSync(logFile, 'utf8')).toContain('connected to example-server');

    const call = await runInspector(['--config', config, '--server', 'example', '--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'text=hi']);
    expect(call.code, call.stderr).toBe(0);
    expect(inspectorJson<ToolResult>(call)).toEqual({ content: [{ type: 'text', text: 'hi' }] });
  });

  it("README's Inspector line is self-contained: it starts the server the config points at, and its Inspector arguments work", async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const line = readme.split('\n').find((l) => l.includes('npx @modelcontextprotocol/inspector'));
    expect(line).toBeDefined();
    const m = /^node (examples\/server\.mjs) & npx @modelcontextprotocol\/inspector (.+); kill \$!$/.exec(line!);
    expect(m, line).not.toBeNull();
    // The server it starts listens where the config points (server.mjs's default port is the config's).
    const source = readFileSync(new URL('../../examples/server.mjs', import.meta.url), 'utf8');
    const defaultPort = /port: \{ type: 'string', default: '(\d+)' \}/.exec(source)?.[1];
    const entry = readExampleConfig('inspector-config.json').mcpServers.example!;
    expect(entry.args.at(-1)).toBe(`http://127.0.0.1:${defaultPort}/mcp`);
    // Run the README's Inspector arguments as written, against that server (on a free port: tests share the machine).
    const server = await startPlainExample();
    const config = deriveConfig('inspector-config.json', tempDir(), (arg) => arg.replace(`http://127.0.0.1:${defaultPort}/mcp`, server.mcpUrl));
    const args = m![2]!.split(' ').filter((a) => a !== '--cli').map((a) => (a === 'examples/inspector-config.json' ? config : a));
    const list = await runInspector(args);
    expect(list.code, list.stderr).toBe(0);
    expect(inspectorJson<ToolList>(list).tools.map((t) => t.name)).toEqual(['echo', 'add', 'time']);
  });

  it('spec-compliant protected server: after a headless first login in the same --config-dir, the Inspector needs no login', async () => {
    const server = await startProtectedExample();
    const origin = new URL(server.mcpUrl).origin;
    const dir = tempDir();
    const configDir = `${dir}/logins`;
    const { args, url } = entryArgs('protected', origin, configDir);
    const first = await connectWithLogin({ url, configDir, rawArgs: [...args, '--no-browser'] }, { user: 'alice' });
    await first.bridge.close();

    const config = protectedConfig(origin, configDir, dir);
    const list = await runInspector(['--config', config, '--server', 'protected', '--method', 'tools/list']);
    expect(list.code, list.stderr).toBe(0);
    expect(inspectorJson<ToolList>(list).tools.map((t) => t.name).sort()).toEqual(['echo', 'time', 'whoami']);

    const echo = await runInspector(['--config', config, '--server', 'protected', '--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'text=hi']);
    expect(echo.code, echo.stderr).toBe(0);
    expect(inspectorJson<ToolResult>(echo)).toEqual({ content: [{ type: 'text', text: 'hi' }] });

    const who = await runInspector(['--config', config, '--server', 'protected', '--method', 'tools/call', '--tool-name', 'whoami']);
    expect(JSON.parse(inspectorJson<ToolResult>(who).content[0]!.text)).toMatchObject({ sub: 'alice', scopes: ['mcp:tools'] });
    for (const run of [list, echo, who]) expect(loginUrlsIn(run.stderr)).toEqual([]);
  });

  it('bare protected server: issuer-mode entry (protected-bare) uses the login stored by a first run', async () => {
    const server = await startProtectedExample(['--bare']);
    const origin = new URL(server.mcpUrl).origin;
    const dir = tempDir();
    const configDir = `${dir}/logins`;
    const { args, url } = entryArgs('protected-bare', origin, configDir);
    expect(args).toEqual(expect.arrayContaining(['--issuer', server.issuer, '--client-id', 'mcp-auth-bridge-example']));
    // The first run receives its login on a free port; the stored login is keyed by issuer, resource and client.
    const redirect = `http://127.0.0.1:${await freePort()}/callback`;
    const first = await connectWithLogin({ url, configDir, rawArgs: [...args, '--redirect-url', redirect, '--no-browser'] }, { user: 'bob' });
    await first.bridge.close();

    const config = protectedConfig(origin, configDir, dir);
    const who = await runInspector(['--config', config, '--server', 'protected-bare', '--method', 'tools/call', '--tool-name', 'whoami']);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(inspectorJson<ToolResult>(who).content[0]!.text)).toMatchObject({ sub: 'bob', client_id: 'mcp-auth-bridge-example' });
    expect(loginUrlsIn(who.stderr)).toEqual([]);
  });

  it("the Inspector waits while its bridge's login is completed, then the next run needs none", async () => {
    const server = await startProtectedExample();
    const origin = new URL(server.mcpUrl).origin;
    const dir = tempDir();
    const configDir = `${dir}/logins`;
    // The Inspector CLI does not show its server's stderr: the login URL reaches the test through --browser.
    const browser = browserCommand(dir);
    const config = protectedConfig(origin, configDir, dir, ['--browser', browser.command]);
    const args = ['--config', config, '--server', 'protected', '--method', 'tools/call', '--tool-name', 'whoami'];

    const running = runInspector(args);
    const login = driveLogin(await browser.waitForUrl(0, 15_000), { user: 'carol' });
    expect((await login).status).toBe(200);
    const first = await running;
    expect(first.code, first.stderr).toBe(0);
    expect((JSON.parse(inspectorJson<ToolResult>(first).content[0]!.text) as ExampleWhoAmI).sub).toBe('carol');

    const second = await runInspector(args);
    expect(second.code, second.stderr).toBe(0);
    expect(loginUrlsIn(second.stderr)).toEqual([]);
    expect((JSON.parse(inspectorJson<ToolResult>(second).content[0]!.text) as ExampleWhoAmI).sub).toBe('carol');
  });
});
