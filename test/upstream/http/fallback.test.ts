// Transport selection: Streamable HTTP first; legacy SSE only when the initialize POST is answered 400, 404 or 405
// (auto mode), never on 401 or 500, never with an initialize of the bridge's own; explicit --transport never falls
// back.
import { describe, expect, it } from 'vitest';
import { connectThroughBridge, spawnBridgeRaw } from '../../helpers/bridge.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { initializeOutcome, isRefusal } from '../../helpers/outcomes.js';
import { startSseServer, startStatusServer, startStreamableServer, TEST_SERVER_INFO } from '../../helpers/servers.js';

useTeardown();

/** Environment that keeps any auth attempt from reaching a real browser. */
const NO_BROWSER = { BROWSER: 'true' };

describe('transport auto-detection', () => {
  it('uses Streamable HTTP when the server speaks it, without touching legacy SSE', async () => {
    const server = await startStreamableServer();
    const bridged = await connectThroughBridge({ url: server.url });
    expect(bridged.client.getServerVersion()).toEqual(TEST_SERVER_INFO);
    expect(await bridged.client.callTool({ name: 'echo', arguments: { text: 'via streamable' } })).toHaveProperty(
      'content.0.text',
      'via streamable',
    );
    expect(server.requests[0]).toMatchObject({ method: 'POST', rpc: ['initialize'] });
    expect(server.requests.filter((r) => r.rpc.includes('initialize'))).toHaveLength(1);
    expect(server.sessions.created).toBe(1);
    expect(bridged.errors).toEqual([]);
  });

  it.each([400, 404, 405])('falls back to legacy SSE when the initialize POST is answered %i', async (status) => {
    const server = await startSseServer({ postStatus: status });
    const bridged = await connectThroughBridge({ url: server.url });
    expect(bridged.client.getServerVersion()).toEqual(TEST_SERVER_INFO);
    expect(await bridged.client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).toHaveProperty('content.0.text', '3');
    // One Streamable attempt carrying the client's own initialize, then the legacy stream and the same initialize.
    const posts = server.requests.filter((r) => r.method === 'POST');
    expect(posts[0]).toMatchObject({ path: '/sse', rpc: ['initialize'], status });
    expect(server.requests.filter((r) => r.path === '/sse' && r.method === 'POST')).toHaveLength(1);
    const initializes = server.requests.filter((r) => r.rpc.includes('initialize'));
    expect(initializes.map((r) => r.path)).toEqual(['/sse', '/messages']);
    expect(JSON.parse(initializes[1]!.body)).toMatchObject({
      method: 'initialize',
      params: { clientInfo: { name: 'bridge-test-client' } },
    });
    expect(server.sessions.created).toBe(1);
    expect(bridged.errors).toEqual([]);
  });

  it.each([401, 500])('does not fall back when the initialize POST is answered %i', async (status) => {
    // GET /sse on this server works, so a wrong fallback would visibly succeed.
    const server = await startSseServer({ postStatus: status });
    const raw = spawnBridgeRaw([server.url], NO_BROWSER);
    const end = await initializeOutcome(raw);
    expect(isRefusal(end), JSON.stringify(end)).toBe(true);
    expect(server.requests.filter((r) => r.method === 'GET' && r.path === '/sse')).toEqual([]);
    expect(server.requests.filter((r) => r.path === '/messages')).toEqual([]);
    expect(raw.invalidLines).toEqual([]);
  });

  it.each([401, 500])('reports a %i from a server that only answers POSTs, without an extra initialize', async (status) => {
    const server = await startStatusServer({ status });
    const raw = spawnBridgeRaw([server.url], NO_BROWSER);
    const end = await initializeOutcome(raw);
    expect(isRefusal(end), JSON.stringify(end)).toBe(true);
    expect(server.requests.filter((r) => r.rpc.includes('initialize'))).toHaveLength(1);
    expect(server.requests.filter((r) => r.method === 'GET' && r.path === '/mcp')).toEqual([]);
    expect(raw.invalidLines).toEqual([]);
  });

  it("opens the session with the client's own initialize, not a probe of its own", async () => {
    const server = await startStreamableServer();
    const raw = spawnBridgeRaw([server.url]);
    const end = await initializeOutcome(raw);
    expect(end.kind).toBe('result');
    expect(server.requests.filter((r) => r.rpc.includes('initialize'))).toHaveLength(1);
    expect(JSON.parse(server.requests[0]!.body)).toMatchObject({ id: 1, params: { clientInfo: { name: 'raw-test-client' } } });
  });
});

describe('fallback that cannot succeed', () => {
  it('refuses the session when the POST says 404 and the legacy GET fails too', async () => {
    const server = await startStatusServer({ status: 404, otherStatus: 404 });
    const raw = spawnBridgeRaw([server.url]);
    const end = await initializeOutcome(raw);
    expect(isRefusal(end), JSON.stringify(end)).toBe(true);
    expect(server.requests.filter((r) => r.method === 'GET' && r.path === '/mcp')).toHaveLength(1);
    expect(server.requests.filter((r) => r.rpc.includes('initialize'))).toHaveLength(1);
    expect(raw.invalidLines).toEqual([]);
  });
});

describe('unreachable server', () => {
  it('refuses the session (error or exit 1) when nothing listens on the port, without hanging', async () => {
    const gone = await startStreamableServer();
    await gone.close(); // its port is now closed
    const raw = spawnBridgeRaw(['--connect-timeout', '5s', gone.url]);
    const end = await initializeOutcome(raw);
    expect(isRefusal(end), JSON.stringify(end)).toBe(true);
    expect(raw.invalidLines).toEqual([]);
  });
});

describe('explicit --transport', () => {
  it('streamable-http does not fall back on 405', async () => {
    const server = await startSseServer({ postStatus: 405 });
    const raw = spawnBridgeRaw(['--transport', 'streamable-http', server.url]);
    const end = await initializeOutcome(raw);
    expect(isRefusal(end), JSON.stringify(end)).toBe(true);
    expect(server.requests.filter((r) => r.method === 'GET')).toEqual([]);
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(raw.invalidLines).toEqual([]);
  });

  it('sse goes straight to the legacy stream, never POSTing to the stream URL', async () => {
    const server = await startSseServer();
    const bridged = await connectThroughBridge({ url: server.url, args: ['--transport', 'sse'] });
    expect(await bridged.client.callTool({ name: 'echo', arguments: { text: 'legacy' } })).toHaveProperty(
      'content.0.text',
      'legacy',
    );
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/sse' });
    expect(server.requests.filter((r) => r.method === 'POST' && r.path === '/sse')).toEqual([]);
  });

  it('sse against a Streamable-only server fails instead of hanging', async () => {
    const server = await startStreamableServer();
    const raw = spawnBridgeRaw(['--transport', 'sse', server.url]);
    const end = await initializeOutcome(raw);
    expect(isRefusal(end), JSON.stringify(end)).toBe(true);
    expect(server.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });
});
