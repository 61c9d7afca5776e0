// Pagination across servers: one opaque cursor (MCP 2025-11-25: "cursors are opaque") carries each server's own
// cursor; anything the bridge did not write — tampered, truncated, oversized, of another shape — reads as invalid,
// never as a crash or as a half-trusted state.
import { describe, expect, it } from 'vitest';
import { CURSOR_TAG, decodeCursor, encodeCursor, MAX_CURSOR_LENGTH } from '../../../src/aggregate/naming/cursor.js';
import { BridgeError, ErrorCode } from '../../../src/errors.js';
import { seeded } from './random.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

describe('encodeCursor / decodeCursor', () => {
  it.each([
    [{}],
    [{ github: 'abc', files: '' }],
    [{ db: 'eyJvZmZzZXQiOjEwMH0=', web: 'page 2 of 9 🙂 "quoted" \\ back' }],
    [{ __proto__: 'x', constructor: 'y' } as unknown as Record<string, string>],
  ])('round trip of %j', (state) => {
    const cursor = encodeCursor(state);
    expect(cursor.startsWith(CURSOR_TAG)).toBe(true);
    expect(cursor.slice(CURSOR_TAG.length)).toMatch(/^[A-Za-z0-9_-]*$/);
    expect(decodeCursor(cursor)).toEqual(state);
  });

  it('a __proto__ key stays a plain key and changes no prototype', () => {
    const decoded = decodeCursor(`${CURSOR_TAG}${b64('{"__proto__":"x","a":"1"}')}`)!;
    expect(Object.hasOwn(decoded, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('a cursor of servers whose own cursors are too long to carry is refused when written, not handed out broken', () => {
    const error = (() => {
      try {
        encodeCursor({ a: 'x'.repeat(MAX_CURSOR_LENGTH) });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(BridgeError);
    expect((error as BridgeError).code).toBe(ErrorCode.MessageTooLarge);
    expect(String((error as BridgeError).message)).not.toContain('xxxx');
    const justFits = encodeCursor({ a: 'x'.repeat(6000) });
    expect(justFits.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
    expect(decodeCursor(justFits)).toEqual({ a: 'x'.repeat(6000) });
  });
});

describe('decodeCursor refuses what the bridge did not write', () => {
  it.each([
    ['', 'empty'],
    ['abc', 'a server\'s own cursor, without our tag'],
    [`mab0.${b64('{}')}`, 'another version tag'],
    [`${CURSOR_TAG}${b64('{"a":"1"}')}=`, 'padding'],
    [`${CURSOR_TAG}${Buffer.from('{"a":"1"}').toString('base64')}+/`, 'plain base64 characters'],
    [`${CURSOR_TAG}${b64('{"a":"1"}').slice(0, -1)}`, 'truncated'],
    [`${CURSOR_TAG}${b64('[]')}`, 'a list'],
    [`${CURSOR_TAG}${b64('null')}`, 'null'],
    [`${CURSOR_TAG}${b64('"a"')}`, 'text'],
    [`${CURSOR_TAG}${b64('{"a":1}')}`, 'a number value'],
    [`${CURSOR_TAG}${b64('{"a":{"b":"c"}}')}`, 'a nested value'],
    [`${CURSOR_TAG}${b64('{"a":null}')}`, 'a null value'],
    [`${CURSOR_TAG}${b64('{"a":"1"')}`, 'JSON cut short'],
    [`${CURSOR_TAG}${Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString('base64url')}`, 'bytes that are not UTF-8'],
    [`${CURSOR_TAG}${'A'.repeat(MAX_CURSOR_LENGTH)}`, 'over 8 KiB'],
  ])('%j (%s)', (text) => {
    expect(decodeCursor(text)).toBeUndefined();
  });

  it('a value that is not text at all is refused', () => {
    expect(decodeCursor(42 as unknown as string)).toBeUndefined();
    expect(decodeCursor(undefined as unknown as string)).toBeUndefined();
  });

  it('every one-character change of a cursor reads as invalid or as a plain map of text, never a crash', () => {
    const cursor = encodeCursor({ github: 'page-2', files: 'eyJ4IjoxfQ', db: '' });
    const alphabet = 'AZaz09_-+/=.{}"\\ ';
    const random = seeded(6);
    let outcomes = 0;
    for (let i = 0; i < cursor.length; i++) {
      for (const ch of alphabet) {
        const changed = cursor.slice(0, i) + ch + cursor.slice(i + 1);
        const decoded = decodeCursor(changed);
        if (decoded === undefined) continue;
        outcomes++;
        expect(Object.values(decoded).every((v) => typeof v === 'string')).toBe(true);
      }
      if (random() < 0.1) expect(decodeCursor(cursor.slice(0, i))).toBeUndefined();
    }
    expect(outcomes).toBeGreaterThan(0);
  });
});
