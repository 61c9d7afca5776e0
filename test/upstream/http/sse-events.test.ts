import { describe, expect, it } from 'vitest';
import { hasIdField, readEvent, readEventBytes, SseEventSplitter } from '../../../src/upstream/http/sse-events.js';

const text = (u: Uint8Array) => Buffer.from(u).toString('utf8');

/**
 * Feeds `input` in every possible two-way split and in single bytes. A CRLF split after an event's CR comes out as
 * that event and then the LF on its own (the bytes stay exactly as sent); it is merged back here for comparison.
 */
function splitEverywhere(input: string): string[][] {
  const bytes = Buffer.from(input);
  const results: string[][] = [];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const s = new SseEventSplitter();
    results.push([...s.push(bytes.subarray(0, cut)), ...s.push(bytes.subarray(cut))].map(text));
  }
  const s = new SseEventSplitter();
  const one: string[] = [];
  for (const b of bytes) one.push(...s.push(Buffer.from([b])).map(text));
  results.push(one);
  return results.map((events) => {
    const merged: string[] = [];
    for (const e of events) {
      if (e === '\n' && merged.length) merged[merged.length - 1] += e;
      else merged.push(e);
    }
    return merged;
  });
}

describe('SseEventSplitter', () => {
  it('splits LF, CRLF and CR streams into whole events, however the chunks fall', () => {
    for (const [input, expected] of [
      ['data: a\n\ndata: b\nid: 1\n\n', ['data: a\n\n', 'data: b\nid: 1\n\n']],
      ['data: a\r\n\r\nevent: x\r\ndata: b\r\n\r\n', ['data: a\r\n\r\n', 'event: x\r\ndata: b\r\n\r\n']],
      ['data: a\r\rdata: b\r\r', ['data: a\r\r', 'data: b\r\r']],
    ] as const) {
      for (const events of splitEverywhere(input)) expect(events).toEqual(expected);
    }
  });

  it('holds an unfinished event and gives it back at the end', () => {
    const s = new SseEventSplitter();
    expect(s.push(Buffer.from('data: a\n\ndata: partial'))).toHaveLength(1);
    expect(text(s.rest()!)).toBe('data: partial');
    expect(s.rest()).toBeUndefined();
  });

  it('handles a megabyte event in 64 KiB chunks', () => {
    const big = `data: ${'x'.repeat(1 << 20)}\n\n`;
    const bytes = Buffer.from(`: comment\n\n${big}data: after\n\n`);
    const s = new SseEventSplitter();
    const events: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 65536) events.push(...s.push(bytes.subarray(i, i + 65536)));
    expect(events.map((e) => e.byteLength)).toEqual([11, Buffer.byteLength(big), 13]);
  });
});

describe('readEvent', () => {
  it('reads event, id and data (joined by LF, one leading space removed), skipping comments', () => {
    expect(readEvent(Buffer.from(': hi\nevent: message\nid: 7\ndata: {"a":\ndata:1}\n\n'))).toEqual({ event: 'message', id: '7', data: '{"a":\n1}' });
    expect(readEvent(Buffer.from('id: 3\r\n\r\n'))).toEqual({ event: undefined, id: '3', data: undefined });
  });
});

describe('hasIdField', () => {
  it('finds id: only at the start of a line', () => {
    expect(hasIdField(Buffer.from('id: 1\ndata: x\n\n'))).toBe(true);
    expect(hasIdField(Buffer.from('data: x\r\nid: 1\r\n\r\n'))).toBe(true);
    expect(hasIdField(Buffer.from('data: {"id:": 1}\n\n'))).toBe(false);
  });
});

describe('readEventBytes', () => {
  const data = (event: string) => {
    const fields = readEventBytes(Buffer.from(event));
    return fields === undefined ? undefined : text(fields.data);
  };

  it('reads an event as readEvent does, its only data line left as bytes', () => {
    for (const event of [
      'data: {"a":1}\n\n',
      'id: 7\nevent: message\ndata: {"a":"é"}\n\n',
      'data:{"a":1}\n\n',
      ': comment\ndata: x\n\n',
      'retry: 300\nid:x\nevent:other\ndata: y\n\n',
    ]) {
      const fields = readEventBytes(Buffer.from(event))!;
      expect({ ...fields, data: text(fields.data) }, event).toEqual(readEvent(Buffer.from(event)));
    }
    expect(data('data\n\n')).toBe('');
  });

  it('gives nothing for several data lines, none, or CR line ends', () => {
    expect(data('data: {"a":\ndata: 1}\n\n')).toBeUndefined();
    expect(data('id: 1\n\n')).toBeUndefined();
    expect(data('data: {"a":1}\r\n\r\n')).toBeUndefined();
    expect(data('database: 1\n\n')).toBeUndefined();
  });
});

describe('readEvent', () => {
  it('decodes UTF-8 and ASCII alike', () => {
    expect(readEvent(Buffer.from('data: {"a":"é €"}\n\n')).data).toBe('{"a":"é €"}');
    expect(readEvent(Buffer.from('retry: 250\ndata: x\n\n')).retry).toBe(250);
  });
});
