/**
 * `serve` in front of one real Streamable HTTP server, driven by the SDK client over Streamable HTTP as an HTTP MCP
 * client would: every kind of message crosses it both ways (calls, sampling and elicitation from the server,
 * progress, cancellation, list_changed), and two clients at once each get their own upstream session and only their
 * own messages.
 */
import { describe, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { useTeardown } from '../helpers/cleanup.js';
import { ELICIT_CONTENT, SAMPLING_MODEL } from '../helpers/client.js';
import { patternText, SAMPLING_PROMPT, startStreamableServer, TEST_TOOL_NAMES } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { connectServeClient, startServe, textOf } from './serve-process.js';

useTeardown();

async function serveOne() {
  const server = await startStreamableServer();
  const serve = await startServe([server.url]);
  return { server, serve };
}

describe('serve <url> over Streamable HTTP', () => {
  it('lists and calls the server\'s tools under their own names', async () => {
    const { serve } = await serveOne();
    const client = await connectServeClient(`${serve.base}/mcp`);
    const { tools } = await client.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TEST_TOOL_NAMES].sort());
    expect(textOf(await client.client.callTool({ name: 'add', arguments: { a: 2, b: 3 } }))).toBe('5');
  });

  it('carries a large answer whole', async () => {
    const { serve } = await serveOne();
    const client = await connectServeClient(`${serve.base}/mcp`);
    const text = textOf(await client.client.callTool({ name: 'big', arguments: { bytes: 3_000_000 } }, CallToolResultSchema, { timeout: 30_000 }));
    expect(text).toHaveLength(3_000_000);
    expect(text).toBe(patternText(3_000_000));
  });

  it('carries sampling and elicitation requests from the server to the HTTP client and their answers back', async () => {
    const { serve } = await serveOne();
    const client = await connectServeClient(`${serve.base}/mcp`);
    expect(textOf(await client.client.callTool({ name: 'sample', arguments: {} }))).toBe(`${SAMPLING_MODEL}: sampled: ${SAMPLING_PROMPT}`);
    expect(JSON.parse(textOf(await client.client.callTool({ name: 'elicit', arguments: {} })))).toEqual({ action: 'accept', content: ELICIT_CONTENT });
    expect(client.serverRequests).toEqual(['sampling/createMessage', 'elicitation/create']);
  });

  it('delivers progress on the call it belongs to', async () => {
    const { serve } = await serveOne();
    const client = await connectServeClient(`${serve.base}/mcp`);
    const seen: number[] = [];
    const result = await client.client.callTool({ name: 'slow', arguments: { ms: 300, steps: 3 } }, CallToolResultSchema, {
      onprogress: (p) => seen.push(p.progress),
      timeout: 20_000,
    });
    expect(textOf(result)).toBe('done after 3 steps');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('passes a cancellation on to the server', async () => {
    const { server, serve } = await serveOne();
    const client = await connectServeClient(`${serve.base}/mcp`);
    const abort = new AbortController();
    const call = client.client.callTool({ name: 'stall', arguments: {} }, CallToolResultSchema, { signal: abort.signal });
    await waitFor('the call to reach the server', () => server.requests.some((r) => r.body.includes('"stall"')));
    abort.abort('user gave up');
    await expect(call).rejects.toThrow();
    await waitFor('notifications/cancelled to reach the server', () => server.requests.some((r) => r.body.includes('notifications/cancelled')), { timeoutMs: 15_000 });
  });

  it('passes the server\'s notifications on: a log message and tools/list_changed', async () => {
    const { serve } = await serveOne();
    const client = await connectServeClient(`${serve.base}/mcp`);
    await client.client.callTool({ name: 'notify', arguments: {} });
    // They come on two upstream streams (the call's and the session's), so in either order.
    const methods = await waitFor(
      'the log message and tools/list_changed at the client',
      () => {
        const seen = client.notifications.map((n) => n.method).sort();
        return seen.length >= 2 && seen;
      },
      { timeoutMs: 15_000 },
    );
    expect(methods).toEqual(['notifications/message', 'notifications/tools/list_changed']);
  });

  it('gives two clients at once their own upstream sessions, and neither sees the other\'s messages', async () => {
    const { server, serve } = await serveOne();
    const a = await connectServeClient(`${serve.base}/mcp`, 'streamable', 'client-a');
    const b = await connectServeClient(`${serve.base}/mcp`, 'streamable', 'client-b');
    const [sa, sb] = await Promise.all([a.client.callTool({ name: 'session', arguments: {} }), b.client.callTool({ name: 'session', arguments: {} })]);
    expect(textOf(sa)).not.toBe(textOf(sb));
    expect(server.sessions.created).toBeGreaterThanOrEqual(3); // the two clients' and /readyz's own
    const echoes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).client.callTool({ name: 'echo', arguments: { text: `${i % 2 === 0 ? 'a' : 'b'}-${i}` } })),
    );
    echoes.forEach((r, i) => expect(textOf(r)).toBe(`${i % 2 === 0 ? 'a' : 'b'}-${i}`));
    await a.client.callTool({ name: 'notify', arguments: {} });
    await waitFor('A to get its list_changed', () => a.notifications.some((n) => n.method === 'notifications/tools/list_changed'), { timeoutMs: 15_000 });
    await b.client.ping();
    expect(b.notifications.filter((n) => n.method === 'notifications/tools/list_changed' || n.method === 'notifications/message')).toEqual([]);
  });
});
