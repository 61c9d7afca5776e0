/**
 * A modern server's result as a 2025-11-25 client would get it from a 2025 server (MCP 2026-07-28, changelog: every
 * result carries `resultType`; `CacheableResult` adds `ttlMs` and `cacheScope` to the list results and to
 * `resources/read`): `resultType: "complete"` and, on those results, `ttlMs` and `cacheScope` are taken out;
 * everything else is kept as the server sent it. Only for results the bridge parses: a large result handed on in its
 * bytes keeps them (it is never re-serialized).
 */

/** Methods whose results are the revision's `CacheableResult`. */
const CACHEABLE: ReadonlySet<string> = new Set(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read']);

/** `result`, the server's answer to `method`, without the 2026-07-28 fields a 2025 result does not have. */
export function legacyResult(method: string, result: Record<string, unknown>): Record<string, unknown> {
  // An unknown result type is the server's news to the client, not the bridge's to hide.
  const typed = result.resultType === 'complete';
  const cacheable = CACHEABLE.has(method) && ('ttlMs' in result || 'cacheScope' in result);
  if (!typed && !cacheable) return result;
  const legacy = { ...result };
  if (typed) delete legacy.resultType;
  if (cacheable) {
    delete legacy.ttlMs;
    delete legacy.cacheScope;
  }
  return legacy;
}
