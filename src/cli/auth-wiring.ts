/**
 * What the bridge and the `login` / `doctor` commands build the same way from a validated configuration and the
 * runtime record: the fetch stacks (declared in net/fetch-stack.ts) on the network the options ask for, and the
 * Authorizer, whose code is loaded only when first needed.
 */
import { existsSync } from 'node:fs';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Authorizer } from '../auth/authorizer.js';
import { bridgeLoginCriteria, selectLogins } from '../auth/stored-logins.js';
import type { Logger } from '../log.js';
import { buildFetchStacks, type FetchStacks } from '../net/fetch-stack.js';
import type { Middleware } from '../net/middleware.js';
import { type Network, openNetwork, singleNetwork } from '../net/network.js';
import type { CredentialStore, ListedLogin } from '../store/index.js';
import { resolveConfigDir, storePaths } from '../store/paths.js';
import type { Runtime } from '../config/runtime.js';
import { oauthOf, type Config, type OAuthConfig, type ServerConfig } from '../config/types.js';

/** Options for {@link chooseFetches}. */
export interface ChooseFetchesOptions {
  /** The auth layer of the upstream path (the bridge's); absent for the `login` / `doctor` probes. */
  authorization?: Middleware;
  /** The network to build on. Default: the runtime's, else the one `config` asks for (net/network.ts). */
  network?: Network;
}

/**
 * The fetch stacks for `config` (net/fetch-stack.ts): the upstream path, and the OAuth path with the
 * private-address guard unless `--allow-private-auth-servers`.
 */
export async function chooseFetches(config: Config, log: Logger, runtime: Runtime, options: ChooseFetchesOptions = {}): Promise<FetchStacks> {
  const network =
    options.network ??
    (runtime.fetch ? singleNetwork(runtime.fetch) : await openNetwork({ useEnvProxy: config.process.useEnvProxy, logger: log, env: runtime.env }));
  const guard = oauthOf(config.server)?.allowPrivateAuthServers ? undefined : privateAddressGuard(config, log);
  return buildFetchStacks({ network, logger: log, ...(options.authorization ? { authorization: options.authorization } : {}), ...(guard ? { guard } : {}) });
}

/**
 * The private-address guard (auth/private-address-guard.ts) as a layer of the OAuth stack: a public MCP server may
 * not send the OAuth requests to this machine or a private network. Its code loads with the first OAuth request.
 */
function privateAddressGuard(config: Config, log: Logger): Middleware {
  return (next) => {
    let guarded: Promise<FetchLike> | undefined;
    return async (input, init) => {
      guarded ??= import('../auth/private-address-guard.js').then(({ guardAuthFetch }) =>
        guardAuthFetch({ serverUrl: config.server.url, fetch: next, viaProxy: config.process.useEnvProxy, logger: log }),
      );
      return (await guarded)(input, init);
    };
  };
}

/**
 * The stored logins the bridge would use for `config.url`, newest first (the Authorizer's own rule,
 * stored-logins.ts), read from the metadata files only (no keychain, nothing created): cheap enough for every
 * start, and empty at once when the bridge never stored anything.
 */
export async function storedLoginsFor(config: ServerConfig, auth: OAuthConfig, openStore?: () => Promise<CredentialStore>): Promise<ListedLogin[]> {
  const criteria = bridgeLoginCriteria({ serverUrl: config.url, grant: auth.grant, issuer: auth.issuer, clientId: auth.clientId });
  // serve's store of the user, when one is given (Redis): its listing, metadata only.
  if (openStore) return selectLogins((await (await openStore()).list()).logins, criteria);
  const configDir = resolveConfigDir(auth.configDir ? { configDir: auth.configDir } : {});
  if (!existsSync(storePaths(configDir).tokensDir)) return []; // decided without loading the store's code
  const { openFileStore } = await import('../store/index.js');
  const { logins } = await (await openFileStore({ configDir })).list();
  return selectLogins(logins, criteria);
}

/** Whether a login the bridge would use for `config.url` is stored ({@link storedLoginsFor}). */
export async function hasStoredLogin(config: ServerConfig, auth: OAuthConfig, openStore?: () => Promise<CredentialStore>): Promise<boolean> {
  return (await storedLoginsFor(config, auth, openStore)).length > 0;
}

