// The fixtures themselves, driven by the SDK client directly (no bridge): if these fail, bridge failures elsewhere
// say nothing about the product. Also the "direct" half of every bridged comparison.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { connectDirect } from '../helpers/bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { startHttpProxy } from '../helpers/proxy-server.js';
import {
  startSseServer,
  startStatusServer,
  startStreamableServer,
  TEST_INSTRUCTIONS,
  TEST_SERVER_INFO,
  TEST_TOOL_NAMES,
} from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

useTeardown();

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });

describe('fixtures', () => {
  it('streamable server: identity, tools, session id and protocol headers on requests after initialize', async () => {
    const server = await startStreamableServer();
    const direct = await connectDirect({ url: server.url, transport: 'streamable-http' });
    expect(direct.client.getServerVersion()).toEqual(TEST_SERVER_INFO);
    expect(direct.client.getInstructions()).toBe(TEST_INSTRUCTIONS);
    const tools = await direct.client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(TEST_TOOL_NAMES);
    const sessionId = server.sessions.ids[0];
    expect(server.sessions.created).toBe(1);
    const later = server.requests.filter((r) => r.method === 'POST').slice(1);
    expect(later.length).toBeGreaterThan(0);
    for (const r of later) expect(r.headers['mcp-session-id']).toBe(sessionId);
  });

  it('streamable server: dropSessions makes the old session id answer 404', async () => {
    const server = await startStreamableServer();
    const direct = await connectDirect({ url: server.url, transport: 'streamable-http' });
    const sessionId = server.sessions.ids[0]!;
    await server.dropSessions();
    expect(server.sessions.ids).toEqual([]);
    const answer = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': sessionId });
    expect(answer.status).toBe(404);
    await direct.close();
  });

  it('streamable server: dropStreams cuts the open GET stream', async () => {
    const server = await startStreamableServer();
    await connectDirect({ url: server.url, transport: 'streamable-http' });
    await waitFor('GET stream open', () => server.requests.find((r) => r.method === 'GET' && r.status === 200));
    expect(server.dropStreams('get')).toBe(1);
  });

  it('sse server: GET /sse stream, POST /sse 405 by default or the chosen status, dropStreams forgets sessions', async () => {
    const server = await startSseServer();
    const direct = await connectDirect({ url: server.url, transport: 'sse' });
    expect(direct.client.getServerVersion()).toEqual(TEST_SERVER_INFO);
    expect((await post(server.url, { jsonrpc: '2.0', id: 1, method: 'initialize' })).status).toBe(405);
    expect(server.dropStreams()).toBe(1);
    expect(server.sessions.ids).toEqual([]);
    const other = await startSseServer({ postStatus: 404 });
    expect((await post(other.url, { jsonrpc: '2.0', id: 1, method: 'initialize' })).status).toBe(404);
  });

  it('status server answers the chosen status and records the body', async () => {
    const server = await startStatusServer({ status: 401, headers: { 'www-authenticate': 'Bearer' } });
    const answer = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'initialize' });
    expect(answer.status).toBe(401);
    expect(server.requests[0]!.rpc).toEqual(['initialize']);
  });

  it('proxy forwards absolute-form requests and CONNECT tunnels to mapped host names', async () => {
    const server = await startStreamableServer();
    const proxy = await startHttpProxy({ 'mcp.test': `127.0.0.1:${server.port}` });
    onTeardown(() => proxy.close());
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: proxy.port, method: 'POST', path: 'http://mcp.test/mcp', headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{"jsonrpc":"2.0","id":1,"method":"ping"}');
    });
    expect(status).toBe(400); // reached the MCP server: a ping without a session
    const tunnel = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: proxy.port, method: 'CONNECT', path: 'mcp.test:80' });
      req.on('connect', (res, socket) => {
        socket.destroy();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(tunnel).toBe(200);
    expect(proxy.requests.map((r) => r.method)).toEqual(['POST', 'CONNECT']);
  });
});
