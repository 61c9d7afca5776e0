// docs/troubleshooting.md, requests through a connected bridge (a real Streamable HTTP MCP server with the test
// tools): a tool slower than --request-timeout, a response stream the server drops before answering, and a client
// message over --max-message-size. Each checks the documented message in the JSON-RPC error or on stderr, and that
// the bridge goes on serving.
import { describe, expect, it } from 'vitest';
import { spawnBridgeRaw, type RawBridge } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { requestEnd } from '../helpers/outcomes.js';
import { startStreamableServer, type StreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

async function connected(args: string[] = []): Promise<{ server: StreamableServer; raw: RawBridge }> {
  const server = await startStreamableServer();
  const raw = spawnBridgeRaw([...args, server.url]);
  const init = await raw.initialize();
  expect('result' in init, JSON.stringify(init)).toBe(true);
  return { server, raw };
}

async function stillServing(raw: RawBridge): Promise<void> {
  const answer = await raw.request('tools/call', { name: 'echo', arguments: { text: 'still here' } }, 10_000);
  expect(answer).toMatchObject({ result: { content: [{ type: 'text', text: 'still here' }] } });
}

describe('troubleshooting: requests', () => {
  it('`did not answer tools/call within … (--request-timeout)`: a tool slower than the limit', async () => {
    const { raw } = await connected(['--request-timeout', '1s']);
    raw.send({ jsonrpc: '2.0', id: 41, method: 'tools/call', params: { name: 'stall', arguments: {} } });
    const end = await requestEnd(raw, 41, 10_000);
    expect(end.kind, JSON.stringify(end)).toBe('error');
    if (end.kind !== 'error') return;
    expectDocumented(end.message, 'did not answer tools/call within');
    expect(end.message).toContain('1000 ms');
    await stillServing(raw);
  });

  it('`the connection to the server closed before it answered`: the server drops the stream of a pending tools/call', async () => {
    const { server, raw } = await connected();
    raw.send({ jsonrpc: '2.0', id: 42, method: 'tools/call', params: { name: 'stall', arguments: {} } });
    await waitFor('the tools/call stream open at the server', () =>
      server.requests.find((r) => r.method === 'POST' && r.rpc.includes('tools/call') && r.status !== undefined && !r.done),
    );
    expect(server.dropStreams('post')).toBeGreaterThanOrEqual(1);
    const end = await requestEnd(raw, 42, 10_000);
    expect(end.kind, JSON.stringify(end)).toBe('error');
    if (end.kind !== 'error') return;
    expectDocumented(end.message, 'the connection to the server closed before it answered');
    expect(end.message).toMatch(/may or may not have been carried out/); // "retry if the call is safe to repeat"
    await stillServing(raw);
  });

  it('`dropped a …-byte message from the client`: a line over --max-message-size is dropped, logged, and answered', async () => {
    const { raw } = await connected(['--max-message-size', '1kb']);
    const big = JSON.stringify({ jsonrpc: '2.0', id: 43, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x'.repeat(4096) } } });
    raw.sendLine(big);
    const line = await waitFor('the stderr line about the dropped message', () => /^.*dropped a .*-byte message from the client.*$/m.exec(raw.stderr())?.[0]);
    expectDocumented(line, 'dropped a …-byte message from the client');
    expect(line).toContain(`dropped a ${Buffer.byteLength(big)}-byte message`);
    expect(line).toContain('--max-message-size');
    const end = await requestEnd(raw, 43, 10_000);
    expect(end.kind, JSON.stringify(end)).toBe('error');
    await stillServing(raw);
  });
});
