import { describe, expect, it } from 'vitest';
import { scanResponse } from '../../../src/upstream/http/json-bytes.js';

const scan = (text: string, depth = 1000) => scanResponse(Buffer.from(text), depth);

describe('scanResponse', () => {
  it('accepts a result response and gives its id', () => {
    expect(scan('{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"a\\"b\\\\c\\u00e9 é"}]}}')).toEqual({ kind: 'result', id: 7 });
    expect(scan(' {\n "result" : [1, -2.5e+3, 0, true, false, null, {}, []], "id" : "x", "jsonrpc" : "2.0" }\t')).toEqual({ kind: 'result', id: 'x' });
    expect(scan('{"jsonrpc":"2.0","\\u0069d":3,"result":{}}')).toEqual({ kind: 'result', id: 3 });
  });

  it('leaves other shapes to JSON.parse', () => {
    for (const text of [
      '{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"x"}}',
      '{"jsonrpc":"2.0","id":1,"result":{},"error":{}}',
      '{"jsonrpc":"2.0","id":1,"method":"x","result":{}}',
      '{"jsonrpc":"1.0","id":1,"result":{}}',
      '{"jsonrpc":"2.0","id":1.5,"result":{}}',
      '{"jsonrpc":"2.0","id":null,"result":{}}',
      '[{"jsonrpc":"2.0","id":1,"result":{}}]',
    ]) {
      expect(scan(text), text).toEqual({ kind: 'other' });
    }
  });

  it('rejects what JSON.parse rejects', () => {
    const valid = '{"jsonrpc":"2.0","id":1,"result":{"a":[1,2]}}';
    for (const text of [
      '{"jsonrpc":"2.0","id":1,"result":{"a":"x\ty"}}',
      '{"jsonrpc":"2.0","id":1,"result":{"a":"\\x"}}',
      '{"jsonrpc":"2.0","id":1,"result":{"a":"\\u12g4"}}',
      '{"jsonrpc":"2.0","id":1,"result":{"a":01}}',
      '{"jsonrpc":"2.0","id":1,"result":{"a":1.}}',
      '{"jsonrpc":"2.0","id":1,"result":{"a":-}}',
      '{"jsonrpc":"2.0","id":1,"result":{"a":1e}}',
      '{"jsonrpc":"2.0","id":1,"result":{"a":[1,]}}',
      '{"jsonrpc":"2.0","id":1,"result":{"a":1,}}',
      '{"jsonrpc":"2.0","id":1,"result":{"a":tru}}',
      '{"jsonrpc":"2.0","id":1,"result":{a:1}}',
      '{"jsonrpc":"2.0","id":1,"result":{"a":"unterminated}}',
      `${valid} x`,
      `${valid}}`,
      valid.slice(0, -1),
      `\ufeff${valid}`,
    ]) {
      expect(() => JSON.parse(text), text).toThrow();
      expect(scan(text), text).toEqual({ kind: 'other' });
    }
    expect(scan(valid)).toEqual({ kind: 'result', id: 1 });
  });

  it('leaves a result nested deeper than the bound to the usual path', () => {
    const nested = (n: number) => `{"jsonrpc":"2.0","id":1,"result":{"a":${'['.repeat(n)}${']'.repeat(n)}}}`;
    expect(scan(nested(8), 10)).toEqual({ kind: 'result', id: 1 });
    expect(scan(nested(9), 10)).toEqual({ kind: 'other' });
    expect(scan(nested(100_000))).toEqual({ kind: 'other' });
  });

  it('agrees with JSON.parse on long strings at every alignment, wherever the byte that matters falls', () => {
    // Long strings are skipped four bytes at a time; put each kind of byte that ends or breaks a string at every
    // position of a word, in buffers that start at every offset of the underlying memory.
    const plain = 'abcdefghijklmnopqrstuvwxyz0123456789é€'.repeat(3);
    const inserts = ['\\"', '\\\\', '\\u00e9', '\\n', '\t', '\n', '\u0001', '\u001f', '"', '\u0080', ' ', '\u007f'];
    for (const insert of inserts) {
      for (let at = 0; at < 12; at++) {
        const body = plain.slice(0, 40 + at) + insert + plain.slice(40 + at);
        const text = `{"jsonrpc":"2.0","id":1,"result":{"text":"${body}"}}`;
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        const bytes = Buffer.from(text);
        for (let offset = 0; offset < 4; offset++) {
          const memory = new Uint8Array(bytes.length + offset);
          memory.set(bytes, offset);
          const view = memory.subarray(offset);
          expect(scanResponse(view, 1000), `${JSON.stringify(insert)} at ${at}, offset ${offset}`).toEqual(
            parses ? { kind: 'result', id: 1 } : { kind: 'other' },
          );
        }
      }
    }
  });
});
