/**
 * `serve --config` applies its file again when it is saved and on SIGHUP, without dropping the sessions of servers
 * that did not change: a server added joins every open session's aggregate (and `/readyz`), a changed one restarts,
 * a removed one leaves, and the others keep their upstream sessions (counted at the upstream). `serve.users` narrows
 * open sessions; `serve.auth` swaps the authenticator, so a user whose token was removed gets 401 on their next
 * request. A session of one server alone whose server changed is retired: it then answers 404, like an unknown
 * session, so its client opens a new one. A file that cannot be applied changes nothing. `serve <url>` has nothing to reload.
 */
import { writeFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../aggregate/aggregate-bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { MCP_POST_HEADERS, rawHttp } from './raw-http.js';
import { connectServeClient, startServe, textOf, type ServeProcess } from './serve-process.js';

useTeardown();

const remote = (url: string, extra: Record<string, unknown> = {}) => ({ url, auth: 'none', allowHttp: true, ...extra });
type Lister = { client: { listTools(): Promise<{ tools: Array<{ name: string }> }> } };
const toolNames = async (c: Lister) => (await c.client.listTools()).tools.map((t) => t.name);
const WAIT = { timeoutMs: 20_000, intervalMs: 200 };

/** What `/readyz` lists, by server name. */
async function readyz(serve: ServeProcess): Promise<Record<string, string>> {
  const answer = await rawHttp({ port: serve.port, path: '/readyz' });
  return (JSON.parse(answer.text) as { servers: Record<string, string> }).servers;
}

/** An SDK client of serve's `/mcp` (or `path`) that presents `token`. */
async function connectWithToken(serve: ServeProcess, token: string, name: string, path = '/mcp'): Promise<Lister & { client: Client }> {
  const client = new Client({ name, version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${serve.base}${path}`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  onTeardown(() => withTimeout('a serve client to close', client.close(), 10_000).catch(() => undefined));
  await withTimeout(`${name} initializes through serve`, client.connect(transport), 20_000);
  return { client };
}

describe('serve: reloading the configuration file', () => {
  it('adds, restarts and removes servers in open sessions as the file is saved, leaving the other servers\' upstream sessions alone', async () => {
    const alpha = await startStreamableServer();
    const beta = await startStreamableServer();
    const file = writeConfigFile({ mcpServers: { alpha: remote(alpha.url) } });
    const serve = await startServe(['--config', file]);
    const client = await connectServeClient(`${serve.base}/mcp`);
    expect(await toolNames(client)).toContain('alpha__echo');
    await waitFor('alpha ready at /readyz', async () => (await readyz(serve)).alpha === 'ready', WAIT);
    const alphaSessions = alpha.sessions.created;

    writeFileSync(file, JSON.stringify({ mcpServers: { alpha: remote(alpha.url), beta: remote(beta.url) } }));
    await waitFor('beta joins the open session', async () => (await toolNames(client)).includes('beta__echo'), WAIT);
    expect(textOf(await client.client.callTool({ name: 'beta__echo', arguments: { text: 'added' } }))).toBe('added');
    await waitFor('beta at /readyz', async () => (await readyz(serve)).beta === 'ready', WAIT);
    const alone = await connectServeClient(`${serve.base}/servers/beta/mcp`);
    expect(await toolNames(alone)).toContain('echo');
    expect(alpha.sessions.created).toBe(alphaSessions);

    // Changing beta's entry restarts beta in every session; alpha's upstream sessions stay.
    const betaSessions = beta.sessions.created;
    writeFileSync(file, JSON.stringify({ mcpServers: { alpha: remote(alpha.url), beta: remote(beta.url, { tools: { block: ['echo'] } }) } }));
    await waitFor('beta restarted with its filter', async () => {
      const names = await toolNames(client);
      return !names.includes('beta__echo') && names.includes('beta__add');
    }, WAIT);
    expect(beta.sessions.created).toBeGreaterThan(betaSessions);
    expect(alpha.sessions.created).toBe(alphaSessions);
    // The session of beta alone cannot change under its client: it is retired, and answers like an unknown session
    // (404), which tells the client to open a new one (MCP 2025-11-25); the log says why.
    await expect(alone.client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).rejects.toThrow(/Session not found/);
    await waitFor('the log line', () => serve.stderr().includes('retired by a configuration reload'));
    const again = await connectServeClient(`${serve.base}/servers/beta/mcp`);
    const filtered = await toolNames(again);
    expect(filtered).toContain('beta__add');
    expect(filtered).not.toContain('beta__echo');

    // A mistake in the file changes nothing.
    writeFileSync(file, '{ "mcpServers": { "alpha": ');
    await serve.waitForStderr(/configuration not applied/, 20_000);
    expect(await toolNames(client)).toEqual(expect.arrayContaining(['alpha__echo', 'beta__add']));

    const deleted = alpha.sessions.deleted.length;
    writeFileSync(file, JSON.stringify({ mcpServers: { beta: remote(beta.url, { tools: { block: ['echo'] } }) } }));
    await waitFor('alpha leaves the open session', async () => !(await toolNames(client)).some((n) => n.startsWith('alpha__')), WAIT);
    await waitFor('alpha gone from /readyz', async () => !('alpha' in (await readyz(serve))), WAIT);
    await waitFor('alpha\'s upstream sessions ended', () => alpha.sessions.deleted.length > deleted, WAIT);
    await expect(client.client.callTool({ name: 'alpha__echo', arguments: { text: 'x' } })).rejects.toThrow();
    const gone = await rawHttp({ port: serve.port, method: 'POST', path: '/servers/alpha/mcp', headers: { ...MCP_POST_HEADERS }, body: '{}' });
    expect(gone.status).toBe(404);
    expect(textOf(await client.client.callTool({ name: 'beta__add', arguments: { a: 2, b: 3 } }))).toBe('5');
  });

  it('applies the file on SIGHUP, once, and serve <url> says it has nothing to reload', async () => {
    const alpha = await startStreamableServer();
    const beta = await startStreamableServer();
    const file = writeConfigFile({ mcpServers: { alpha: remote(alpha.url) } });
    const serve = await startServe(['--config', file]);
    const client = await connectServeClient(`${serve.base}/mcp`);
    expect(await toolNames(client)).toContain('alpha__echo');
    await waitFor('alpha ready at /readyz', async () => (await readyz(serve)).alpha === 'ready', WAIT);
    const alphaSessions = alpha.sessions.created;

    writeFileSync(file, JSON.stringify({ mcpServers: { alpha: remote(alpha.url, { tools: { block: ['echo'] } }), beta: remote(beta.url) } }));
    serve.child.kill('SIGHUP');
    await serve.waitForStderr(/configuration applied \(SIGHUP\): added beta; restarting alpha/, 20_000);
    await waitFor('the SIGHUP\'s configuration in the open session', async () => {
      const names = await toolNames(client);
      return names.includes('beta__echo') && !names.includes('alpha__echo') && names.includes('alpha__add');
    }, WAIT);
    // The watcher then sees the same file: nothing is applied twice (alpha restarted once: the client's and /readyz's).
    await waitFor('alpha restarted', () => alpha.sessions.created === alphaSessions + 2, WAIT);
    serve.child.kill('SIGHUP');
    await serve.waitForStderr(/configuration unchanged \(SIGHUP\)/, 20_000);
    expect(alpha.sessions.created).toBe(alphaSessions + 2);
    expect(serve.exitStatus()).toBeUndefined();

    const single = await startServe([alpha.url]);
    single.child.kill('SIGHUP');
    await single.waitForStderr(/SIGHUP: nothing to reload/, 20_000);
    const direct = await connectServeClient(`${single.base}/mcp`);
    expect(textOf(await direct.client.callTool({ name: 'add', arguments: { a: 1, b: 1 } }))).toBe('2');
  });

  it('applies serve.users to open sessions and serve.auth to the next request: a removed token gets 401', async () => {
    const alpha = await startStreamableServer();
    const beta = await startStreamableServer();
    const aliceToken = 'a'.repeat(40);
    const bobToken = 'b'.repeat(40);
    const servers = { alpha: remote(alpha.url), beta: remote(beta.url) };
    const tokens = [{ user: 'alice', token: aliceToken }, { user: 'bob', token: bobToken }];
    const everything = { alice: { servers: ['*'] }, bob: { servers: ['*'] } };
    const file = writeConfigFile({ mcpServers: servers, serve: { auth: { tokens }, users: everything } });
    const serve = await startServe(['--config', file]);
    const alice = await connectWithToken(serve, aliceToken, 'alice');
    const bob = await connectWithToken(serve, bobToken, 'bob');
    expect(await toolNames(bob)).toEqual(expect.arrayContaining(['alpha__echo', 'beta__echo']));
    expect(await toolNames(alice)).toEqual(expect.arrayContaining(['alpha__echo', 'beta__echo']));
    const bobBeta = await connectWithToken(serve, bobToken, 'bob at beta alone', '/servers/beta/mcp');
    expect(await toolNames(bobBeta)).toContain('echo');
    const alphaSessions = alpha.sessions.created;

    // A file whose inbound auth cannot be served here (JWTs need --public-url with --port 0) changes nothing at all,
    // not even the users' rules that came with it.
    const jwt = { issuer: 'https://login.example.com' };
    writeFileSync(file, JSON.stringify({ mcpServers: servers, serve: { auth: { tokens, jwt }, users: { bob: { servers: ['alpha'] }, alice: { servers: ['*'] } } } }));
    await serve.waitForStderr(/configuration not applied: serve: JWT inbound auth needs --public-url/, 20_000);
    expect(await toolNames(bob)).toEqual(expect.arrayContaining(['alpha__echo', 'beta__echo']));

    writeFileSync(file, JSON.stringify({ mcpServers: servers, serve: { auth: { tokens: [tokens[1]] }, users: { bob: { servers: ['alpha'] } } } }));
    await waitFor('bob loses beta in his open session', async () => {
      const names = await toolNames(bob);
      return names.includes('alpha__echo') && !names.some((n) => n.startsWith('beta__'));
    }, WAIT);
    await expect(bob.client.callTool({ name: 'beta__echo', arguments: { text: 'x' } })).rejects.toThrow();
    expect(textOf(await bob.client.callTool({ name: 'alpha__echo', arguments: { text: 'still here' } }))).toBe('still here');
    await expect(bobBeta.client.callTool({ name: 'echo', arguments: { text: 'x' } })).rejects.toThrow(/Session not found/);
    // Alice's token is gone: her next request is refused, her open session notwithstanding.
    const refused = await rawHttp({ port: serve.port, method: 'POST', path: '/mcp', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${aliceToken}` }, body: '{}' });
    expect(refused.status).toBe(401);
    await expect(alice.client.listTools()).rejects.toThrow();
    // Nothing about alpha's entry changed: bob's upstream session of it stayed.
    expect(alpha.sessions.created).toBe(alphaSessions);
  });
});
