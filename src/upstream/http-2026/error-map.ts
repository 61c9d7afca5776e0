/**
 * A modern server's errors as a 2025-11-25 client understands them (MCP 2026-07-28, basic/index "Error Codes"):
 * the revision's new codes become the nearest standard JSON-RPC code, with a message that says what happened and
 * the server's own code and data kept in `data.upstreamCode` / `data.upstreamData`. Everything else passes unchanged,
 * a resource the server does not know included: its `-32602` is what 2025 servers answer too (the SDKs and the Python
 * SDK do; 2025-11-25's `-32002` is what the revision renamed), so a 2025 client sees what it sees from them. Decided
 * on codes, never on message text.
 */
import { supportedVersionsOf, type RpcErrorBody } from '../../protocol/era-signals.js';
import { MODERN_PROTOCOL_VERSION, ModernErrorCode } from '../../protocol/modern-meta.js';

/** JSON-RPC codes a 2025 client knows. */
const INVALID_REQUEST = -32600;
const INTERNAL_ERROR = -32603;

/** The error object to give the client for `error`, the server's answer to `method`. */
export function clientError(error: RpcErrorBody, method: string): RpcErrorBody {
  const server = error.message ? `: ${error.message}` : '';
  const kept = (code: number, message: string): RpcErrorBody => ({
    code,
    message,
    data: { upstreamCode: error.code, ...(error.data === undefined ? {} : { upstreamData: error.data }) },
  });
  switch (error.code) {
    case ModernErrorCode.HeaderMismatch:
      return kept(INTERNAL_ERROR, `mcp-auth-bridge: the server refused the HTTP headers of ${method} (header mismatch)${server}`);
    case ModernErrorCode.MissingRequiredClientCapability:
      return kept(INVALID_REQUEST, `the server needs a client capability that the client did not declare for ${method}${server}`);
    case ModernErrorCode.UnsupportedProtocolVersion: {
      const supported = supportedVersionsOf(error);
      return kept(
        INTERNAL_ERROR,
        `mcp-auth-bridge: the server no longer supports protocol ${MODERN_PROTOCOL_VERSION}${supported.length ? ` (it supports ${supported.join(', ')})` : ''}; restart the client to reconnect`,
      );
    }
    default:
      return error;
  }
}

/**
 * Whether `error` is an `UnsupportedProtocolVersion` that lists the version the bridge sent (MCP 2026-07-28,
 * basic/versioning: the client retries with a supported version; the bridge speaks one, so it tries it once more).
 */
export function retryableVersionRefusal(error: RpcErrorBody): boolean {
  return error.code === ModernErrorCode.UnsupportedProtocolVersion && supportedVersionsOf(error).includes(MODERN_PROTOCOL_VERSION);
}
