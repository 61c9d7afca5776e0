// Clean shutdown: stdin EOF, SIGTERM and SIGINT end the upstream session (DELETE for Streamable HTTP) and exit 0;
// a lost server or a request still in flight does not keep the bridge alive. On stdin EOF the requests already sent
// are answered first (`echo '<initialize>' | mcp-auth-bridge <url>` prints the answer), within a bound of seconds,
// even when a browser login is pending.
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { authArgs, loginUrlsIn, tempDir } from '../helpers/auth-bridge.js';
import { spawnBridgeRaw, type RawBridge } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startAuthStack } from '../helpers/oidc/index.js';
import { requestEnd } from '../helpers/outcomes.js';
import { startSseServer, startStreamableServer, type StreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

useTeardown();

async function startedBridge(): Promise<{ server: StreamableServer; raw: RawBridge; sessionId: string }> {
  const server = await startStreamableServer();
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

  it('exits 0 on EOF while a request is still waiting for its answer, answering it with a shutting-down error', async () => {
    const { server, raw, sessionId } = await startedBridge();
    raw.send({ jsonrpc: '2.0', id: 'stalled', method: 'tools/call', params: { name: 'stall', arguments: {} } });
    await waitFor('the stall call to reach the server', () => server.requests.some((r) => r.body.includes('"stall"')));
    raw.endInput();
    expect(await raw.waitForExit(15_000)).toEqual({ code: 0, signal: null });
    expect(server.sessions.deleted).toEqual([sessionId]);
    const end = await requestEnd(raw, 'stalled', 1_000);
    expect(end.kind, JSON.stringify(end)).toBe('error');
    if (end.kind === 'error') expect(end.message).toMatch(/shutting down/);
    expect(raw.invalidLines).toEqual([]);
  });

  it("stdin ends right after initialize (`echo '<initialize>' | mcp-auth-bridge <url>`): prints the answer, then exits 0", async () => {
    const server = await startStreamableServer();
    const raw = spawnBridgeRaw([server.url]);
    raw.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'echo-pipe', version: '1' } },
    });
    raw.endInput();
    expect(await raw.waitForExit(15_000)).toEqual({ code: 0, signal: null });
    expect(raw.messages).toHaveLength(1);
    expect(raw.messages[0]).toMatchObject({ id: 1, result: { serverInfo: { name: expect.any(String) } } });
    expect(server.sessions.deleted).toHaveLength(1); // the session it opened was ended, too
    expect(raw.invalidLines).toEqual([]);
  });

  it('on stdin EOF: requests already sent get their answers before the bridge exits', async () => {
    const { raw } = await startedBridge();
    raw.send({ jsonrpc: '2.0', id: 'slow', method: 'tools/call', params: { name: 'slow', arguments: { ms: 1_000, steps: 2 } } });
    raw.send({ jsonrpc: '2.0', id: 'quick', method: 'tools/call', params: { name: 'echo', arguments: { text: 'quick' } } });
    raw.endInput();
    expect(await raw.waitForExit(15_000)).toEqual({ code: 0, signal: null });
    expect(raw.messages.find((m) => 'id' in m && m.id === 'slow')).toMatchObject({ result: { content: [{ text: 'done after 2 steps' }] } });
    expect(raw.messages.find((m) => 'id' in m && m.id === 'quick')).toMatchObject({ result: { content: [{ text: 'quick' }] } });
    expect(raw.invalidLines).toEqual([]);
  });

  it('on stdin EOF while a browser login is pending: answers initialize with an error and exits within seconds', async () => {
    const stack = await startAuthStack();
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', stack.server.url]);
    raw.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'gone', version: '1' } },
    });
    await waitFor('the login URL on stderr', () => loginUrlsIn(raw.stderr())[0], { timeoutMs: 15_000 });
    raw.endInput();
    // --auth-timeout is 20 s here: the bridge must not wait for it once its client is gone.
    expect(await raw.waitForExit(15_000)).toEqual({ code: 0, signal: null });
    const end = await requestEnd(raw, 1, 1_000);
    expect(end.kind, JSON.stringify(end)).toBe('error');
    expect(raw.invalidLines).toEqual([]);
  }, 40_000);

  it('legacy SSE: on stdin EOF closes the stream and exits 0', async () => {
    const server = await startSseServer();
    const raw = spawnBridgeRaw(['--transport', 'sse', server.url]);
    await raw.initialize();
    await raw.request('ping');
    expect(server.sessions.ids).toHaveLength(1);
    raw.endInput();
    expect(await raw.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    await waitFor('the server to see the stream close', () => server.sessions.ids.length === 0);
  });
});
