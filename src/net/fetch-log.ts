/**
 * `--debug` for HTTP: a fetch middleware that writes one line per exchange — the method, the URL without secrets,
 * the status and content type (or the failure), the time until the response headers, and the names (never the
 * values) of the headers sent. Requests for `/.well-known/` documents are marked as discovery (RFC 9728 protected
 * resource metadata, RFC 8414 / OpenID Connect authorization server metadata), so the log shows each URL tried and
 * what it answered. Wrapped around the network fetch of the upstream path and around the OAuth fetch; costs one
 * check per request when debug logging is off.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Middleware } from './middleware.js';

/** Options for {@link createFetchLog}. */
export interface FetchLogOptions {
  logger: Logger;
  /** Names the layer in each line, e.g. `http` (the MCP server) or `oauth` (authorization servers). */
  label: string;
  /** Milliseconds clock. Default `performance.now`. */
  now?: () => number;
}

/**
 * The URL as it may be logged: no user name or password, every query value replaced (a query may carry a code,
 * a state, a token or a session id), no fragment.
 */
export function loggableUrl(url: URL | string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  u.hash = '';
  const names = [...u.searchParams.keys()];
  if (names.length === 0) return u.href;
  u.search = '';
  return `${u.href}?${names.map((n) => `${encodeURIComponent(n)}=…`).join('&')}`;
}

/** The names of the headers in `init.headers`, lower-cased and sorted. */
export function headerNames(headers: RequestInit['headers']): string[] {
  if (!headers) return [];
  // A `Headers` is told by its shape: naming the class would load the built-in fetch (lean-response.ts).
  const names = Array.isArray(headers)
    ? headers.map(([name]) => name)
    : Object.getPrototypeOf(headers) !== Object.prototype && typeof (headers as Headers).keys === 'function'
      ? [...(headers as Headers).keys()]
      : Object.keys(headers as Record<string, string>);
  return [...new Set(names.map((n) => n.toLowerCase()))].sort();
}

/** Wraps `inner` so that every exchange is logged at debug level (see the module comment). */
export function createFetchLog(inner: FetchLike, options: FetchLogOptions): FetchLike {
  const { logger, label } = options;
  const now = options.now ?? (() => performance.now());
  return async (input, init) => {
    if (!logger.enabled('debug')) return inner(input, init);
    const url = loggableUrl(input);
    const kind = new URL(input).pathname.includes('/.well-known/') ? `${label} discovery` : label;
    const method = (init?.method ?? 'GET').toUpperCase();
    const sent = headerNames(init?.headers);
    const headers = sent.length > 0 ? `; headers sent: ${sent.join(', ')}` : '; no headers sent';
    const started = now();
    try {
      const response = await inner(input, init);
      const type = response.headers.get('content-type')?.split(';')[0];
      logger.debug(`${kind}: ${method} ${url} → ${response.status}${type ? ` ${type}` : ''} in ${Math.round(now() - started)} ms${headers}`);
      return response;
    } catch (error) {
      logger.debug(`${kind}: ${method} ${url} → failed after ${Math.round(now() - started)} ms: ${describeError(error)}${headers}`);
      throw error;
    }
  };
}

/**
 * {@link createFetchLog} as a fetch-stack layer (the SDK's middleware shape). Off (`undefined`) when the logger
 * writes no debug lines, so a stack built without `--debug` has no such layer at all.
 */
export function exchangeLog(options: FetchLogOptions): Middleware | undefined {
  if (!options.logger.enabled('debug')) return undefined;
  return (next) => createFetchLog(next, options);
}
