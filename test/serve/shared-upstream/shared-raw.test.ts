/**
 * `"sessions": "shared"` with a careless client: renamed for the shared server, a request id the session still
 * waits on would no longer collide there, so serve refuses its reuse itself, as a Bridge of the session's own would
 * (`request id … is already in use`), and the other request still gets its answer. Over legacy SSE, whose endpoint
 * (unlike Streamable HTTP's) leaves that check to what stands behind it; the SDK's transport, driven by hand.
 */
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { waitFor } from '../../helpers/wait.js';
import { ALICE, startSharedServe } from './shared-serve.js';

useTeardown();

describe.skipIf(process.platform === 'win32')('serve, "sessions": "shared", a careless client', () => {
  it('refuses a request id the session still waits on', { timeout: 60_000 }, async () => {
    const serve = await startSharedServe();
    const headers = { authorization: `Bearer ${ALICE}` };
    const transport = new SSEClientTransport(new URL(`${serve.base}/servers/tool/sse`), {
      requestInit: { headers },
      eventSourceInit: { fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
    });
    onTeardown(() => transport.close());
    const got: Array<Record<string, unknown>> = [];
    transport.onmessage = (message: JSONRPCMessage) => void got.push(message as unknown as Record<string, unknown>);
    await transport.start();
    const answersTo = (id: number) => got.filter((m) => m.id === id && !('method' in m));
    await transport.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'careless', version: '1' } } });
    await waitFor('the initialize answer', () => answersTo(1).length === 1, { timeoutMs: 20_000 });
    await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' });

    for (const tag of ['first', 'second']) {
      await transport.send({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'slow', arguments: { tag, ms: 1_000 } } });
    }
    await waitFor('both answers to id 7', () => answersTo(7).length === 2, { timeoutMs: 20_000 });
    const texts = answersTo(7).map((m) => JSON.stringify(m));
    expect(texts.filter((t) => t.includes('request id 7 is already in use'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('"text":"first"'))).toHaveLength(1);
  });
});
