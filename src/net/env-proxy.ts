/**
 * A fetch that honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY (`--use-env-proxy`). Node 20's built-in fetch ignores
 * those variables, so this loads undici's `EnvHttpProxyAgent` lazily: a bridge without the flag never parses it.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

/** Which proxy variables are set, without their values (a proxy URL may carry credentials). */
export function describeProxyEnv(env: NodeJS.ProcessEnv): string {
  const set = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'].filter((n) => env[n]);
  return set.length ? set.join(', ') : 'no proxy variables set';
}

/** Creates a proxy-aware fetch from the process environment. */
export async function createEnvProxyFetch(): Promise<FetchLike> {
  const loaded = await import('undici');
  // Bundled as CommonJS, the module's exports may arrive under `default`.
  const wrapped = (loaded as unknown as { default?: typeof loaded }).default;
  const undici = wrapped?.EnvHttpProxyAgent ? wrapped : loaded;
  const { EnvHttpProxyAgent, fetch } = undici;
  const dispatcher = new EnvHttpProxyAgent();
  const proxied = (url: string | URL, init?: RequestInit) => fetch(url, { ...(init as object), dispatcher } as never);
  return proxied as unknown as FetchLike;
}
