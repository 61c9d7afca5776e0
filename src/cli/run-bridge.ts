/**
 * Runs the bridge for a validated {@link BridgeConfig} until the client goes away or a signal arrives.
 * Resolves with the exit code; only the entry (main.ts) ends the process.
 */
import type { Readable, Writable } from 'node:stream';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Bridge } from '../bridge/bridge.js';
import { StdioTransport } from '../front/stdio/stdio-transport.js';
import { createHttpConnector } from '../upstream/http/connector.js';
import { createAuthFetch } from '../auth/auth-fetch.js';
import type { Authorizer } from '../auth/authorizer.js';
import { createLogger, type Logger } from '../log.js';
import type { Middleware } from '../net/middleware.js';
import { singleNetwork } from '../net/network.js';
import { VERSION } from '../version.js';
import { chooseFetches, createAuthorizer, hasStoredLogin } from './auth-wiring.js';
import { ExitCode } from './exit-codes.js';
import { displayUrl, type BridgeConfig } from './resolve.js';
import { describeStoreChoice } from './store-choice.js';

/** What the bridge touches outside itself; production defaults are the process's own. */
export interface RunBridgeOptions {
  config: BridgeConfig;
  stdin?: Readable;
  stdout?: Writable;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /**
   * The network below both fetch stacks (tests). Default: node:http upstream and the built-in fetch for OAuth, or
   * the proxy's (net/network.ts).
   */
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
    log.info(`v${VERSION}: stdio ⇄ ${displayUrl(config.url)} (transport ${config.transport}; ${describeStoreChoice(config.auth)})`);
  }
  let authorization: Middleware | undefined;
  let waitingFor: (() => string | undefined) | undefined;
  const auth = config.auth;
  if (auth) {
    let authorizer: Authorizer | undefined;
    // The OAuth engine and the credential store load only when a server first asks for authorization.
    const makeAuthorizer = async () => (authorizer = await createAuthorizer(config, auth, log, fetches.oauth));
    const storedLogin = hasStoredLogin(config, auth).catch(() => false);
    authorization = (next) => createAuthFetch({ fetch: next, authorizer: makeAuthorizer, storedLogin });
    waitingFor = () => {
      const url = authorizer?.pendingLoginUrl;
      return url ? `the browser login to finish; to log in, open ${url}` : undefined;
    };
  }
  // The stacks are declared in net/fetch-stack.ts; each upstream session puts its own client on top.
  const fetches = await chooseFetches(config, log, env, {
    ...(authorization ? { authorization } : {}),
    ...(options.fetch ? { network: singleNetwork(options.fetch) } : {}),
  });
  const client = new StdioTransport({
    stdin: options.stdin ?? process.stdin,
    stdout: options.stdout ?? process.stdout,
    maxMessageBytes: config.maxMessageBytes,
    logger: log,
  });
  const connector = createHttpConnector({
    url: config.url,
    mode: config.transport,
    headers: config.headers,
    fetch: fetches.upstream,
    connectTimeoutMs: config.connectTimeoutMs,
    maxMessageBytes: config.maxServerMessageBytes,
    clientReady: () => client.ready(),
    logger: log,
  });
  const bridge = new Bridge({
    client,
    connector,
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
  const reason = await Promise.race([bridge.clientClosed.then(() => STDIN_ENDED), stopped]);
  if (reason === STDIN_ENDED) {
    // Answer what the client already sent (e.g. `echo '<initialize>' | mcp-auth-bridge <url>`), but never linger:
    // a client that is gone cannot wait for a browser login or a slow tool. A signal stops at once instead.
    if (waitingFor?.()) log.debug('not waiting for answers: they wait for a browser login no client can use now');
    else await bridge.drain(drainLimitMs(config.requestTimeoutMs));
  }
  unsubscribe();
  log.debug(`shutting down (${reason})`);
  await withDeadline(bridge.close(), CLOSE_LIMIT_MS);
  log.close();
  return ExitCode.Ok;
}

const STDIN_ENDED = 'stdin closed';
/** Longest wait, after stdin ended, for answers to requests already sent (also bounded by --request-timeout). */
export const DRAIN_LIMIT_MS = 5_000;
/** Longest wait for the shutdown itself (the session DELETE is bounded well below this). */
const CLOSE_LIMIT_MS = 3_000;

function drainLimitMs(requestTimeoutMs: number): number {
  return requestTimeoutMs > 0 ? Math.min(requestTimeoutMs, DRAIN_LIMIT_MS) : DRAIN_LIMIT_MS;
}

async function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
