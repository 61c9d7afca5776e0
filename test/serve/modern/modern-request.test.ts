/**
 * Which POSTs to serve's Streamable HTTP endpoint are 2026-07-28 requests: those naming the revision in
 * `MCP-Protocol-Version`, and without a session id `server/discover` or a body with the revision's `_meta`; never
 * an `initialize`, nor a request of a 2025 session.
 */
import { describe, expect, it } from 'vitest';
import { isModernRequest } from '../../../src/serve/modern/modern-request.js';

const META = { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } };

describe('isModernRequest', () => {
  it('tells the eras apart by header, then by body', () => {
    expect(isModernRequest({ 'mcp-protocol-version': '2026-07-28' }, { method: 'tools/list' })).toBe(true);
    expect(isModernRequest({}, { method: 'server/discover' })).toBe(true);
    expect(isModernRequest({}, { method: 'tools/list', params: META })).toBe(true);
    expect(isModernRequest({}, { method: 'initialize', params: META })).toBe(false);
    expect(isModernRequest({ 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': 's' }, { method: 'tools/list' })).toBe(false);
    expect(isModernRequest({ 'mcp-session-id': 's' }, { method: 'tools/list', params: META })).toBe(false);
    expect(isModernRequest({}, { method: 'tools/list' })).toBe(false);
  });
});
