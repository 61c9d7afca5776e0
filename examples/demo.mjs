#!/usr/bin/env node
// A guided tour of mcp-auth-bridge against a server that requires a login.    Run: npm run demo
//
//   1. starts examples/protected-server (an MCP server with its own OpenID provider) on 127.0.0.1;
//   2. connects to it THROUGH the bridge, as Claude Desktop or Cursor would: an MCP client spawning
//      `node bin/mcp-auth-bridge.js <url>` and speaking MCP over its stdin/stdout;
//   3. the server answers 401, the bridge discovers the provider, registers itself and opens the login page in
//      your browser (any username and password work); after the login the client's initialize goes through;
//   4. lists the tools, calls `whoami` (who the server thinks you are) and `echo`;
//   5. connects a second time: no login, the bridge reuses the stored tokens;
//   6. prints the config snippet for Claude Desktop, Cursor or Windsurf.
//
// The bridge keeps its tokens in a temporary directory (`--config-dir`, `--token-store file`) removed at the end:
// the demo never reads or writes your real logins or your keychain.
//
// Options (after `npm run demo --`):
//   --headless     log in without a browser: the demo fills in the login form itself (for CI; or MCP_DEMO_HEADLESS=1)
//   --bare         use the server's bare mode: no metadata, so the bridge is told --issuer and --client-id
//   --port N       the server's port (default 3334, or a free one when it is taken; 0 = any free port)
//   --user NAME    the username the headless login types (default demo-user)
// Standalone on purpose: like every example, this file imports nothing from test/ (the test harness has its own
// one-of-each helpers for the same jobs), so it can be read, run and copied as it is.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { loginHeadlessly } from './protected-server/headless-login.mjs';
import { DEFAULT_PORT, startProtectedServer } from './protected-server/protected-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'bin', 'mcp-auth-bridge.js');

const { values: options } = parseArgs({
  options: {
    headless: { type: 'boolean', default: process.env.MCP_DEMO_HEADLESS === '1' },
    bare: { type: 'boolean', default: false },
    port: { type: 'string' },
    user: { type: 'string', default: 'demo-user' },
  },
});

const say = (text = '') => process.stdout.write(`${text}\n`);
const step = (n, text) => say(`\n[${n}/6] ${text}`);
// The server's and the bridge's own logs go to stderr, indented, so the story on stdout stays readable.
const relay = (who) => (line) => process.stderr.write(`        ${who} │ ${line}\n`);

/** Everything to undo at the end, newest first. */
const cleanup = [];
/** Stops waiting for Enter at the login prompt (interactive mode), once the login is done. */
let stopPrompt;
const runCleanup = async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo().catch(() => undefined);
};
// Ctrl+C (for instance while the login page waits): stop the server and remove the temp directory too.
let stopping = false;
process.once('SIGINT', () => {
  stopping = true;
  say('\nStopped.');
  void runCleanup().then(() => process.exit(130));
});

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  if (!stopping) say(`\nThe demo failed: ${error.message}`);
} finally {
  await runCleanup();
}
process.exit(failed ? 1 : 0);

async function main() {
  step(1, `Starting the protected example server${options.bare ? ' in bare mode (no metadata: the bridge must be told the provider)' : ''}`);
  const server = await startServer();
  cleanup.push(() => server.close());
  say(`      MCP endpoint ${server.mcpUrl}`);
  say(`      issuer       ${server.issuer} (login: any username and password)`);

  const configDir = mkdtempSync(join(tmpdir(), 'mcp-auth-bridge-demo-'));
  cleanup.push(async () => rmSync(configDir, { recursive: true, force: true }));
  const bridgeArgs = [
    // Keep the demo's tokens away from your real ones: a temp directory, plain files, never the keychain.
    '--token-store', 'file',
    '--config-dir', configDir,
    ...(options.headless ? ['--no-browser'] : []),
    // Bare mode: name the provider and the pre-registered client; receive the login on a free loopback port.
    ...(options.bare ? ['--issuer', server.issuer, '--client-id', server.clientId, '--redirect-url', `http://127.0.0.1:${await freePort()}/callback`] : []),
    server.mcpUrl,
  ];
  // (A plain-http URL is accepted because it is on this machine; another host would need --allow-http.)

  step(2, 'Connecting an MCP client through the bridge (it spawns `node bin/mcp-auth-bridge.js`, as Claude Desktop would)');
  say(`      node bin/mcp-auth-bridge.js ${bridgeArgs.join(' ')}`);
  const first = await connectThroughBridge(bridgeArgs);
  const info = first.client.getServerVersion();
  say(`      Connected to ${info?.name} ${info?.version}${first.loggedIn ? ' after the login' : ''}.`);

  step(3, 'Listing the tools');
  const { tools } = await first.client.listTools();
  for (const tool of tools) say(`      ${tool.name.padEnd(8)} ${tool.description ?? ''}`);

  step(4, 'Calling tools');
  const me = JSON.parse(textOf(await first.client.callTool({ name: 'whoami', arguments: {} })));
  say(`      whoami → ${JSON.stringify(me)}`);
  say(`      The server sees user "${me.sub}", logged in through client ${me.client_id}.`);
  const echoed = textOf(await first.client.callTool({ name: 'echo', arguments: { text: 'hello through the bridge' } }));
  say(`      echo   → ${echoed}`);
  await first.client.close();

  step(5, 'Connecting again: the bridge reuses the stored login (no browser this time)');
  const second = await connectThroughBridge(bridgeArgs);
  const again = JSON.parse(textOf(await second.client.callTool({ name: 'whoami', arguments: {} })));
  say(`      whoami → ${JSON.stringify(again)}`);
  say(second.loggedIn ? '      (it asked for a login again: unexpected)' : `      No login needed: the tokens were stored under ${configDir}.`);
  await second.client.close();

  step(6, 'Use it from Claude Desktop (claude_desktop_config.json), Cursor (.cursor/mcp.json) or Windsurf');
  const entry = {
    command: 'npx',
    args: ['-y', 'mcp-auth-bridge', server.mcpUrl],
    ...(options.bare && { env: { OIDC_ISSUER_URL: server.issuer, OIDC_CLIENT_ID: server.clientId } }),
  };
  say(JSON.stringify({ mcpServers: { 'protected-example': entry } }, null, 2).replace(/^/gm, '      '));
  say(`      From this clone instead of npm: "command": "node", "args": [${JSON.stringify(BIN)}, ${JSON.stringify(server.mcpUrl)}]`);
  say(`      The server stops with this demo; to keep one running: node examples/protected-server/server.mjs${options.bare ? ' --bare' : ''}${server.port === DEFAULT_PORT ? '' : ` --port ${server.port}`}`);
  if (options.bare) say('      (Without OIDC_REDIRECT_URL the bridge receives the login on http://localhost:8080/auth/callback, which the example client allows.)');
  say('\nDone.');
}