/** What {@link createAuthorizer} builds from. */
export interface CreateAuthorizerOptions {
  server: ServerConfig;
  auth: OAuthConfig;
  log: Logger;
  /** The OAuth stack from {@link chooseFetches}. */
  oauthFetch: FetchLike;
  /** The clock, the system browser, the login prompter and the queue of interactive logins come from here. */
  runtime: Pick<Runtime, 'now' | 'openBrowser' | 'prompt' | 'interactiveLogins'>;
  /**
   * `serve`: browser logins answer at the shared callback endpoint for this user (auth/web-callback/hub.ts), whose
   * URL is `auth.redirectUrl`; no browser is opened on the server (the login link reaches the user instead).
   */
  webCallback?: { hub: import('../auth/web-callback/hub.js').CallbackHub; owner: string };
  /** `serve`: the user's credential store (serve/users/user-stores.ts); default: the one `auth` names. */
  openStore?: () => Promise<CredentialStore>;
}

/** Builds the Authorizer for one server (its modules are imported here, on first use). */
export async function createAuthorizer(o: CreateAuthorizerOptions): Promise<Authorizer> {
  const { server: config, auth, log, oauthFetch, runtime } = o;
  const [{ Authorizer }, { commandOpener }, { openCredentialStore }] = await Promise.all([
    import('../auth/authorizer.js'),
    import('../auth/browser.js'),
    import('../store/index.js'),
  ]);
  // Secrets from the command line or environment: never in a log line, whatever prints them.
  log.secret(auth.clientSecret);
  log.secret(auth.enterpriseIdp?.clientSecret);
  if (auth.enterpriseIdp?.idToken.kind === 'env') log.secret(auth.enterpriseIdp.idToken.value);
  if (auth.workloadToken?.kind === 'env') log.secret(auth.workloadToken.value);
  return new Authorizer({
    serverUrl: config.url,
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.clientId ? { clientId: auth.clientId } : {}),
    ...(auth.clientSecret ? { clientSecret: auth.clientSecret } : {}),
    ...(auth.clientMetadataUrl ? { clientMetadataUrl: auth.clientMetadataUrl } : {}),
    grant: auth.grant,
    ...(auth.clientKey ? { clientKey: auth.clientKey } : {}),
    ...(auth.enterpriseIdp ? { enterpriseIdp: auth.enterpriseIdp } : {}),
    ...(auth.workloadToken ? { workloadToken: auth.workloadToken } : {}),
    dpop: auth.dpop,
    ...(auth.scopes ? { scopes: auth.scopes } : {}),
    ...(auth.resource ? { resource: auth.resource } : {}),
    sendResource: auth.sendResource,
    extraParams: auth.extraParams,
    authTimeoutMs: auth.authTimeoutMs,
    ...(auth.redirectUrl ? { redirectUrl: auth.redirectUrl } : {}),
    ...(auth.callbackHost ? { callbackHost: auth.callbackHost } : {}),
    ...(auth.callbackPort !== undefined ? { callbackPort: auth.callbackPort } : {}),
    opener: o.webCallback || auth.browser === false ? undefined : auth.browser ? commandOpener(auth.browser, log) : runtime.openBrowser,
    ...(o.webCallback ? { webCallback: o.webCallback } : {}),
    // A login link is a capability of the user it is for: in serve it reaches that user, never the server's log.
    prompt: o.webCallback ? () => undefined : runtime.prompt,
    openStore: o.openStore ?? (async () => {
      const store = await openCredentialStore({ mode: auth.tokenStore, ...(auth.configDir ? { configDir: auth.configDir } : {}), logger: log });
      // The start-up line named the choice; once `auto` has picked the keychain, say so (a fall-back to files says itself).
      if (auth.tokenStore === 'auto' && store.kind === 'keychain') log.info(`credentials: ${store.description}`);
      return store;
    }),
    ...(auth.configDir ? { configDir: auth.configDir } : {}),
    http: { fetch: oauthFetch, policy: { allowHttp: auth.allowHttp }, timeoutMs: Math.max(config.connectTimeoutMs, 10_000) },
    now: runtime.now,
    logger: log,
    loginBackoffMs: auth.loginBackoffMs,
    interactiveLogins: runtime.interactiveLogins,
  });
}

