/**
 * The product's two fetch stacks, declared here and nowhere else; the bridge, `login` and `doctor` all build them
 * with {@link buildFetchStacks}. Each layer is fetch middleware in the SDK's shape (middleware.ts). Layers that
 * belong to higher layers of the code (the auth layer, the private-address guard) are handed in as middleware, so
 * this module knows their place in the stack but not their code (net/ imports neither auth/ nor bridge/).
 *
 * The upstream path (MCP messages), top to bottom:
 * - the upstream session's client (upstream/http/streamable-client.ts: typed HTTP errors, stream tracking, the
 *   large-response relay; the legacy SSE transport has upstream-fetch.ts for these), which each upstream session
 *   puts on top of this stack because it reports to that session;
 * - `authorization` (auth/auth-fetch.ts), when auth is on: the bearer token on every request; 401 and 403 go to
 *   the Authorizer, then one replay;
 * - {@link connectTimeout} (bounded-fetch.ts): the connect timeout, below auth so that a browser login is not counted;
 * - {@link exchangeLog} `http`, with debug logging: one line per exchange (fetch-log.ts);
 * - `network.upstream`: keep-alive `node:http`, or the proxy-aware fetch (network.ts).
 *
 * The OAuth path (discovery, registration, token requests), top to bottom:
 * - {@link exchangeLog} `oauth`, with debug logging: every request an authorization server gets, refusals included;
 * - `guard` (auth/private-address-guard.ts), unless the MCP server is private or `--allow-private-auth-servers`:
 *   no OAuth request to this machine or a private network on behalf of a public server;
 * - `network.oauth`: the built-in fetch, or the proxy-aware one.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Logger } from '../log.js';
import { connectTimeout } from './bounded-fetch.js';
import { exchangeLog } from './fetch-log.js';
import { composeFetch, type Middleware } from './middleware.js';
import type { Network } from './network.js';

/** Options for {@link buildFetchStacks}. */
export interface FetchStackOptions {
  /** The bottom of both stacks (network.ts). */
  network: Network;
  /** For the exchange log (its layers are off unless the logger writes debug lines). */
  logger: Logger;
  /** The auth layer of the upstream path; absent when the bridge does not log in (or for probes before a login). */
  authorization?: Middleware;
  /** The private-address guard of the OAuth path; absent when it does not apply. */
  guard?: Middleware;
}

/** The two stacks. */
export interface FetchStacks {
  /** Below the upstream session's client: what the bridge, and the `login` / `doctor` probes, send MCP with. */
  upstream: FetchLike;
  /** What every OAuth request goes through. */
  oauth: FetchLike;
}

/** Builds both stacks; see the module comment for what each layer does and why it sits where it does. */
export function buildFetchStacks(options: FetchStackOptions): FetchStacks {
  const { network, logger } = options;
  return {
    upstream: composeFetch([options.authorization, connectTimeout, exchangeLog({ logger, label: 'http' })], network.upstream),
    oauth: composeFetch([exchangeLog({ logger, label: 'oauth' }), options.guard], network.oauth),
  };
}
