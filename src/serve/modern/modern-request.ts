/**
 * Whether a POST to a Streamable HTTP endpoint of `serve` is a 2026-07-28 request (MCP 2026-07-28,
 * transports/streamable-http "Backward Compatibility", basic/versioning): it says so in `MCP-Protocol-Version`,
 * or, without a session id, it is `server/discover` or carries the revision's `_meta` envelope. Anything else is
 * the 2025-11-25 session path's. Pure.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { MetaKey, MODERN_PROTOCOL_VERSIONS } from '../../protocol/modern-meta.js';

/** Whether the `MCP-Protocol-Version` header names a modern revision. */
export function namesModernVersion(headers: IncomingHttpHeaders): boolean {
  const version = headers['mcp-protocol-version'];
  return typeof version === 'string' && MODERN_PROTOCOL_VERSIONS.includes(version);
}

/** Whether the POST with these headers and this parsed message goes to the 2026 front; see the module comment. */
export function isModernRequest(headers: IncomingHttpHeaders, message: unknown): boolean {
  if (namesModernVersion(headers)) return true;
  if (headers['mcp-session-id'] !== undefined) return false;
  const m = message as { method?: unknown; params?: { _meta?: unknown } } | null;
  if (!m || typeof m.method !== 'string' || m.method === 'initialize') return false;
  if (m.method === 'server/discover') return true;
  const meta = m.params?._meta;
  return typeof meta === 'object' && meta !== null && MetaKey.protocolVersion in meta;
}
