/**
 * Results of the 2025 engines as a 2026-07-28 client reads them (MCP 2026-07-28, changelog; server/discover): every
 * result carries `resultType: "complete"`; the list results and `resources/read` are the revision's
 * `CacheableResult` (`ttlMs`, `cacheScope`: 0 and "private" — answers behind serve are per user and not cached); and
 * `server/discover` is made from the engine's `initialize` result; and errors carry the revision's HTTP status and
 * codes (modernError). The reverse of upstream/http-2026/legacy-result.ts and error-map.ts. Pure.
 */
import { MetaKey, MODERN_PROTOCOL_VERSIONS, ModernErrorCode } from '../../protocol/modern-meta.js';

const CACHEABLE: ReadonlySet<string> = new Set(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read']);

/** `result`, the engine's answer to `method`, with the 2026-07-28 fields. */
export function modernResult(method: string, result: Record<string, unknown>): Record<string, unknown> {
  const cache = CACHEABLE.has(method) ? { ttlMs: 0, cacheScope: 'private' } : {};
  return { ...result, ...cache, resultType: typeof result.resultType === 'string' ? result.resultType : 'complete' };
}

/** The `server/discover` result of an engine that answered `initialize` with `initialized`. */
export function discoverResult(initialized: Record<string, unknown>): Record<string, unknown> {
  const meta = typeof initialized._meta === 'object' && initialized._meta !== null ? (initialized._meta as Record<string, unknown>) : {};
  return {
    supportedVersions: [...MODERN_PROTOCOL_VERSIONS],
    capabilities: initialized.capabilities ?? {},
    ...(typeof initialized.instructions === 'string' ? { instructions: initialized.instructions } : {}),
    resultType: 'complete',
    ttlMs: 0,
    cacheScope: 'private',
    _meta: { ...meta, ...(initialized.serverInfo ? { [MetaKey.serverInfo]: initialized.serverInfo } : {}) },
  };
}

/** The request's params without the revision's own `_meta` keys (the engine adds what its upstream needs). */
export function engineParams(params: Record<string, unknown>): Record<string, unknown> {
  const { requestState: _s, inputResponses: _r, _meta: meta, ...rest } = params;
  if (!meta || typeof meta !== 'object') return rest;
  const own = Object.fromEntries(Object.entries(meta as Record<string, unknown>).filter(([k]) => !k.startsWith('io.modelcontextprotocol/')));
  return Object.keys(own).length ? { ...rest, _meta: own } : rest;
}

/** A JSON-RPC error object as the engine answered it. */
export interface EngineError {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * The engine's error `error` as a 2026-07-28 client reads it, with its HTTP status (MCP 2026-07-28,
 * transports/streamable-http): Method not found is 404; a server's MissingRequiredClientCapability, which the
 * upstream gave the engine as Invalid Request with the server's code and data kept (upstream/http-2026/error-map.ts),
 * is that error again, with 400 — it is about the client's own declaration; anything else 200, unchanged.
 */
export function modernError(error: EngineError): { error: EngineError; status: number } {
  if (error.code === -32601) return { error, status: 404 };
  const data = typeof error.data === 'object' && error.data !== null ? (error.data as { upstreamCode?: unknown; upstreamData?: unknown }) : undefined;
  if (data?.upstreamCode === ModernErrorCode.MissingRequiredClientCapability) {
    return { error: { code: ModernErrorCode.MissingRequiredClientCapability, message: error.message, ...(data.upstreamData === undefined ? {} : { data: data.upstreamData }) }, status: 400 };
  }
  return { error, status: 200 };
}
