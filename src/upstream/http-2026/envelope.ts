/**
 * What turns a 2025 request into a 2026-07-28 one (MCP 2026-07-28, basic/index "_meta", transports/streamable-http
 * "Request Metadata"): the `_meta` envelope merged into its params (the request's own `_meta`, such as a progress
 * token, kept), and the headers mirrored from the body — `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` for the
 * methods that name something, `Mcp-Param-*` for a tool's annotated arguments — with the revision's value encoding.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { encodeHeaderValue } from '../../protocol/header-value.js';
import type { RequestId } from '../../protocol/jsonrpc.js';
import { MODERN_PROTOCOL_VERSION } from '../../protocol/modern-meta.js';
import type { ToolCatalog } from './tool-catalog.js';

/** Methods whose `Mcp-Name` header mirrors a param, and which param. */
const NAMED: Readonly<Record<string, 'name' | 'uri'>> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

/** One request ready to POST. */
export interface Enveloped {
  message: JSONRPCMessage;
  headers: Record<string, string>;
}

/** Builds request `id` for `method` with `params`, the envelope `meta` added; see the module comment. */
export function envelope(id: RequestId, method: string, params: Record<string, unknown>, meta: Record<string, unknown>, tools: ToolCatalog): Enveloped {
  const own = params._meta && typeof params._meta === 'object' ? (params._meta as Record<string, unknown>) : {};
  const message = { jsonrpc: '2.0', id, method, params: { ...params, _meta: { ...own, ...meta } } } as JSONRPCMessage;
  const headers: Record<string, string> = { 'mcp-protocol-version': MODERN_PROTOCOL_VERSION, 'mcp-method': method };
  const nameParam = NAMED[method];
  const name = nameParam ? params[nameParam] : undefined;
  if (typeof name === 'string') headers['mcp-name'] = encodeHeaderValue(name);
  if (method === 'tools/call' && typeof name === 'string') Object.assign(headers, tools.headersFor(name, params.arguments));
  return { message, headers };
}
