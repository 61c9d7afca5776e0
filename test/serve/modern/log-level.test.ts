/**
 * A 2026-07-28 request says in `_meta` which log messages it wants (MCP 2026-07-28: no `logging/setLevel`, a
 * `logLevel` per request). Through serve in front of a 2025 server, whose sessions log before any level is set: a
 * request without a level gets its answer alone, as JSON; one with a level gets the server's log message on a stream
 * scoped to the request, before its answer.
 */
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../../helpers/cleanup.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { startServe } from '../serve-process.js';
import { meta2026 } from './client-2026.js';

useTeardown();

async function callNotify(url: string, logLevel: string | undefined) {
  const meta = { ...meta2026(), ...(logLevel ? { 'io.modelcontextprotocol/logLevel': logLevel } : {}) };
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'notify' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'notify', arguments: {}, _meta: meta } }),
    signal: AbortSignal.timeout(20_000),
  });
  return { type: response.headers.get('content-type') ?? '', text: await response.text() };
}

describe('log messages for 2026-07-28 clients of serve', () => {
  it('sends a call\'s log messages only when its _meta names a level', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url]);
    const url = `${serve.base}/mcp`;
    const quiet = await callNotify(url, undefined);
    expect(quiet.type).toMatch(/^application\/json/);
    expect(JSON.parse(quiet.text)).toMatchObject({ id: 5, result: { content: [{ text: 'notified' }], resultType: 'complete' } });
    const loud = await callNotify(url, 'info');
    expect(loud.type).toMatch(/^text\/event-stream/);
    const events = [...loud.text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as { method?: string; id?: number; params?: { data?: unknown } });
    expect(events.map((e) => e.method ?? `answer ${e.id}`)).toEqual(['notifications/message', 'answer 5']);
    expect(events[0]!.params?.data).toBe('hello from notify');
  });
});
