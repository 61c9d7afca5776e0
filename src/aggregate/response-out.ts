/**
 * A server's response on its way to the client: as its original bytes when nothing in it needs changing (the id is
 * the client's own and the result holds no resource URI: naming/rewrite.ts's scan), else parsed, given back the
 * client's id, and its URIs given their server's prefix.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { RequestId } from '../protocol/jsonrpc.js';
import { exposeResultUris, mayContainUri } from './naming/rewrite.js';

/** Results whose resource URIs are made the client's. */
const URI_RESULTS = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** What the response answers. */
export interface ResponseRoute {
  /** The request's method. */
  method: string;
  /** The server's slug, for URI prefixes. */
  slug: string;
  /** The client's id, when the server saw another. */
  clientId?: RequestId;
  /** Whether the client side can write bytes as they are; else every response is parsed. */
  relay: boolean;
}

/** The response to send: its bytes as they came (`raw`), or a message to serialize. */
export type ResponseOut = { raw: string | Uint8Array; message: JSONRPCMessage } | { raw?: undefined; message: JSONRPCMessage };

/** Prepares `message` (with its original text `raw`, if the Bridge kept it) for the client; see the module comment. */
export function responseOut(route: ResponseRoute, message: JSONRPCMessage, raw: string | Uint8Array | undefined): ResponseOut {
  const rewrite = URI_RESULTS.has(route.method) && 'result' in message;
  if (raw !== undefined && route.relay && route.clientId === undefined && !(rewrite && mayContainUri(raw))) return { raw, message };
  const full = (raw !== undefined ? JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8')) : message) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...full, ...(route.clientId !== undefined ? { id: route.clientId } : {}) };
  if (rewrite && typeof out.result === 'object' && out.result !== null) {
    const result = structuredClone(out.result) as Record<string, unknown>;
    exposeResultUris(route.method, result, route.slug);
    out.result = result;
  }
  return { message: out as unknown as JSONRPCMessage };
}
