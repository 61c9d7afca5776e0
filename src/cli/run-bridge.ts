/**
 * Runs the bridge for a validated configuration until the client goes away or a signal arrives. Resolves with the
 * exit code; only the entry (main.ts) ends the process.
 */
import { Bridge } from '../bridge/bridge.js';
import { StdioTransport } from '../front/stdio/stdio-transport.js';
import { createHttpConnector } from '../upstream/http/connector.js';
import { createEraConnector } from '../upstream/era/era-connector.js';
import { serverEraMemory } from './server-era-memory.js';
import { resolveConfigDir } from '../store/paths.js';
import { createAuthFetch } from '../auth/auth-fetch.js';
import type { Authorizer } from '../auth/authorizer.js';
import { createLogger, type Logger } from '../log.js';
import type { Middleware } from '../net/middleware.js';
import { VERSION } from '../version.js';
import { chooseFetches, createAuthorizer, hasStoredLogin } from './auth-wiring.js';
import { ExitCode } from './exit-codes.js';
import type { Runtime } from '../config/runtime.js';
import { oauthOf, type Config } from '../config/types.js';
import { displayUrl } from '../config/url.js';
import { describeStoreChoice } from './store-choice.js';

/** Options for {@link runBridge}. */
export interface RunBridgeOptions {
  config: Config;
  /** The outside world (config/runtime.ts): stdio, the network, the clock, the browser, signals. */
  runtime: Runtime;
  /** Default: a logger on stderr at the configured level. */
  logger?: Logger;
}

/** Runs the bridge; see the module comment. */
export async function runBridge(options: RunBridgeOptions): Promise<ExitCode> {
  const { runtime } = options;
  const { server: config, process: proc } = options.config;
  const log = options.logger ?? createLogger({ level: proc.logLevel, file: proc.logFile, stream: runtime.stderr });
  for (const value of Object.values(config.headers)) log.secret(value);
  if (proc.banner) {
    log.info(`v${VERSION}: stdio ⇄ ${displayUrl(config.url)} (transport ${config.transport}; ${describeStoreChoice(config.auth)})`);
  }
  let authorization: Middleware | undefined;
  let waitingFor: (() => string | undefined) | undefined;
  const auth = oauthOf(config);
  if (auth) {
    let authorizer: Authorizer | undefined;
    // The OAuth engine and the credential store load only when a server first asks for authorization.
    const makeAuthorizer = async () => (authorizer = await createAuthorizer({ server: config, auth, log, oauthFetch: fetches.oauth, runtime }));
    const storedLogin = hasStoredLogin(config, auth).catch(() => false);
    authorization = (next) => createAuthFetch({ fetch: next, authorizer: makeAuthorizer, storedLogin });
    waitingFor = () => {
      const url = authorizer?.pendingLoginUrl;
      return url ? `the browser login to finish; to log in, open ${url}` : undefined;
    };
  }
  // The stacks are declared in net/fetch-stack.ts; each upstream session puts its own client on top.
  const fetches = await chooseFetches(options.config, log, runtime, authorization ? { authorization } : {});
  const client = new StdioTransport({
    stdin: runtime.stdin,
    stdout: runtime.stdout,
    maxMessageBytes: proc.maxMessageBytes,
    logger: log,
  });
  const settings = {
    url: config.url,
    headers: config.headers,
    fetch: fetches.upstream,
    connectTimeoutMs: config.connectTimeoutMs,
    maxMessageBytes: config.maxServerMessageBytes,
    clientReady: () => client.ready(),
    logger: log,
  };
  // The protocol era: detected (and remembered) or chosen; the 2026-07-28 upstream loads only when a server needs it.
  const connector = createEraConnector({
    choice: config.protocol,
    legacy: createHttpConnector({ ...settings, mode: config.transport }),
    modern: async () => (await import('../upstream/http-2026/connector.js')).createModernConnector(settings),
    answerWaitMs: config.connectTimeoutMs > 0 ? config.connectTimeoutMs : 30_000,
    memory: serverEraMemory(resolveConfigDir(auth?.configDir ? { configDir: auth.configDir } : {}), config.url, runtime),
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
    unsubscribe = runtime.onSignal((signal) => resolve(signal));
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
