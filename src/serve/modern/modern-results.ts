/**
 * Results of the 2025 engines as a 2026-07-28 client reads them (MCP 2026-07-28, changelog; server/discover): every
 * result carries `resultType: "complete"`; the list results and `resources/read` are the revision's
 * `CacheableResult` (`ttlMs`, `cacheScope`: 0 and "private" — answers behind serve are per user and not cached); and
 * `server/discover` is made from the engine's `initialize` result. The reverse of upstream/http-2026/legacy-result.ts.
 * Pure.
 */
import { MetaKey, MODERN_PROTOCOL_VERSIONS } from '../../protocol/modern-meta.js';

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
