import { describe, expect, it } from 'vitest';
import { classify, errorResponse, progressTokenOf } from '../../src/protocol/jsonrpc.js';

describe('classify', () => {
  it('tells requests, notifications and responses apart', () => {
    expect(classify({ jsonrpc: '2.0', id: 1, method: 'ping' })).toMatchObject({ kind: 'request', id: 1, method: 'ping' });
    expect(classify({ jsonrpc: '2.0', method: 'notifications/initialized' })).toMatchObject({ kind: 'notification' });
    expect(classify({ jsonrpc: '2.0', id: 'x', result: {} })).toMatchObject({ kind: 'response', id: 'x' });
    expect(classify({ jsonrpc: '2.0', id: 2, error: { code: 1, message: 'm' } })).toMatchObject({ kind: 'response', id: 2 });
  });

  it('names what is wrong with invalid messages and keeps a readable id', () => {
    expect(classify([1])).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('batches') });
    expect(classify('x')).toMatchObject({ kind: 'invalid', id: undefined });
    expect(classify({ id: 4, method: 'ping' })).toMatchObject({ kind: 'invalid', id: 4, reason: expect.stringContaining('jsonrpc') });
    expect(classify({ jsonrpc: '2.0', id: 1.5, method: 'ping' })).toMatchObject({ kind: 'invalid' });
    expect(classify({ jsonrpc: '2.0', id: 3, method: 'x', params: 'no' })).toMatchObject({ kind: 'invalid', id: 3 });
    expect(classify({ jsonrpc: '2.0', id: 3, result: 1, error: {} })).toMatchObject({ kind: 'invalid', id: 3 });
    expect(classify({ jsonrpc: '2.0', id: 3 })).toMatchObject({ kind: 'invalid', id: 3 });
  });
});

describe('errorResponse', () => {
  it('omits the id when it is unknown (MCP 2025-11-25) instead of null', () => {
    expect(errorResponse(undefined, -32700, 'Parse error')).toEqual({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' } });
    expect(errorResponse(7, -32000, 'x', { status: 500 })).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32000, message: 'x', data: { status: 500 } } });
  });
});

describe('progressTokenOf', () => {
  it('reads params._meta.progressToken', () => {
    expect(progressTokenOf({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { _meta: { progressToken: 'p' } } } as never)).toBe('p');
    expect(progressTokenOf({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} } as never)).toBeUndefined();
  });
});
