// The 2026-07-28 header rules, pure: the value encoding of Mcp-Name and Mcp-Param-* (the specification's own
// examples), and which x-mcp-header annotations make a tool invalid.
import { describe, expect, it } from 'vitest';
import { encodeHeaderValue, paramHeaderValue } from '../../../src/protocol/header-value.js';
import { scanHeaderParams } from '../../../src/protocol/x-mcp-header.js';

describe('header value encoding', () => {
  it.each([
    ['us-west1', 'us-west1'],
    ['Hello, 世界', '=?base64?SGVsbG8sIOS4lueVjA==?='],
    [' padded ', '=?base64?IHBhZGRlZCA=?='],
    ['line1\nline2', '=?base64?bGluZTEKbGluZTI=?='],
    ['=?base64?literal?=', '=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?='],
    ['', ''],
  ])('%j → %s', (value, encoded) => {
    expect(encodeHeaderValue(value)).toBe(encoded);
  });

  it('converts integers and booleans, and omits what has no header form', () => {
    expect(paramHeaderValue(42)).toBe('42');
    expect(paramHeaderValue(-7)).toBe('-7');
    expect(paramHeaderValue(true)).toBe('true');
    expect(paramHeaderValue(false)).toBe('false');
    expect(paramHeaderValue(null)).toBeUndefined();
    expect(paramHeaderValue(undefined)).toBeUndefined();
    expect(paramHeaderValue(1.5)).toBeUndefined();
    expect(paramHeaderValue({ a: 1 })).toBeUndefined();
  });
});

describe('x-mcp-header annotations', () => {
  const prop = (schema: Record<string, unknown>) => ({ type: 'object', properties: { p: schema } });

  it('finds annotated properties reached through properties, nested ones included', () => {
    const scan = scanHeaderParams({
      type: 'object',
      properties: { a: { type: 'string', 'x-mcp-header': 'A' }, o: { type: 'object', properties: { b: { type: 'integer', 'x-mcp-header': 'B' } } } },
    });
    expect(scan).toEqual({ ok: true, params: [{ path: ['a'], name: 'A' }, { path: ['o', 'b'], name: 'B' }] });
  });

  it('accepts a schema without annotations, and a property named like the keyword', () => {
    expect(scanHeaderParams({ type: 'object', properties: { 'x-mcp-header': { type: 'object' } } })).toEqual({ ok: true, params: [] });
    expect(scanHeaderParams(undefined)).toEqual({ ok: true, params: [] });
  });

  it.each([
    ['a number', prop({ type: 'number', 'x-mcp-header': 'N' })],
    ['an object', prop({ type: 'object', 'x-mcp-header': 'O' })],
    ['no type', prop({ 'x-mcp-header': 'T' })],
    ['an empty name', prop({ type: 'string', 'x-mcp-header': '' })],
    ['a name with a space', prop({ type: 'string', 'x-mcp-header': 'A B' })],
    ['a name with a colon', prop({ type: 'string', 'x-mcp-header': 'A:B' })],
    ['a name that is not a string', prop({ type: 'string', 'x-mcp-header': 3 })],
    ['under items', prop({ type: 'array', items: { type: 'string', 'x-mcp-header': 'I' } })],
    ['under anyOf', { type: 'object', anyOf: [{ properties: { q: { type: 'string', 'x-mcp-header': 'Q' } } }] }],
    ['under $defs', { type: 'object', $defs: { d: { type: 'string', 'x-mcp-header': 'D' } }, properties: { p: { $ref: '#/$defs/d' } } }],
    ['at the root', { type: 'string', 'x-mcp-header': 'R' }],
    [
      'a name repeated in another case',
      { type: 'object', properties: { a: { type: 'string', 'x-mcp-header': 'Dup' }, b: { type: 'string', 'x-mcp-header': 'dup' } } },
    ],
  ])('rejects an annotation on %s', (_what, schema) => {
    expect(scanHeaderParams(schema).ok).toBe(false);
  });
});
