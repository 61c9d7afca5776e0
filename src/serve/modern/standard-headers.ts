/**
 * The checks of a 2026-07-28 request's headers against its body (MCP 2026-07-28, transports/streamable-http,
 * "Request Metadata" and "Custom Headers from Tool Parameters"): `MCP-Protocol-Version` names a revision the front
 * speaks and the one in `_meta`; `Mcp-Method` is the body's method; `Mcp-Name` is the tool's or prompt's name or the
 * resource's URI; each `Mcp-Param-{Name}` a tool's `x-mcp-header` parameters call for is there with the argument's
 * value; and the body's `_meta` carries the protocol version and the client capabilities (basic/index, "Request
 * Metadata"). A failure is the revision's `HeaderMismatch` (-32020), `UnsupportedProtocolVersion` (-32022) or, for a
 * `_meta` without its required keys, Invalid params (-32602), all with HTTP 400. Pure.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { decodeHeaderValue } from '../../protocol/header-decode.js';
import { MetaKey, MODERN_PROTOCOL_VERSIONS, ModernErrorCode } from '../../protocol/modern-meta.js';
import type { ToolCatalog } from '../../upstream/http-2026/tool-catalog.js';

/** Methods whose `Mcp-Name` mirrors a param, and which. */
export const NAMED_PARAM: Readonly<Record<string, 'name' | 'uri'>> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

/** A refusal: the JSON-RPC error and the HTTP status. */
export interface HeaderRefusal {
  status: 400;
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : undefined;
}

/** The `_meta` keys every 2026-07-28 request carries (clientInfo is a SHOULD: not required). */
const REQUIRED_META = [MetaKey.protocolVersion, MetaKey.clientCapabilities] as const;
const INVALID_PARAMS = -32602;

const mismatch = (message: string): HeaderRefusal => ({ status: 400, code: ModernErrorCode.HeaderMismatch, message: `Bad Request: ${message}` });

/** The version and standard-header checks of one request; undefined when they pass. */
export function checkStandardHeaders(headers: IncomingHttpHeaders, method: string, params: Record<string, unknown>): HeaderRefusal | undefined {
  const version = header(headers, 'mcp-protocol-version');
  const meta = (params._meta ?? {}) as Record<string, unknown>;
  const bodyVersion = meta[MetaKey.protocolVersion];
  const asked = version ?? (typeof bodyVersion === 'string' ? bodyVersion : undefined);
  if (asked === undefined || !MODERN_PROTOCOL_VERSIONS.includes(asked)) {
    return {
      status: 400,
      code: ModernErrorCode.UnsupportedProtocolVersion,
      message: `Unsupported protocol version ${JSON.stringify(asked ?? null)}`,
      data: { supported: [...MODERN_PROTOCOL_VERSIONS], requested: asked ?? null },
    };
  }
  if (version === undefined) return mismatch('the MCP-Protocol-Version header is required');
  const missing = REQUIRED_META.filter((key) => meta[key] === undefined);
  if (missing.length) return { status: 400, code: INVALID_PARAMS, message: `Invalid params: _meta lacks ${missing.join(', ')}` };
  if (typeof bodyVersion === 'string' && bodyVersion !== version) return mismatch(`MCP-Protocol-Version ${JSON.stringify(version)} differs from the body's ${JSON.stringify(bodyVersion)}`);
  const mcpMethod = header(headers, 'mcp-method');
  if (mcpMethod === undefined) return mismatch('the Mcp-Method header is required');
  if (mcpMethod !== method) return mismatch(`Mcp-Method ${JSON.stringify(mcpMethod)} differs from the body's method ${JSON.stringify(method)}`);
  const param = NAMED_PARAM[method];
  const value = param ? params[param] : undefined;
  if (typeof value === 'string') {
    const name = header(headers, 'mcp-name');
    if (name === undefined) return mismatch(`the Mcp-Name header is required for ${method}`);
    const decoded = decodeHeaderValue(name);
    if (decoded === undefined) return mismatch('the Mcp-Name header is not valid Base64 UTF-8');
    if (decoded !== value) return mismatch(`Mcp-Name differs from the body's params.${param}`);
  }
  return undefined;
}

/** The `Mcp-Param-*` checks of a `tools/call` of `name` with `args`, against what the catalog knows of the tool. */
export function checkParamHeaders(headers: IncomingHttpHeaders, tools: ToolCatalog, name: string, args: unknown): HeaderRefusal | undefined {
  for (const [field, expected] of Object.entries(tools.headersFor(name, args))) {
    const got = header(headers, field);
    if (got === undefined) return mismatch(`the ${field} header is required for tool ${JSON.stringify(name)}`);
    const decoded = decodeHeaderValue(got);
    if (decoded === undefined || decoded !== decodeHeaderValue(expected)) return mismatch(`${field} differs from the tool's argument`);
  }
  return undefined;
}
