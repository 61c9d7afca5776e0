/**
 * The front's own HTTP answers: JSON bodies, and JSON-RPC errors with `id: null` for the refusals the MCP
 * transport specification names (400, 404, 405, 406, 409, 413, 415, 503).
 */
import type { ServerResponse } from 'node:http';

/** Writes `body` as JSON with `status` and `headers`. */
export function answerJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(JSON.stringify(body));
}

/** Writes a JSON-RPC error (`id: null`) as the body of an HTTP refusal. */
export function answerRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  answerJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}

/** JSON-RPC error codes of the transport's refusals. */
export const TransportError = {
  ParseError: -32700,
  InvalidRequest: -32600,
  /** The SDKs' code for "Session not found" and for the front's own refusals. */
  Session: -32001,
  Server: -32000,
} as const;
