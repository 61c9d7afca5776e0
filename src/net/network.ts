/**
 * The bottom of the fetch stacks: what actually sends the bytes. The upstream path uses keep-alive `node:http`
 * (node-http-fetch.ts); OAuth requests use the built-in fetch (their code wants standard `Response`s and they are
 * few); with `--use-env-proxy` both go through the proxy-aware fetch (env-proxy.ts, loaded only then).
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Logger } from '../log.js';
import { createEnvProxyFetch, describeProxyEnv } from './env-proxy.js';
import { nodeHttpFetch } from './node-http-fetch.js';

/** The two fetches the stacks are built on. */
export interface Network {
  /** The upstream path's (MCP messages). */
  upstream: FetchLike;
  /** OAuth requests' (metadata, registration, tokens). */
  oauth: FetchLike;
}

/** Options for {@link openNetwork}. */
export interface NetworkOptions {
  /** `--use-env-proxy`: both paths through HTTPS_PROXY / HTTP_PROXY, except NO_PROXY hosts. */
  useEnvProxy: boolean;
  /** Where the choice of a proxy is said. */
  logger: Logger;
  /** The environment the proxy variables are read from (named in the log line, never their values). */
  env: NodeJS.ProcessEnv;
  /** The built-in fetch, for OAuth requests without a proxy. Default `globalThis.fetch`. */
  builtinFetch?: FetchLike;
}

/** The network for a command: see the module comment. */
export async function openNetwork(options: NetworkOptions): Promise<Network> {
  if (!options.useEnvProxy) return { upstream: nodeHttpFetch, oauth: options.builtinFetch ?? (globalThis.fetch as FetchLike) };
  const proxied = await createEnvProxyFetch();
  options.logger.info(`using proxy settings from the environment (${describeProxyEnv(options.env)})`);
  return { upstream: proxied, oauth: proxied };
}

/** One fetch for both paths (tests that bring their own network). */
export function singleNetwork(fetch: FetchLike): Network {
  return { upstream: fetch, oauth: fetch };
}
