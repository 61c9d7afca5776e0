/**
 * Resuming the standalone GET stream of a 2025-11-25 session through `serve` (MCP 2025-11-25, "Streamable HTTP" →
 * "Resumability and Redelivery"): the GET stream opens with a priming event and numbers its events; a client whose
 * GET connection dropped reconnects with GET and `Last-Event-ID` and gets what came after that event — what was
 * written to the dropped connection and what came while no stream was open — nothing twice, nothing lost; an event id
 * of another session replays nothing.
 */
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { MCP_POST_HEADERS, openEventStream, openRawSession, rawHttp, type OpenStream } from './raw-http.js';
import { startServe, type ServeProcess } from './serve-process.js';

useTeardown();

const VERSION = { 'mcp-protocol-version': '2025-11-25' };

/** The `notify` tool: the server sends a log message and a tools/list_changed, which go on the GET stream. */
const notify = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'notify', arguments: {} } });

/** The events of an event stream's text that carry a message: their ids and JSON. */
function events(text: string): Array<{ id: string | undefined; data: string }> {
  return text
    .split('\n\n')
    .map((block) => ({ id: /^id: (\S+)$/m.exec(block)?.[1], data: /^data: (.+)$/m.exec(block)?.[1] ?? '' }))
    .filter((e) => e.data.startsWith('{'));
}

const count = (s: OpenStream, what: string) => events(s.text()).filter((e) => e.data.includes(what)).length;
const listChanged = (s: OpenStream) => count(s, 'notifications/tools/list_changed');
/** Whether both messages of `n` notify calls arrived on `s` (the log message may come after the list_changed). */
const notified = (s: OpenStream, n: number) => listChanged(s) >= n && count(s, 'hello from notify') >= n;

async function session(serve: ServeProcess) {
  const id = await openRawSession(serve.port);
  /** Calls `notify`, answered as plain JSON (so nothing it sends goes on its own answer). */
  const call = async (n: number) => {
    const answer = await rawHttp({ port: serve.port, method: 'POST', path: '/mcp', headers: { ...MCP_POST_HEADERS, ...VERSION, accept: 'application/json', 'mcp-session-id': id }, body: notify(n) });
    expect(JSON.parse(answer.text)).toMatchObject({ id: n, result: { content: [{ text: 'notified' }] } });
  };
  const get = (headers: Record<string, string> = {}) => openEventStream(serve.port, '/mcp', { ...VERSION, 'mcp-session-id': id, ...headers });
  return { id, call, get };
}

async function primed(stream: OpenStream): Promise<string> {
  return waitFor('the priming event', () => /^id: (\S+)\nretry: \d+\ndata: \n\n/.exec(stream.text())?.[1], { timeoutMs: 15_000 });
}

