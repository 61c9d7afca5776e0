/**
 * How the auth module talks HTTP: one injected fetch (tests and proxies), the {@link UrlPolicy}, and the matching
 * oauth4webapi options, so that every OAuth request honours the same rules. Every response body — metadata,
 * registration, token, device and exchange answers — is read through {@link sizeLimitedFetch}: at most
 * {@link MAX_OAUTH_RESPONSE_BYTES}, so a server that sends 100 MB costs the bridge 1 MiB, not hundreds.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { allowInsecureRequests, customFetch, type DPoPHandle } from 'oauth4webapi';
import { BridgeError, ErrorCode } from '../errors.js';
import { allowsInsecure, type UrlPolicy } from './url-policy.js';

/** The HTTP context of every auth operation. */
export interface OAuthHttp {
  /** The fetch used for discovery, registration and token requests (never the MCP server's auth-wrapped one). */
  fetch: FetchLike;
  policy: UrlPolicy;
  /** Bound on each auth HTTP request, ms. */
  timeoutMs: number;
  /** Bound on each auth response body, bytes. Default {@link MAX_OAUTH_RESPONSE_BYTES}. */
  maxResponseBytes?: number;
  /** The proof handle of the login's DPoP key, when its tokens are bound (RFC 9449): token requests carry proofs. */
  dpop?: DPoPHandle | undefined;
}

/**
 * The largest OAuth response body the bridge reads: 1 MiB. Real metadata documents, registrations and token
 * responses are a few KiB (a token response with a large ID token, tens of KiB).
 */
export const MAX_OAUTH_RESPONSE_BYTES = 1024 * 1024;

/** Statuses whose responses cannot have a body (the `Response` constructor refuses one). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/** The oauth4webapi options every request gets; assignable to each of its request option types. */
export interface OAuthRequestOptions {
  [customFetch]: never;
  [allowInsecureRequests]: boolean;
  signal: AbortSignal;
}

function tooLarge(url: string, limit: number, status: number): BridgeError {
  return new BridgeError(ErrorCode.Auth, `the response from ${url} is larger than ${formatBytes(limit)}: refused without reading the rest`, {
    status,
    hint: 'no OAuth document or token response is that large; the server is misconfigured or hostile: contact its operator',
  });
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

/**
 * Reads `response`'s body, at most `limit` bytes, and returns an equivalent response that holds it. A declared
 * `Content-Length` over the limit is refused before reading; a body without one (chunked, or compressed: the limit
 * applies to the decoded bytes) is read until it ends or passes the limit. Over the limit, the body is cancelled,
 * which releases the connection.
 * @throws BridgeError `AUTH` naming `url`, with the HTTP status
 */
export async function readLimited(response: Response, url: string, limit: number): Promise<Response> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(url, limit, response.status);
  }
  if (!response.body) return response;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(url, limit, response.status);
    }
    chunks.push(value);
  }
  const body = NULL_BODY_STATUS.has(response.status) ? null : Buffer.concat(chunks);
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** `fetch` whose responses are read with {@link readLimited} before they are returned. */
export function sizeLimitedFetch(fetch: FetchLike, limit = MAX_OAUTH_RESPONSE_BYTES): FetchLike {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = typeof input === 'string' ? input : input.href;
    return readLimited(response, url.split('?')[0]!, limit);
  };
}

function limitedFetchOf(http: OAuthHttp): FetchLike {
  return sizeLimitedFetch(http.fetch, http.maxResponseBytes ?? MAX_OAUTH_RESPONSE_BYTES);
}

/** oauth4webapi request options for a request to `url`. */
export function oauthOptions(http: OAuthHttp, url: URL): OAuthRequestOptions {
  return {
    [customFetch]: limitedFetchOf(http) as never,
    [allowInsecureRequests]: allowsInsecure(url, http.policy),
    signal: AbortSignal.timeout(http.timeoutMs),
  };
}

/**
 * oauth4webapi options for a token request to the login's authorization server: {@link oauthOptions}, plus a DPoP
 * proof when the login's tokens are bound (RFC 9449 §5). Never for another server (an enterprise IdP).
 */
export function tokenRequestOptions(http: OAuthHttp, url: URL): OAuthRequestOptions & { DPoP?: DPoPHandle } {
  return { ...oauthOptions(http, url), ...(http.dpop ? { DPoP: http.dpop } : {}) };
}

/** A plain GET of a JSON document, bounded by the timeout and the response size limit. */
export function getJson(http: OAuthHttp, url: URL): Promise<Response> {
  return limitedFetchOf(http)(url.href, { method: 'GET', headers: { accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(http.timeoutMs) });
}
