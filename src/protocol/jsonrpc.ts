/**
 * Just enough JSON-RPC 2.0 for a pipe: classify a parsed value without a schema library (every message passes
 * through here, so it stays cheap), and build the error responses the bridge sends on its own behalf.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** A JSON-RPC request id. */
export type RequestId = string | number;

/** JSON-RPC and MCP error codes the bridge itself answers with. */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  InvalidParams: -32602,
  InternalError: -32603,
  /** MCP SDK: connection closed / upstream unavailable. */
  ConnectionClosed: -32000,
  /** MCP SDK: request timed out. */
  RequestTimeout: -32001,
} as const;

/** What a parsed line turned out to be. */
export type Classified =
  | { kind: 'request'; message: JSONRPCMessage; id: RequestId; method: string }
  | { kind: 'notification'; message: JSONRPCMessage; method: string }
  | { kind: 'response'; message: JSONRPCMessage; id: RequestId }
  | { kind: 'invalid'; reason: string; id: RequestId | undefined };

function isId(value: unknown): value is RequestId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
}

/** Classifies one parsed JSON value as a JSON-RPC 2.0 message (MCP has no batches since 2025-06-18). */
export function classify(value: unknown): Classified {
  if (typeof value !== 'object' || value === null) {
    return { kind: 'invalid', reason: 'a JSON-RPC message must be a JSON object', id: undefined };
  }
  if (Array.isArray(value)) {
    return { kind: 'invalid', reason: 'JSON-RPC batches are not part of MCP; send one message per line', id: undefined };
  }
  const msg = value as Record<string, unknown>;
  const id = isId(msg.id) ? msg.id : undefined;
  if (msg.jsonrpc !== '2.0') return { kind: 'invalid', reason: 'missing "jsonrpc": "2.0"', id };
  if (typeof msg.method === 'string') {
    if (msg.params !== undefined && (typeof msg.params !== 'object' || msg.params === null)) {
      return { kind: 'invalid', reason: '"params" must be an object', id };
    }
    if ('id' in msg) {
      if (id === undefined) return { kind: 'invalid', reason: '"id" must be a string or an integer', id };
      return { kind: 'request', message: msg as JSONRPCMessage, id, method: msg.method };
    }
    return { kind: 'notification', message: msg as JSONRPCMessage, method: msg.method };
  }
  if ('method' in msg) return { kind: 'invalid', reason: '"method" must be a string', id };
  const hasResult = 'result' in msg;
  const hasError = 'error' in msg;
  if (hasResult === hasError) {
    return { kind: 'invalid', reason: 'a message needs "method", or exactly one of "result" and "error"', id };
  }
  if (id === undefined) {
    // An error response may omit the id (MCP 2025-11-25); it answers nothing the bridge can route.
    return hasError
      ? { kind: 'response', message: msg as JSONRPCMessage, id: '' }
      : { kind: 'invalid', reason: 'a result needs an "id"', id };
  }
  return { kind: 'response', message: msg as JSONRPCMessage, id };
}

/**
 * Builds an error response. `id` undefined omits the member, as MCP 2025-11-25 allows when the request's id could
 * not be read (JSON-RPC 2.0 would say `null`, which MCP's schema, and so its SDK clients, reject).
 */
export function errorResponse(
  id: RequestId | undefined,
  code: number,
  message: string,
  data?: Record<string, unknown>,
): JSONRPCMessage {
  const error = data === undefined ? { code, message } : { code, message, data };
  return (id === undefined ? { jsonrpc: '2.0', error } : { jsonrpc: '2.0', id, error }) as JSONRPCMessage;
}

/** The `progressToken` a request asked progress notifications for, if any. */
export function progressTokenOf(message: JSONRPCMessage): RequestId | undefined {
  const params = (message as { params?: { _meta?: { progressToken?: unknown } } }).params;
  const token = params?._meta?.progressToken;
  return isId(token) ? token : undefined;
}

/** A JSON-RPC error response's message and code, for logs and errors. */
export function describeRpcError(message: JSONRPCMessage): string {
  const error = (message as { error?: { code?: unknown; message?: unknown } }).error;
  return `${String(error?.message ?? 'unknown error')} (code ${String(error?.code)})`;
}
