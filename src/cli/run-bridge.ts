/**
 * Runs the bridge for a validated {@link BridgeConfig} until the client goes away or a signal arrives.
 * Resolves with the exit code; only the entry (main.ts) ends the process.
 */
import type { Readable, Writable } from 'node:stream';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { createBoundedFetch } from '../bridge/bounded-fetch.js';
import { Bridge } from '../bridge/bridge.js';
import { nodeHttpFetch } from '../bridge/node-http-fetch.js';
import { createEnvProxyFetch, describeProxyEnv } from '../bridge/env-proxy.js';
import { StdioTransport } from '../bridge/stdio-transport.js';
import { createAuthFetch } from '../auth/auth-fetch.js';
import type { Authorizer } from '../auth/authorizer.js';
import { createLogger, type Logger } from '../log.js';
import { VERSION } from '../version.js';
import { ExitCode } from './exit-codes.js';
import { displayUrl, type BridgeConfig } from './resolve.js';

/** What the bridge touches outside itself; production defaults are the process's own. */
export interface RunBridgeOptions {
  config: BridgeConfig;
  stdin?: Readable;
  stdout?: Writable;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Fetch below the upstream seam. Default: node:http, or the proxy-aware one with `--use-env-proxy`. */
  fetch?: FetchLike;
  /** Subscribes to shutdown signals; returns an unsubscribe function. Default: SIGINT, SIGTERM, SIGHUP. */
  onSignal?: (handler: (signal: string) => void) => () => void;
}

function processSignals(handler: (signal: string) => void): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

/** Runs the bridge; see the module comment. */
export async function runBridge(options: RunBridgeOptions): Promise<ExitCode> {
  const { config } = options;
  const env = options.env ?? process.env;
  const log = options.logger ?? createLogger({ level: config.logLevel, file: config.logFile });
  for (const value of Object.values(config.headers)) log.secret(value);
  if (config.banner) {
    log.info(`v${VERSION}: stdio ⇄ ${displayUrl(config.url)} (transport ${config.transport})`);
  }
  // The upstream path runs on node:http; auth requests (rare) keep the standard fetch. Both go through the proxy
  // when asked.
  let fetch = options.fetch ?? nodeHttpFetch;
  let authHttpFetch = options.fetch ?? (globalThis.fetch as FetchLike);
  if (config.useEnvProxy && !options.fetch) {
    fetch = await createEnvProxyFetch();
    authHttpFetch = fetch;
    log.info(`using proxy settings from the environment (${describeProxyEnv(env)})`);
  }
  const network = createBoundedFetch(fetch);
  let upstreamFetch = network;
  let waitingFor: (() => string | undefined) | undefined;
  const auth = config.auth;
  if (auth) {
    let authorizer: Authorizer | undefined;
    const makeAuthorizer = async (): Promise<Authorizer> => {
      // The OAuth engine and the credential store load only when a server first asks for authorization.
      const [{ Authorizer }, { commandOpener, systemOpener }, { openCredentialStore }] = await Promise.all([
        import('../auth/authorizer.js'),
        import('../auth/browser.js'),
        import('../store/index.js'),
      ]);
      authorizer = new Authorizer({
      serverUrl: config.url,
      ...(auth.issuer ? { issuer: auth.issuer } : {}),
      ...(auth.clientId ? { clientId: auth.clientId } : {}),
      ...(auth.clientSecret ? { clientSecret: auth.clientSecret } : {}),
      ...(auth.clientMetadataUrl ? { clientMetadataUrl: auth.clientMetadataUrl } : {}),
      ...(auth.scopes ? { scopes: auth.scopes } : {}),
      ...(auth.resource ? { resource: auth.resource } : {}),
      sendResource: auth.sendResource,
      extraParams: auth.extraParams,
      authTimeoutMs: auth.authTimeoutMs,
      ...(auth.redirectUrl ? { redirectUrl: auth.redirectUrl } : {}),
      ...(auth.callbackHost ? { callbackHost: auth.callbackHost } : {}),
      ...(auth.callbackPort !== undefined ? { callbackPort: auth.callbackPort } : {}),
      opener: auth.browser === false ? undefined : auth.browser ? commandOpener(auth.browser, log) : systemOpener,
      openStore: () => openCredentialStore({ mode: auth.tokenStore, ...(auth.configDir ? { configDir: auth.configDir } : {}), logger: log }),
      ...(auth.configDir ? { configDir: auth.configDir } : {}),
      http: { fetch: authHttpFetch, policy: { allowHttp: auth.allowHttp }, timeoutMs: Math.max(config.connectTimeoutMs, 10_000) },
      now: Date.now,
      logger: log,
    });
      return authorizer;
    };
    upstreamFetch = createAuthFetch({ fetch: network, authorizer: makeAuthorizer });
    waitingFor = () => {
      const url = authorizer?.pendingLoginUrl;
      return url ? `the browser login to finish; to log in, open ${url}` : undefined;
    };
  }
  const client = new StdioTransport({
    stdin: options.stdin ?? process.stdin,
    stdout: options.stdout ?? process.stdout,
    maxMessageBytes: config.maxMessageBytes,
    logger: log,
  });
  const bridge = new Bridge({
    client,
    url: config.url,
    mode: config.transport,
    headers: config.headers,
    fetch: upstreamFetch,
    connectTimeoutMs: config.connectTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    logger: log,
    ...(waitingFor ? { waitingFor } : {}),
  });
  let unsubscribe = () => {};
  const stopped = new Promise<string>((resolve) => {
    unsubscribe = (options.onSignal ?? processSignals)((signal) => resolve(signal));
  });
  await bridge.start();
  const reason = await Promise.race([bridge.clientClosed.then(() => 'stdin closed'), stopped]);
  unsubscribe();
  log.debug(`shutting down (${reason})`);
  await bridge.close();
  log.close();
  return ExitCode.Ok;
}