describe('serve: resuming the GET stream (Last-Event-ID)', () => {
  it('delivers what was sent while the GET stream was down after the client reconnects with Last-Event-ID, nothing twice', async () => {
    const upstream = await startStreamableServer();
    const serve = await startServe([upstream.url, '--allow-http']);
    const s = await session(serve);
    const first = s.get();
    await primed(first);
    await s.call(11);
    await waitFor('the notifications on the first GET stream', () => notified(first, 1), { timeoutMs: 15_000 });
    const seen = events(first.text());
    expect(seen).toHaveLength(2);
    expect(seen.every((e) => e.id !== undefined)).toBe(true);
    const last = seen[seen.length - 1]!.id!;
    first.close();

    // Sent while the GET stream is down (or going down: the server may not have seen the drop yet).
    await s.call(12);
    await s.call(13);

    const second = s.get({ 'last-event-id': last });
    await waitFor('the later notifications on the resumed stream', () => notified(second, 2), { timeoutMs: 15_000 });
    const resumed = events(second.text());
    // Exactly what the two later calls sent, once each, and nothing the first stream had already delivered.
    const sorted = (list: string[]) => [...list].sort();
    expect(sorted(resumed.map((e) => e.data))).toEqual(sorted([...seen, ...seen].map((e) => e.data)));
    expect(resumed.filter((e) => seen.some((f) => f.id === e.id))).toEqual([]);
    expect(second.status()).toBe(200);
  });

  it('replays, from the Last-Event-ID the client names, what the dropped connection carried after it', async () => {
    const upstream = await startStreamableServer();
    const serve = await startServe([upstream.url, '--allow-http']);
    const s = await session(serve);
    const first = s.get();
    const priming = await primed(first);
    await s.call(21);
    await waitFor('the notifications on the first GET stream', () => notified(first, 1), { timeoutMs: 15_000 });
    const carried = events(first.text());
    first.close();

    // The client says it saw only the priming event: everything after it comes again, with the same ids.
    const second = s.get({ 'last-event-id': priming });
    await waitFor('the replay', () => notified(second, 1), { timeoutMs: 15_000 });
    expect(events(second.text())).toEqual(carried);

    // The stream goes on after the replay, with new ids.
    await s.call(22);
    await waitFor('the next notifications', () => notified(second, 2), { timeoutMs: 15_000 });
    const ids = events(second.text()).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('takes over from a GET stream the server still thinks open, instead of refusing the reconnection with 409', async () => {
    const upstream = await startStreamableServer();
    const serve = await startServe([upstream.url, '--allow-http']);
    const s = await session(serve);
    const first = s.get();
    const priming = await primed(first);
    // The client gave up on the first connection without closing it.
    const second = s.get({ 'last-event-id': priming });
    await waitFor('the resumed stream to open', () => second.status() !== undefined, { timeoutMs: 15_000 });
    expect(second.status()).toBe(200);
    await s.call(31);
    await waitFor('list_changed on the resumed stream', () => listChanged(second) === 1, { timeoutMs: 15_000 });
    expect(listChanged(first)).toBe(0);
  });

  it('replays nothing for an event id of another session', async () => {
    const upstream = await startStreamableServer();
    const serve = await startServe([upstream.url, '--allow-http']);
    const a = await session(serve);
    const getA = a.get();
    const primingA = await primed(getA);
    await a.call(41);
    await waitFor('list_changed on A\'s GET stream', () => listChanged(getA) === 1, { timeoutMs: 15_000 });
    const idsOfA = [primingA, ...events(getA.text()).map((e) => e.id!)];

    for (const [i, last] of [primingA, idsOfA[1]!].entries()) {
      // Session B's GET stream has events of its own before it drops.
      const b = await session(serve);
      const firstB = b.get();
      await primed(firstB);
      await b.call(50 + i);
      await waitFor('list_changed on B\'s GET stream', () => listChanged(firstB) === 1, { timeoutMs: 15_000 });
      const idsOfB = events(firstB.text()).map((e) => e.id);
      firstB.close();

      // B reconnects naming one of A's events: neither A's events nor B's earlier ones come back; B's stream goes on.
      const getB = await reopen(b, last);
      await b.call(60 + i);
      await waitFor('B\'s own new list_changed', () => listChanged(getB) === 1, { timeoutMs: 15_000 });
      const seen = events(getB.text());
      expect(seen.filter((e) => idsOfA.includes(e.id!) || idsOfB.includes(e.id))).toEqual([]);
      expect(seen.filter((e) => e.data.includes('list_changed'))).toHaveLength(1);
    }
  });
});

/**
 * Opens the GET stream again with `last` as Last-Event-ID; while the server has not yet seen the old connection
 * drop it answers 409 (a stream is open), and the client tries again (bounded).
 */
async function reopen(s: Awaited<ReturnType<typeof session>>, last: string): Promise<OpenStream> {
  return waitFor(
    'the GET stream to open again',
    async () => {
      const stream = s.get({ 'last-event-id': last });
      const status = await waitFor('an answer to the GET', () => stream.status(), { timeoutMs: 15_000 });
      if (status === 200) return stream;
      expect(status).toBe(409);
      stream.close();
      return undefined;
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  );
}
