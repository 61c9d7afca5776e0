/**
 * `serve` as a process: it refuses a non-loopback address without inbound authentication (a usage error that says
 * what to do), drains on SIGTERM (the call in flight is answered, new sessions are refused, exit 0), and the MCP
 * Inspector CLI — the client server authors try first — works against it over Streamable HTTP.
 */
import { describe, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { inspectorJson, runInspector } from '../examples/helpers.js';
import { runCli } from '../helpers/cli.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer, TEST_TOOL_NAMES } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { INITIALIZE, MCP_POST_HEADERS, rawHttp } from './raw-http.js';
import { connectServeClient, startServe, textOf } from './serve-process.js';

useTeardown();

describe('serve binds safely', () => {
  it('refuses a non-loopback --host without inbound authentication, naming --insecure-no-auth', async () => {
    const result = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--host', '0.0.0.0', '--port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/refusing to serve a non-loopback address without inbound authentication/);
    expect(result.stderr).toMatch(/--insecure-no-auth/);
  });

  it('refuses a port that is not a number, and a --cors-origin that is not an origin', async () => {
    const port = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--port', 'eighty']);
    expect([port.code, port.stderr]).toEqual([2, expect.stringMatching(/--port: "eighty" is not usable/)]);
    const origin = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--port', '0', '--cors-origin', 'https://app.example.com/path']);
    expect([origin.code, origin.stderr]).toEqual([2, expect.stringMatching(/--cors-origin/)]);
  });
});

describe('serve --help', () => {
  it('lists serve\'s own options with their defaults and variables', async () => {
    const run = await runCli(['serve', '--help']);
    expect(run.code).toBe(0);
    for (const text of ['--host', '127.0.0.1', '--port', '8080', '--public-url', '--insecure-no-auth', '--cors-origin', '--max-sessions', '--session-idle', 'MCP_SERVE_HOST', '--config', '--max-message-size']) {
      expect(run.stdout, `serve --help mentions ${text}`).toContain(text);
    }
  });
});

describe('serve stops gracefully', () => {
  it('on SIGTERM, answers the call in flight, refuses new sessions, closes the upstream sessions and exits 0', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url]);
    const client = await connectServeClient(`${serve.base}/mcp`);
    const call = client.client.callTool({ name: 'slow', arguments: { ms: 1_500, steps: 3 } }, CallToolResultSchema, { timeout: 20_000 });
    await waitFor('the call to reach the server', () => server.requests.some((r) => r.body.includes('"slow"')));
    serve.child.kill('SIGTERM');
    await serve.waitForStderr(/SIGTERM: draining/);
    const late = await rawHttp({ port: serve.port, method: 'POST', path: '/mcp', headers: MCP_POST_HEADERS, body: INITIALIZE }).then(
      (answer) => String(answer.status),
      (error: NodeJS.ErrnoException) => String(error.code),
    );
    expect(late).toMatch(/^(ECONNREFUSED|ECONNRESET|503)$/);
    expect(textOf(await call)).toBe('done after 3 steps');
    const exit = await serve.waitForExit(20_000);
    expect(exit.code).toBe(0);
    expect(exit.stderr).toMatch(/session 1 closed \(shutting down\)/);
    await waitFor('the upstream sessions to be ended', () => server.sessions.ids.length === 0, { timeoutMs: 10_000 });
  });
});

describe('MCP Inspector CLI against serve', () => {
  it('lists and calls tools over Streamable HTTP', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url]);
    const list = await runInspector([`${serve.base}/mcp`, '--transport', 'http', '--method', 'tools/list']);
    expect(list.code, list.stderr).toBe(0);
    expect(inspectorJson<{ tools: Array<{ name: string }> }>(list).tools.map((t) => t.name).sort()).toEqual([...TEST_TOOL_NAMES].sort());
    const call = await runInspector([`${serve.base}/mcp`, '--transport', 'http', '--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'text=from the inspector']);
    expect(call.code, call.stderr).toBe(0);
    expect(inspectorJson<{ content: unknown[] }>(call).content).toEqual([{ type: 'text', text: 'from the inspector' }]);
  });
});
