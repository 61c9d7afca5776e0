/**
 * How the auth module talks HTTP: one injected fetch (tests and proxies), the {@link UrlPolicy}, and the matching
 * oauth4webapi options, so that every OAuth request honours the same rules.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { allowInsecureRequests, customFetch } from 'oauth4webapi';
import { allowsInsecure, type UrlPolicy } from './url-policy.js';

/** The HTTP context of every auth operation. */
export interface OAuthHttp {
  /** The fetch used for discovery, registration and token requests (never the MCP server's auth-wrapped one). */
  fetch: FetchLike;
  policy: UrlPolicy;
  /** Bound on each auth HTTP request, ms. */
  timeoutMs: number;
}

/** The oauth4webapi options every request gets; assignable to each of its request option types. */
export interface OAuthRequestOptions {
  [customFetch]: never;
  [allowInsecureRequests]: boolean;
  signal: AbortSignal;
}

/** oauth4webapi request options for a request to `url`. */
export function oauthOptions(http: OAuthHttp, url: URL): OAuthRequestOptions {
  return {
    [customFetch]: http.fetch as never,
    [allowInsecureRequests]: allowsInsecure(url, http.policy),
    signal: AbortSignal.timeout(http.timeoutMs),
  };
}

/** A plain GET of a JSON document, bounded by the timeout. */
export function getJson(http: OAuthHttp, url: URL): Promise<Response> {
  return http.fetch(url.href, { method: 'GET', headers: { accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(http.timeoutMs) });
}
