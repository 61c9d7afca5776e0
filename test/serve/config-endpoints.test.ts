/**
 * `serve --config`: every server of the file aggregated at `/mcp` exactly as the stdio form aggregates them (a
 * remote server and a local stdio one, names prefixed), each server alone at `/servers/<name>/mcp` under its own
 * names (or, when its entry filters tools, behind a one-server aggregate that enforces the filter), an unknown
 * server's path 404; the legacy SSE client served too; `/healthz`, `/readyz` (one upstream down: 503 naming it)
 * and the status page at `/` with a strict CSP.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../aggregate/aggregate-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { SAMPLING_MODEL } from '../helpers/client.js';
import { SAMPLING_PROMPT, startSseServer, startStreamableServer, TEST_TOOL_NAMES } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { groupRunning } from '../../src/upstream/stdio/group-liveness.js';
import { killGroupAtTeardown } from '../helpers/stdio-bridge.js';
import { rawHttp } from './raw-http.js';
import { connectServeClient, startServe, textOf, type ServeClient } from './serve-process.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

useTeardown();

const FIXTURE = fileURLToPath(new URL('../fixtures/stdio/mcp-server.mjs', import.meta.url));
const remote = (url: string, extra: Record<string, unknown> = {}) => ({ url, auth: 'none', allowHttp: true, ...extra });
const local = { command: process.execPath, args: [FIXTURE] };
const names = async (client: Awaited<ReturnType<typeof connectServeClient>>) => (await client.client.listTools()).tools.map((t) => t.name).sort();

describe('serve --config', () => {
  it('aggregates every server at /mcp and serves each alone at /servers/<name>/mcp under its own names', async () => {
    const alpha = await startStreamableServer();
    const serve = await startServe(['--config', writeConfigFile({ mcpServers: { alpha: remote(alpha.url), local } })]);
    const all = await connectServeClient(`${serve.base}/mcp`);
    const listed = await names(all);
    expect(listed).toEqual(expect.arrayContaining([...TEST_TOOL_NAMES.map((n) => `alpha__${n}`), 'local__echo', 'local__pid']));
    expect(textOf(await all.client.callTool({ name: 'local__echo', arguments: { text: 'via /mcp' } }))).toBe('via /mcp');
    expect(textOf(await all.client.callTool({ name: 'alpha__sample', arguments: {} }))).toBe(`${SAMPLING_MODEL}: sampled: ${SAMPLING_PROMPT}`);
    const alone = await connectServeClient(`${serve.base}/servers/alpha/mcp`);
    expect(await names(alone)).toEqual([...TEST_TOOL_NAMES].sort());
    expect(textOf(await alone.client.callTool({ name: 'echo', arguments: { text: 'alone' } }))).toBe('alone');
    const missing = await rawHttp({ port: serve.port, method: 'POST', path: '/servers/nope/mcp', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(missing.status).toBe(404);
  });

  it.skipIf(process.platform === 'win32')('gives each session its own local server process, ended with the session', async () => {
    const serve = await startServe(['--config', writeConfigFile({ mcpServers: { local } })]);
    const pidOf = async (client: ServeClient, tool: string) => {
      const pid = Number(textOf(await client.client.callTool({ name: tool, arguments: {} })));
      killGroupAtTeardown(pid);
      return pid;
    };
    const a = await connectServeClient(`${serve.base}/mcp`);
    const b = await connectServeClient(`${serve.base}/servers/local/mcp`);
    const pa = await pidOf(a, 'local__pid');
    const pb = await pidOf(b, 'pid');
    expect(pa).not.toBe(pb);
    expect(groupRunning(pa) && groupRunning(pb)).toBe(true);
    await (a.transport as StreamableHTTPClientTransport).terminateSession();
    await (b.transport as StreamableHTTPClientTransport).terminateSession();
    await waitFor('both sessions\' local servers to be gone', () => !groupRunning(pa) && !groupRunning(pb), { timeoutMs: 20_000, intervalMs: 100 });
  });

  it('enforces a server\'s tool filter at /servers/<name>/mcp too', async () => {
    const alpha = await startStreamableServer();
    const serve = await startServe(['--config', writeConfigFile({ mcpServers: { alpha: remote(alpha.url, { tools: { allow: ['echo'] } }) } })]);
    const alone = await connectServeClient(`${serve.base}/servers/alpha/mcp`);
    expect(await names(alone)).toEqual(['alpha__echo']);
    await expect(alone.client.callTool({ name: 'alpha__add', arguments: { a: 1, b: 2 } })).rejects.toThrow();
  });

  it('serves a legacy SSE client at /sse', async () => {
    const alpha = await startSseServer();
    const serve = await startServe(['--config', writeConfigFile({ mcpServers: { alpha: remote(alpha.url, { transport: 'sse' }) } })]);
    const client = await connectServeClient(`${serve.base}/sse`, 'sse');
    expect(await names(client)).toEqual(expect.arrayContaining(['alpha__echo', 'alpha__sample']));
    expect(textOf(await client.client.callTool({ name: 'alpha__echo', arguments: { text: 'old client' } }))).toBe('old client');
    expect(textOf(await client.client.callTool({ name: 'alpha__sample', arguments: {} }))).toBe(`${SAMPLING_MODEL}: sampled: ${SAMPLING_PROMPT}`);
    const alone = await connectServeClient(`${serve.base}/servers/alpha/sse`, 'sse');
    expect(textOf(await alone.client.callTool({ name: 'echo', arguments: { text: 'alone' } }))).toBe('alone');
  });

  it('/healthz says the process is up; /readyz names the server that is down with 503, and / is the status page under a strict CSP', async () => {
    const alpha = await startStreamableServer();
    const gone = await startStreamableServer();
    const goneUrl = gone.url;
    await gone.close();
    const serve = await startServe(['--config', writeConfigFile({ mcpServers: { alpha: remote(alpha.url, { headers: { 'X-Api-Key': 'sekrit-header-value' } }), down: remote(goneUrl) } })]);
    const health = await rawHttp({ port: serve.port, path: '/healthz' });
    expect([health.status, JSON.parse(health.text)]).toEqual([200, { status: 'ok' }]);
    const ready = await waitFor('/readyz to report both servers', async () => {
      const r = await rawHttp({ port: serve.port, path: '/readyz' });
      const body = JSON.parse(r.text) as { servers: Record<string, string> };
      return body.servers.alpha === 'ready' && body.servers.down === 'failed' && r;
    }, { timeoutMs: 20_000 });
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text)).toEqual({ status: 'not ready', servers: { alpha: 'ready', down: 'failed' } });
    expect(ready.text).not.toContain('sekrit');
    const home = await rawHttp({ port: serve.port, path: '/' });
    expect(home.status).toBe(200);
    expect(home.headers['content-type']).toMatch(/^text\/html/);
    expect(home.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(home.headers['content-security-policy']).not.toMatch(/script-src/);
    // The status page, for the loopback user: both servers, neither needing a login, no script.
    expect(home.text).toContain('Signed in as <strong>local</strong>');
    expect(home.text).toMatch(/<td>alpha<\/td><td class="state-no-login-needed">/);
    expect(home.text).not.toContain('<script');
  });

  it('/readyz is 200 when every server is ready', async () => {
    const alpha = await startStreamableServer();
    const serve = await startServe(['--config', writeConfigFile({ mcpServers: { alpha: remote(alpha.url), local } })]);
    const ready = await waitFor('/readyz 200', async () => {
      const r = await rawHttp({ port: serve.port, path: '/readyz' });
      return r.status === 200 && r;
    }, { timeoutMs: 20_000 });
    expect(JSON.parse(ready.text)).toEqual({ status: 'ready', servers: { alpha: 'ready', local: 'ready' } });
  });
});
