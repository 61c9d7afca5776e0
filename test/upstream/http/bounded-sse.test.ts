// The size-bounded SSE splitter and the reading of an oversize message's ends, on their own (pure code).
import { describe, expect, it } from 'vitest';
import { BoundedEventSplitter, type SseItem, type SseOversize } from '../../../src/upstream/http/bounded-sse.js';
import { dataOfEventHead, looksLikeMethodMessage, responseIdOf } from '../../../src/upstream/http/server-message-limit.js';

const text = (item: SseItem) => (item instanceof Uint8Array ? Buffer.from(item).toString('utf8') : item);
const feed = (s: BoundedEventSplitter, parts: string[]) => parts.flatMap((p) => s.push(Buffer.from(p))).map(text);

describe('BoundedEventSplitter', () => {
  it('hands out events within the bound unchanged', () => {
    const s = new BoundedEventSplitter({ maxEventBytes: 64 });
    expect(feed(s, ['data: a\n\nda', 'ta: b\n\n'])).toEqual(['data: a\n\n', 'data: b\n\n']);
  });

  it('reports an event that grows past the bound at once, drops its middle, and reports its end', () => {
    const s = new BoundedEventSplitter({ maxEventBytes: 100 });
    const items = feed(s, ['data: {"result":', 'x'.repeat(80), 'x'.repeat(1000), '"id":7}\n\ndata: next\n\n']);
    const [start, end, next] = items as [SseOversize, SseOversize, string];
    expect(start).toMatchObject({ kind: 'oversize', phase: 'start' });
    expect(start.bytes).toBeGreaterThan(100);
    expect(start.head.startsWith('data: {"result":')).toBe(true);
    expect(end).toMatchObject({ kind: 'oversize', phase: 'end', bytes: 16 + 80 + 1000 + 9 });
    expect(end.tail.endsWith('"id":7}\n\n')).toBe(true);
    expect(next).toBe('data: next\n\n');
  });

  it('holds at most about one chunk while a line never ends', () => {
    const s = new BoundedEventSplitter({ maxEventBytes: 1024 });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const reports = s.push(Buffer.from('data: '));
    for (let i = 0; i < 200; i++) reports.push(...s.push(chunk));
    expect(reports.filter((r) => !(r instanceof Uint8Array))).toHaveLength(1);
    const end = s.rest() as SseOversize;
    expect(end).toMatchObject({ phase: 'end', bytes: 6 + 200 * chunk.length });
  });

  it('reports a whole oversize event inside one chunk as start and end', () => {
    const s = new BoundedEventSplitter({ maxEventBytes: 10 });
    const items = feed(s, ['data: 0123456789abcdef\n\ndata: ok\n\n']);
    expect(items.map((i) => (typeof i === 'string' ? i : `${i.phase}:${i.bytes}`))).toEqual(['start:24', 'end:24', 'data: ok\n\n']);
  });
});

describe('reading an oversize message by its ends', () => {
  it('finds the id of a response written result-first (as the SDK writes) or id-first', () => {
    expect(responseIdOf('{"result":{"content":[{"type":"text","text":"xxx', 'xx"}]},"jsonrpc":"2.0","id":42}')).toBe(42);
    expect(responseIdOf('{"jsonrpc":"2.0","id":"a-1","result":{"x":"', 'yyy"}}')).toBe('a-1');
    expect(responseIdOf('{"jsonrpc":"2.0","id":"a-1","error":{"code":1,"message":"', '"}}')).toBe('a-1');
  });

  it('does not take a request or notification for a response', () => {
    expect(responseIdOf('{"method":"sampling/createMessage","params":{"x":"', '"},"jsonrpc":"2.0","id":3}')).toBeUndefined();
    expect(looksLikeMethodMessage('{"jsonrpc":"2.0","method":"notifications/message","params":')).toBe(true);
    expect(looksLikeMethodMessage('{"result":{"method":"x"}')).toBe(false);
  });

  it('reads the JSON after the data field of an event head', () => {
    expect(dataOfEventHead('id: 5\nevent: message\ndata: {"result":')).toBe('{"result":');
    expect(dataOfEventHead('data:{"a"')).toBe('{"a"');
  });
});
