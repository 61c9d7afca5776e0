/**
 * What the bridge and the `login` / `doctor` commands build the same way from a {@link BridgeConfig}: the network
 * fetch (node:http, or the proxy-aware one) and the Authorizer, whose code is loaded only when first needed.
 */
import { existsSync } from 'node:fs';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Authorizer } from '../auth/authorizer.js';
import { bridgeLoginCriteria, selectLogins } from '../auth/stored-logins.js';
import { createEnvProxyFetch, describeProxyEnv } from '../bridge/env-proxy.js';
import { createFetchLog } from '../bridge/fetch-log.js';
import { nodeHttpFetch } from '../bridge/node-http-fetch.js';
import type { Logger } from '../log.js';
import type { ListedLogin } from '../store/index.js';
import { resolveConfigDir, storePaths } from '../store/paths.js';
import type { AuthConfig, BridgeConfig } from './resolve.js';

/** The two fetches: the upstream path's, and the one for OAuth requests (which need standard `Response`s). */
export interface Fetches {
  upstream: FetchLike;
  auth: FetchLike;
}

/**
 * node:http for the upstream path and the built-in fetch for auth; both through the proxy with `--use-env-proxy`.
 * With debug logging each is wrapped in the exchange log (fetch-log.ts).
 */
export async function chooseFetches(config: BridgeConfig, log: Logger, env: NodeJS.ProcessEnv): Promise<Fetches> {
  const fetches = await networkFetches(config, log, env);
  if (!log.enabled('debug')) return fetches;
  return { upstream: createFetchLog(fetches.upstream, { logger: log, label: 'http' }), auth: createFetchLog(fetches.auth, { logger: log, label: 'oauth' }) };
}

async function networkFetches(config: BridgeConfig, log: Logger, env: NodeJS.ProcessEnv): Promise<Fetches> {
  if (!config.useEnvProxy) return { upstream: nodeHttpFetch, auth: globalThis.fetch as FetchLike };
  const proxied = await createEnvProxyFetch();
  log.info(`using proxy settings from the environment (${describeProxyEnv(env)})`);
  return { upstream: proxied, auth: proxied };
}

/**
 * The stored logins the bridge would use for `config.url`, newest first (the Authorizer's own rule,
 * stored-logins.ts), read from the metadata files only (no keychain, nothing created): cheap enough for every
 * start, and empty at once when the bridge never stored anything.
 */
export async function storedLoginsFor(config: BridgeConfig, auth: AuthConfig): Promise<ListedLogin[]> {
  const configDir = resolveConfigDir(auth.configDir ? { configDir: auth.configDir } : {});
  if (!existsSync(storePaths(configDir).tokensDir)) return []; // decided without loading the store's code
  const { openFileStore } = await import('../store/index.js');
  const { logins } = await (await openFileStore({ configDir })).list();
  return selectLogins(logins, bridgeLoginCriteria({ serverUrl: config.url, grant: auth.grant, issuer: auth.issuer, clientId: auth.clientId }));
}

/** Whether a login the bridge would use for `config.url` is stored ({@link storedLoginsFor}). */
export async function hasStoredLogin(config: BridgeConfig, auth: AuthConfig): Promise<boolean> {
  return (await storedLoginsFor(config, auth)).length > 0;
}

/** Builds the Authorizer for `config` (its modules are imported here, on first use). */
export async function createAuthorizer(config: BridgeConfig, auth: AuthConfig, log: Logger, authFetch: FetchLike): Promise<Authorizer> {
  const [{ Authorizer }, { commandOpener, systemOpener }, { openCredentialStore }, { guardAuthFetch }] = await Promise.all([
    import('../auth/authorizer.js'),
    import('../auth/browser.js'),
    import('../store/index.js'),
    import('../auth/private-address-guard.js'),
  ]);
  // A public MCP server may not send the OAuth requests to this machine or a private network (private-address-guard.ts).
  const oauthFetch = auth.allowPrivateAuthServers
    ? authFetch
    : guardAuthFetch({ serverUrl: config.url, fetch: authFetch, viaProxy: config.useEnvProxy, logger: log });
  // Secrets from the command line or environment: never in a log line, whatever prints them.
  log.secret(auth.clientSecret);
  log.secret(auth.enterpriseIdp?.clientSecret);
  if (auth.enterpriseIdp?.idToken.kind === 'env') log.secret(auth.enterpriseIdp.idToken.value);
  return new Authorizer({
    serverUrl: config.url,
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.clientId ? { clientId: auth.clientId } : {}),
    ...(auth.clientSecret ? { clientSecret: auth.clientSecret } : {}),
    ...(auth.clientMetadataUrl ? { clientMetadataUrl: auth.clientMetadataUrl } : {}),
    grant: auth.grant,
    ...(auth.clientKey ? { clientKey: auth.clientKey } : {}),
    ...(auth.enterpriseIdp ? { enterpriseIdp: auth.enterpriseIdp } : {}),
    ...(auth.scopes ? { scopes: auth.scopes } : {}),
    ...(auth.resource ? { resource: auth.resource } : {}),
    sendResource: auth.sendResource,
    extraParams: auth.extraParams,
    authTimeoutMs: auth.authTimeoutMs,
    ...(auth.redirectUrl ? { redirectUrl: auth.redirectUrl } : {}),
    ...(auth.callbackHost ? { callbackHost: auth.callbackHost } : {}),
    ...(auth.callbackPort !== undefined ? { callbackPort: auth.callbackPort } : {}),
    opener: auth.browser === false ? undefined : auth.browser ? commandOpener(auth.browser, log) : systemOpener,
    openStore: async () => {
      const store = await openCredentialStore({ mode: auth.tokenStore, ...(auth.configDir ? { configDir: auth.configDir } : {}), logger: log });
      // The start-up line named the choice; once `auto` has picked the keychain, say so (a fall-back to files says itself).
      if (auth.tokenStore === 'auto' && store.kind === 'keychain') log.info(`credentials: ${store.description}`);
      return store;
    },
    ...(auth.configDir ? { configDir: auth.configDir } : {}),
    http: { fetch: oauthFetch, policy: { allowHttp: auth.allowHttp }, timeoutMs: Math.max(config.connectTimeoutMs, 10_000) },
    now: Date.now,
    logger: log,
    loginBackoffMs: auth.loginBackoffMs,
  });
}

