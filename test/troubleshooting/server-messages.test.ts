// docs/troubleshooting.md, a server answer over --max-server-message-size (a real node:http server that answers a
// tools/call with one SSE event larger than the limit): the documented message in the JSON-RPC error, and the
// bridge goes on serving.
import { describe, expect, it } from 'vitest';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { startHostileServer } from '../helpers/hostile-server.js';
import { requestEnd } from '../helpers/outcomes.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

describe('troubleshooting: server messages', () => {
  it("`the server's answer to … is over the …-byte limit`: one SSE event over --max-server-message-size", async () => {
    const server = await startHostileServer();
    onTeardown(() => server.close());
    const raw = spawnBridgeRaw(['--max-server-message-size', '64kb', server.url]);
    await raw.initialize();
    raw.send({ jsonrpc: '2.0', id: 51, method: 'tools/call', params: { name: 'huge-sse-event', arguments: { bytes: 256 * 1024 } } });
    const end = await requestEnd(raw, 51, 15_000);
    expect(end.kind, JSON.stringify(end)).toBe('error');
    if (end.kind !== 'error') return;
    expectDocumented(end.message, "the server's answer to … is over the …-byte limit");
    expect(end.message).toContain('tools/call');
    expect(end.message).toContain('65536-byte limit');
    expect(end.message).toContain('--max-server-message-size');
    const echo = await raw.request('tools/call', { name: 'echo' }, 10_000);
    expect(echo).toHaveProperty('result.content.0.text', 'still serving');
  });
});
