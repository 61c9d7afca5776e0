import { describe, expect, it } from 'vitest';
import { LineFramer, recoverRequestId } from '../../../src/front/stdio/line-framer.js';

const b = (s: string) => Buffer.from(s);

describe('LineFramer', () => {
  it('splits lines across chunk boundaries and strips CR', () => {
    const f = new LineFramer({ maxLineBytes: 100 });
    expect(f.push(b('{"a":'))).toEqual([]);
    expect(f.push(b('1}\r\n{"b":2}\n{"c"'))).toEqual([
      { kind: 'line', text: '{"a":1}' },
      { kind: 'line', text: '{"b":2}' },
    ]);
    expect(f.pending).toBe(true);
    expect(f.push(b(':3}\n'))).toEqual([{ kind: 'line', text: '{"c":3}' }]);
    expect(f.pending).toBe(false);
  });

  it('skips blank lines', () => {
    const f = new LineFramer({ maxLineBytes: 100 });
    expect(f.push(b('\n  \n\r\n{"x":1}\n'))).toEqual([{ kind: 'line', text: '{"x":1}' }]);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const f = new LineFramer({ maxLineBytes: 100 });
    const bytes = b('{"t":"é✓"}\n');
    expect([...f.push(bytes.subarray(0, 7)), ...f.push(bytes.subarray(7))]).toEqual([{ kind: 'line', text: '{"t":"é✓"}' }]);
  });

  it('reports an oversize line once, with its size, and resumes at the next line', () => {
    const f = new LineFramer({ maxLineBytes: 10 });
    const first = '{"id":7,"method":"x","params":';
    const second = '"' + 'y'.repeat(5000) + '"}';
    const frames = [...f.push(b(first)), ...f.push(b(`${second}\n{"ok":1}\n`))];
    expect(frames).toHaveLength(2);
    const [over, next] = frames;
    expect(over).toMatchObject({ kind: 'oversize', bytes: first.length + second.length, head: expect.stringContaining('"id":7') });
    expect(next).toEqual({ kind: 'line', text: '{"ok":1}' });
  });

  it('accepts a line of exactly the limit', () => {
    const f = new LineFramer({ maxLineBytes: 7 });
    expect(f.push(b('{"a":1}\n'))).toEqual([{ kind: 'line', text: '{"a":1}' }]);
  });
});

describe('recoverRequestId', () => {
  it('finds the id first, after jsonrpc, or last', () => {
    expect(recoverRequestId('{"id":5,"method":"tools/call","params":{"a', '')).toBe(5);
    expect(recoverRequestId('{"jsonrpc":"2.0","id":"a-1","method":"x"', '')).toBe('a-1');
    expect(recoverRequestId('{"method":"tools/call","params":{"x":"', 'xxx"}},"jsonrpc":"2.0","id":42}')).toBe(42);
    expect(recoverRequestId('{"method":"x","params":{"', 'x"},"id":9,"jsonrpc":"2.0"}')).toBe(9);
  });

  it('gives nothing for a response or a nested id', () => {
    expect(recoverRequestId('{"jsonrpc":"2.0","id":3,"result":{"', '"}}')).toBeUndefined();
    expect(recoverRequestId('{"method":"x","params":{"id":3,"y":"', 'zz"}}')).toBeUndefined();
  });
});
