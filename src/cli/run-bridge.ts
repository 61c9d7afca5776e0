/**
 * Runs the bridge for a validated configuration until the client goes away or a signal arrives. Resolves with the
 * exit code; only the entry (main.ts) ends the process.
 */
import { Bridge } from '../bridge/bridge.js';
import { StdioTransport } from '../front/stdio/stdio-transport.js';
import { createLogger } from '../log.js';
import type { Logger } from '../log.js';
import { VERSION } from '../version.js';
import { ExitCode } from './exit-codes.js';
import type { Runtime } from '../config/runtime.js';
import type { Config } from '../config/types.js';
import { displayUrl } from '../config/url.js';
import { describeStoreChoice } from './store-choice.js';
import { linkServer } from './server-link.js';

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
  if (proc.banner) {
    log.info(`v${VERSION}: stdio ⇄ ${displayUrl(config.url)} (transport ${config.transport}; ${describeStoreChoice(config.auth)})`);
  }
  let client: StdioTransport | undefined;
  const { connector, waitingFor } = await linkServer({ server: config, process: proc, runtime, log, clientReady: () => client?.ready() });
  client = new StdioTransport({
    stdin: runtime.stdin,
    stdout: runtime.stdout,
    maxMessageBytes: proc.maxMessageBytes,
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

/** Waits for `work`, or `ms`, whichever comes first. */
export async function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