/** Starts the example server on the chosen port; the default port falls back to a free one when taken. */
async function startServer() {
  const log = relay('server');
  const port = options.port === undefined ? DEFAULT_PORT : Number(options.port);
  try {
    return await startProtectedServer({ port, bare: options.bare, log });
  } catch (error) {
    if (error.code !== 'EADDRINUSE' || options.port !== undefined) throw error;
    say(`      (port ${port} is taken; using a free port)`);
    return startProtectedServer({ port: 0, bare: options.bare, log });
  }
}

/**
 * Spawns the bridge and connects an SDK client to it. When the bridge asks for a login (it prints the URL on
 * stderr), the login is done by the demo (--headless) or by you in the browser.
 */
async function connectThroughBridge(args) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, ...args], cwd: root, stderr: 'pipe' });
  const client = new Client({ name: 'mcp-auth-bridge-demo', version: '1.0.0' });
  cleanup.push(() => client.close()); // ends the bridge (closing its stdin), also when the demo stops early
  let stderr = '';
  let loggedIn = false;
  let login = Promise.resolve();
  let loginFailed;
  const failure = new Promise((_resolve, reject) => (loginFailed = reject));
  const log = relay('bridge');
  transport.stderr?.on('data', (chunk) => {
    const text = chunk.toString('utf8');
    stderr += text;
    for (const line of text.split('\n')) if (line.trim()) log(line);
    const url = /in your browser:\s+(\S+)/.exec(stderr)?.[1];
    if (url && !loggedIn) {
      loggedIn = true;
      login = logIn(url);
      login.catch(loginFailed);
    }
  });
  // An interactive login may take a while: give initialize as long as the bridge's own login timeout (5 min).
  const connected = client.connect(transport, { timeout: options.headless ? 30_000 : 305_000 });
  try {
    await Promise.race([connected, failure]);
    stopPrompt?.();
    await login;
  } catch (error) {
    stopPrompt?.();
    await client.close().catch(() => undefined);
    throw new Error(`${error.message}\n--- bridge stderr ---\n${stderr}`);
  }
  return { client, loggedIn };
}


/** The user's part of the login: done here with --headless, else explained (Enter lets the demo do it). */
async function logIn(url) {
  if (options.headless) {
    say(`      The bridge asked for a login; --headless: the demo logs in as "${options.user}" with plain HTTP requests.`);
    const result = await loginHeadlessly(url, { user: options.user });
    say(`      The bridge's callback answered HTTP ${result.status}: "${result.page.slice(0, 80)}…"`);
    return;
  }
  const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
  say('');
  say('      ┌─ Log in ──────────────────────────────────────────────────────────────');
  say('      │ The bridge is opening the login page in your browser.' + (noDisplay ? ' (No display found here: it may not manage to.)' : ''));
  say('      │ If no page appeared, open this URL in a browser on this machine:');
  say(`      │   ${url}`);
  say('      │ Type ANY username and password, press "Sign-in", then "Continue" to consent.');
  say('      │ The page then says "Logged in" and the demo goes on by itself.');
  if (process.stdin.isTTY) say('      │ No browser here? Press Enter and the demo logs in for you (as --headless does).');
  say('      └───────────────────────────────────────────────────────────────────────');
  if (!process.stdin.isTTY) return;
  // terminal: false keeps the terminal in its normal mode, so Ctrl+C still stops the demo.
  const input = createInterface({ input: process.stdin, terminal: false });
  stopPrompt = () => input.close();
  await new Promise((resolve, reject) => {
    input.once('line', () => {
      say(`      Logging in as "${options.user}" for you…`);
      loginHeadlessly(url, { user: options.user }).then(resolve, reject);
    });
    input.once('close', resolve);
  });
}

/** The text of a tool result's first content item; throws when the tool reported an error. */
function textOf(result) {
  const text = result.content?.[0]?.text ?? '';
  if (result.isError) throw new Error(`the tool failed: ${text}`);
  return text;
}

/** A loopback port that was free a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
