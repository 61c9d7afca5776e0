// Clean shutdown: stdin EOF, SIGTERM and SIGINT end the upstream session (DELETE for Streamable HTTP) and exit 0;
// a lost server or a request still in flight does not keep the bridge alive.
import { describe, expect, it } from 'vitest';
import { spawnBridgeRaw, type RawBridge } from '../helpers/bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { startSseServer, startStreamableServer, type StreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

useTeardown();

async function startedBridge(): Promise<{ server: StreamableServer; raw: RawBridge; sessionId: string }> {
  const server = await startStreamableServer();
  onTeardown(() => server.close());
  const raw = spawnBridgeRaw([server.url]);
  await raw.initialize();
  await raw.request('ping');
  const sessionId = server.sessions.ids[0]!;
  expect(sessionId).toBeDefined();
  return { server, raw, sessionId };
}

describe('shutdown', () => {
  it('on stdin EOF: DELETEs the upstream session, then exits 0', async () => {
    const { server, raw, sessionId } = await startedBridge();
    raw.endInput();
    const status = await raw.waitForExit(10_000);
    expect(status).toEqual({ code: 0, signal: null });
    const deletes = server.requests.filter((r) => r.method === 'DELETE');
    expect(deletes).toHaveLength(1);
    expect(deletes[0]!.headers['mcp-session-id']).toBe(sessionId);
    expect(deletes[0]!.status).toBe(200);
    expect(server.sessions.deleted).toEqual([sessionId]);
    expect(server.sessions.ids).toEqual([]);
    expect(raw.invalidLines).toEqual([]);
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('on %s: DELETEs the upstream session, then exits 0', async (signal) => {
    const { server, raw, sessionId } = await startedBridge();
    raw.child.kill(signal);
    const status = await raw.waitForExit(10_000);
    expect(status).toEqual({ code: 0, signal: null });
    expect(server.sessions.deleted).toEqual([sessionId]);
    expect(raw.invalidLines).toEqual([]);
  });

  it('on stdin EOF before any initialize: exits 0 without contacting the server', async () => {
    const server = await startStreamableServer();
    onTeardown(() => server.close());
    const raw = spawnBridgeRaw([server.url]);
    raw.endInput();
    expect(await raw.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    expect(server.requests).toEqual([]);
  });

  it('exits 0 on EOF even when the server is already gone (the DELETE fails)', async () => {
    const { server, raw } = await startedBridge();
    await server.close();
    raw.endInput();
    expect(await raw.waitForExit(15_000)).toEqual({ code: 0, signal: null });
  });

  it('exits 0 on EOF while a request is still waiting for its answer', async () => {
    const { server, raw, sessionId } = await startedBridge();
    raw.send({ jsonrpc: '2.0', id: 'stalled', method: 'tools/call', params: { name: 'stall', arguments: {} } });
    await waitFor('the stall call to reach the server', () => server.requests.some((r) => r.body.includes('"stall"')));
    raw.endInput();
    expect(await raw.waitForExit(15_000)).toEqual({ code: 0, signal: null });
    expect(server.sessions.deleted).toEqual([sessionId]);
    expect(raw.invalidLines).toEqual([]);
  });

  it('legacy SSE: on stdin EOF closes the stream and exits 0', async () => {
    const server = await startSseServer();
    onTeardown(() => server.close());
    const raw = spawnBridgeRaw(['--transport', 'sse', server.url]);
    await raw.initialize();
    await raw.request('ping');
    expect(server.sessions.ids).toHaveLength(1);
    raw.endInput();
    expect(await raw.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    await waitFor('the server to see the stream close', () => server.sessions.ids.length === 0);
  });
});
