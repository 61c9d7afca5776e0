/**
 * The answer to a POST of a client that accepts only event streams (MCP 2025-11-25, "Sending Messages to the
 * Server"): one well-formed event stream — its headers, a priming event for a 2025-11-25 client, the response as
 * one `message` event, and then the end of the stream — whether the response is small or large (a large one is
 * relayed as the server's bytes, framed in one write), and whether it comes at once or after progress.
 */
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer } from '../helpers/servers.js';
import { MCP_POST_HEADERS, openRawSession, rawHttp } from './raw-http.js';
import { startServe } from './serve-process.js';

useTeardown();

const call = (id: number, name: string, args: Record<string, unknown>, token?: string) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...(token ? { _meta: { progressToken: token } } : {}) } });

/** The events of a whole event stream: each block's fields. */
function blocks(text: string): Array<Record<string, string>> {
  return text
    .split('\n\n')
    .filter((b) => b !== '')
    .map((b) => Object.fromEntries(b.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)])));
}

describe('serve: the event stream that answers a POST', () => {
  it('is whole for a client that accepts only event streams: priming, the response, the end', async () => {
    const upstream = await startStreamableServer();
    const serve = await startServe([upstream.url, '--allow-http']);
    const id = await openRawSession(serve.port);
    const post = (body: string, version: string) =>
      rawHttp({ port: serve.port, method: 'POST', path: '/mcp', headers: { ...MCP_POST_HEADERS, accept: 'text/event-stream', 'mcp-session-id': id, 'mcp-protocol-version': version }, body, streamMs: 15_000 });

    for (const [n, name, args, token] of [
      [81, 'echo', { text: 'small' }, undefined],
      [82, 'big', { bytes: 300 * 1024 }, undefined],
      [83, 'slow', { ms: 300, steps: 2 }, 'tok-83'],
    ] as const) {
      const answer = await post(call(n, name, args, token), '2025-11-25');
      // The stream ended by itself (rawHttp reads until the end, or 15 s): it carries the response and then ends.
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('text/event-stream');
      expect(answer.text.endsWith('\n\n')).toBe(true);
      const events = blocks(answer.text);
      expect(events[0]).toMatchObject({ data: '', retry: expect.stringMatching(/^\d+$/) });
      const last = events[events.length - 1]!;
      const response = JSON.parse(last.data!) as { id: number; result: { content: Array<{ text: string }> } };
      expect(response.id).toBe(n);
      if (name === 'big') expect(response.result.content[0]!.text).toHaveLength(300 * 1024);
      if (name === 'slow') expect(events.filter((e) => e.data?.includes('tok-83'))).toHaveLength(2);
      expect(events.every((e) => e.id !== undefined)).toBe(true);
    }

    // A client before 2025-11-25: no priming event, no ids; the same response and end.
    const older = await post(call(84, 'big', { bytes: 300 * 1024 }), '2025-06-18');
    const events = blocks(older.text);
    expect(events.map((e) => e.event)).toEqual(['message']);
    expect((JSON.parse(events[0]!.data!) as { id: number }).id).toBe(84);
  });
});
