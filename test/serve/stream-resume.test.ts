/**
 * SSE polling through `serve` (MCP 2025-11-25, "Resumability and Redelivery", SEP-1699; the conformance suite's
 * server-sse-polling scenario): a POST stream for a 2025-11-25 client opens with a priming event (an id, empty data
 * and a `retry` interval) and numbers its events, and a client whose connection drops mid-call reconnects with GET
 * and `Last-Event-ID` and gets what it missed on that stream — nothing twice, nothing of another stream.
 */
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer } from '../helpers/servers.js';
import { MCP_POST_HEADERS, openRawSession, rawHttp } from './raw-http.js';
import { startServe } from './serve-process.js';

useTeardown();

const call = (id: number, name: string, args: Record<string, unknown>, token?: string) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...(token ? { _meta: { progressToken: token } } : {}) } });

async function session() {
  const server = await startStreamableServer();
  const serve = await startServe([server.url]);
  const id = await openRawSession(serve.port);
  const post = (body: string, until: RegExp, version: string) =>
    rawHttp({ port: serve.port, method: 'POST', path: '/mcp', headers: { ...MCP_POST_HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': version }, body, until, streamMs: 15_000 });
  return { serve, id, post };
}

/** The ids of the events in an event stream's text, in order. */
const eventIds = (text: string) => [...text.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]!);

describe('serve: SSE polling (resumable POST streams)', () => {
  it('opens a 2025-11-25 client\'s POST stream with a priming event and a retry interval, and never an older client\'s', async () => {
    const { post } = await session();
    const modern = await post(call(61, 'slow', { ms: 400, steps: 1 }), /"id":61/, '2025-11-25');
    expect(modern.headers['content-type']).toBe('text/event-stream');
    // The first event: an id and empty data, with the retry interval.
    expect(modern.text).toMatch(/^id: \S+\nretry: \d+\ndata: \n\n/);
    // The response has an id of its own, after the priming one.
    expect(eventIds(modern.text)).toHaveLength(2);
    expect(new Set(eventIds(modern.text)).size).toBe(2);

    // A 2025-06-18 client cannot parse an event with empty data: none, and no ids.
    const older = await post(call(62, 'slow', { ms: 400, steps: 1 }), /"id":62/, '2025-06-18');
    expect(older.headers['content-type']).toBe('text/event-stream');
    expect(older.text).not.toMatch(/^(id|retry):/m);
    expect(older.text).toContain('"id":62');
  });

  it('gives a client whose POST stream dropped mid-call what it missed when it reconnects with Last-Event-ID', async () => {
    const { serve, id, post } = await session();
    // Read up to the first progress event, then drop the connection while the tool still runs.
    const first = await post(call(71, 'slow', { ms: 1500, steps: 3 }, 'tok-r'), /"progress":1/, '2025-11-25');
    expect(first.text).toContain('"progress":1');
    expect(first.text).not.toContain('"id":71');
    const seen = eventIds(first.text);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    const last = seen[seen.length - 1]!;

    const resumed = await rawHttp({
      port: serve.port,
      path: '/mcp',
      headers: { accept: 'text/event-stream', 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25', 'last-event-id': last },
      until: /"id":71/,
      streamMs: 15_000,
    });
    expect(resumed.status).toBe(200);
    // The rest of that stream: progress 2 and 3 and the response, each once, with ids after the last one seen.
    expect(resumed.text).toContain('"progress":2');
    expect(resumed.text).toContain('"progress":3');
    expect(resumed.text).toContain('"id":71');
    expect(resumed.text).toContain('done after 3 steps');
    expect(resumed.text).not.toContain('"progress":1,');
    expect(resumed.text.match(/"progress":2/g)).toHaveLength(1);
    for (const eventId of eventIds(resumed.text)) expect(seen).not.toContain(eventId);
  });

  it('keeps the response of a dropped stream that arrived before the client came back, and ends the resumed stream with it', async () => {
    const { serve, id, post } = await session();
    const first = await post(call(81, 'slow', { ms: 300, steps: 3 }, 'tok-late'), /"progress":1/, '2025-11-25');
    const seen = eventIds(first.text);
    // The client comes back after the call is over (a client's retry interval; not an assertion).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const resumed = await rawHttp({
      port: serve.port,
      path: '/mcp',
      headers: { accept: 'text/event-stream', 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25', 'last-event-id': seen[seen.length - 1]! },
      streamMs: 15_000,
    });
    expect(resumed.status).toBe(200);
    expect(resumed.text).toContain('"progress":3');
    expect(resumed.text).toContain('"id":81');
    // Everything was delivered: the stream is not resumable any more, a GET with that id is an ordinary GET stream.
    const again = await rawHttp({
      port: serve.port,
      path: '/mcp',
      headers: { accept: 'text/event-stream', 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25', 'last-event-id': seen[seen.length - 1]! },
      streamMs: 500,
    });
    expect(again.status).toBe(200);
    expect(again.text).not.toContain('"id":81');
  });

  it('never replays another session\'s stream: its event ids mean nothing in this one', async () => {
    const a = await session();
    const first = await a.post(call(91, 'slow', { ms: 1200, steps: 3 }, 'tok-a'), /"progress":1/, '2025-11-25');
    const last = eventIds(first.text).at(-1)!;
    const other = await openRawSession(a.serve.port);
    const elsewhere = await rawHttp({
      port: a.serve.port,
      path: '/mcp',
      headers: { accept: 'text/event-stream', 'mcp-session-id': other, 'mcp-protocol-version': '2025-11-25', 'last-event-id': last },
      streamMs: 2_500,
    });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.text).not.toMatch(/tok-a|"id":91/);
  });

  it('tells a client resuming a stream of its session that the session no longer has that the request\'s answer is lost, once', async () => {
    const { serve, id, post } = await session();
    const done = await post(call(95, 'slow', { ms: 100, steps: 1 }), /"id":95/, '2025-11-25');
    const tag = eventIds(done.text)[0]!.split('.')[0]!;
    // A stream of this session that this instance never carried (another instance did, and stopped), for request 96.
    const unknown = `${tag}.s42.r${Buffer.from('96').toString('hex')}-3`;
    const resume = (lastEventId: string) => rawHttp({
      port: serve.port,
      path: '/mcp',
      headers: { accept: 'text/event-stream', 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25', 'last-event-id': lastEventId },
      streamMs: 1_500,
    });
    const told = await resume(unknown);
    expect(told.status).toBe(200);
    expect(told.text).toMatch(/"id":96,"error":\{"code":-32000,.*"data":\{"code":"STREAM_LOST"\}/);
    // Once: the same resumption again is an ordinary GET stream, so a client does not loop on the answer.
    const again = await resume(unknown);
    expect(again.status).toBe(200);
    expect(again.text).not.toContain('"id":96');
    // A stream whose answer was delivered is not lost: resuming it tells nothing.
    const delivered = await resume(eventIds(done.text).at(-1)!);
    expect(delivered.text).not.toContain('STREAM_LOST');
  });
});
