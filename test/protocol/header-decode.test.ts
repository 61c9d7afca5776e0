/**
 * Decoding `Mcp-Name` / `Mcp-Param-*` values (MCP 2026-07-28, "Value Encoding"): the inverse of encodeHeaderValue
 * for every value, plain text as it is, and a malformed Base64 form refused rather than guessed.
 */
import { describe, expect, it } from 'vitest';
import { decodeHeaderValue } from '../../src/protocol/header-decode.js';
import { encodeHeaderValue } from '../../src/protocol/header-value.js';

describe('decodeHeaderValue', () => {
  it('inverts encodeHeaderValue', () => {
    for (const value of ['Oslo', 'Île-de-France', ' padded ', 'line\nbreak', '=?base64?SGk=?=', '', '日本']) {
      expect(decodeHeaderValue(encodeHeaderValue(value))).toBe(value);
    }
  });

  it('refuses a malformed Base64 form', () => {
    expect(decodeHeaderValue('=?base64?not base64!?=')).toBeUndefined();
    expect(decodeHeaderValue('=?base64?abc?=')).toBeUndefined();
    expect(decodeHeaderValue(`=?base64?${Buffer.from([0xff, 0xfe]).toString('base64')}?=`)).toBeUndefined();
  });
});
