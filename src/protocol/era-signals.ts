/**
 * How a server's answer tells its protocol era (MCP 2026-07-28, basic/versioning "Backward Compatibility",
 * transports/streamable-http "Backward Compatibility"): a legacy `initialize` POST refused with a recognized modern
 * JSON-RPC error — `UnsupportedProtocolVersion` listing a modern version, `HeaderMismatch`, a missing client
 * capability, or `404` with `Method not found` in a JSON-RPC body — comes from a modern server; anything else (an
 * empty body, HTML, another error) does not. Decided on codes and statuses, never on message text. Pure.
 */
import { MODERN_PROTOCOL_VERSIONS, ModernErrorCode } from './modern-meta.js';

/** A JSON-RPC error object as a server sent it in an HTTP error answer's body. */
export interface RpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * The evidence an HTTP error answer carried: its status and, when its body was a JSON-RPC error, that error. Set as
 * the `cause` of the transport's `BridgeError`, so callers decide on it without reading messages.
 */
export class HttpErrorAnswer extends Error {
  override readonly name = 'HttpErrorAnswer';
  constructor(
    readonly status: number,
    readonly rpc: RpcErrorBody | undefined,
  ) {
    super(`HTTP ${status}${rpc ? ` with JSON-RPC error ${rpc.code}` : ''}`);
  }
}

/** The JSON-RPC error in a body's text, if the text is a JSON-RPC error response. */
export function rpcErrorOfBody(text: string): RpcErrorBody | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const error = (value as { jsonrpc?: unknown; error?: unknown } | null)?.error;
  if (!error || typeof error !== 'object') return undefined;
  const { code, message, data } = error as { code?: unknown; message?: unknown; data?: unknown };
  if (typeof code !== 'number' || !Number.isInteger(code)) return undefined;
  return { code, message: typeof message === 'string' ? message : '', ...(data === undefined ? {} : { data }) };
}

/** The versions an `UnsupportedProtocolVersion` error lists as supported (empty when it lists none). */
export function supportedVersionsOf(error: RpcErrorBody): string[] {
  const supported = (error.data as { supported?: unknown } | undefined)?.supported;
  return Array.isArray(supported) ? supported.filter((v): v is string => typeof v === 'string') : [];
}

/** Whether an HTTP `status` with JSON-RPC error `rpc`, answering a legacy `initialize`, comes from a modern server. */
export function isModernRefusal(status: number, rpc: RpcErrorBody | undefined): boolean {
  if (!rpc) return false;
  switch (rpc.code) {
    case ModernErrorCode.UnsupportedProtocolVersion:
      return supportedVersionsOf(rpc).some((v) => MODERN_PROTOCOL_VERSIONS.includes(v));
    case ModernErrorCode.HeaderMismatch:
    case ModernErrorCode.MissingRequiredClientCapability:
      return status === 400;
    case -32601:
      return status === 404;
    default:
      return false;
  }
}

/** The modern refusal carried by `error` (a transport error whose cause is an {@link HttpErrorAnswer}), if any. */
export function modernRefusalOf(error: unknown): HttpErrorAnswer | undefined {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof HttpErrorAnswer && isModernRefusal(cause.status, cause.rpc) ? cause : undefined;
}

/**
 * Whether a server's JSON-RPC answer to a legacy `initialize` (delivered with HTTP 200) says it is a modern server:
 * `initialize` unknown (`Method not found`), `UnsupportedProtocolVersion` listing a modern version, or a result
 * naming a modern protocol version, which no 2025 client can use.
 */
export function isModernInitializeAnswer(message: unknown): boolean {
  const m = message as { result?: { protocolVersion?: unknown }; error?: unknown } | null;
  if (!m) return false;
  if (m.result) return typeof m.result.protocolVersion === 'string' && MODERN_PROTOCOL_VERSIONS.includes(m.result.protocolVersion);
  const error = rpcErrorOfBody(JSON.stringify({ error: m.error }));
  return !!error && (error.code === -32601 || (error.code === ModernErrorCode.UnsupportedProtocolVersion && isModernRefusal(400, error)));
}
