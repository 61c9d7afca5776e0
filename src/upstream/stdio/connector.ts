/**
 * Opens sessions with one local (stdio) MCP server: the {@link UpstreamConnector} that starts its command as a child
 * process (a {@link StdioUpstream}) and sends `initialize` on it. A lost session (the child exited or crashed) is
 * replaced by a new child through {@link UpstreamConnector.reopen}, which the session lifecycle calls with its own
 * backoff; a child that keeps dying soon after it started is, on top of that, started again only after a delay that
 * doubles up to {@link RESTART_MAX_DELAY_MS}, so a server that crashes once it answered `initialize` does not spin.
 *
 * The connector owns every child it started: {@link StdioConnector.close} stops them all, including one still being
 * opened that no session holds yet. Nothing process-wide is registered (no exit hooks): the owner closes the
 * connector on shutdown. When the bridge is killed with SIGKILL nothing runs; see process-group.ts for what then
 * survives.
 */
import { BridgeError, ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { OpenRequest, UpstreamConnector } from '../port.js';
import { childEnvironment } from './child-env.js';
import type { GroupGuardian } from './guardian.js';
import { StdioUpstream } from './upstream.js';

/** Options for {@link createStdioConnector}. */
export interface StdioConnectorOptions {
  /** The server's name in the configuration: its log lines (and its stderr lines) carry it. */
  name: string;
  /** The program to run: never through a shell; a bare name is looked up on `PATH` by the system. */
  command: string;
  args: string[];
  /**
   * Variables set for the child, over the few it inherits from the bridge (see {@link childEnvironment}: `PATH`,
   * `HOME`, `USER`, the locale, `TMPDIR`…, on Windows `SYSTEMROOT` and the like); nothing else of the bridge's
   * environment reaches the child.
   */
  env: Record<string, string>;
  /** The child's working directory; default the bridge's. */
  cwd?: string;
  /** Longest line accepted from the child, in bytes (`--max-server-message-size`). */
  maxMessageBytes: number;
  /** The parent logger; the connector logs through `logger.child({ name })`. */
  logger: Logger;
  /** How long the process group gets after SIGTERM before SIGKILL. Default 2 s. */
  stopGraceMs?: number;
  /**
   * How long the child gets to exit by itself once its stdin is closed, before SIGTERM (MCP 2025-11-25,
   * "Lifecycle", stdio shutdown). Default 500 ms.
   */
  eofGraceMs?: number;
  /** Backpressure from the client side: the child's stdout is not read while this returns a promise. */
  clientReady?: () => Promise<void> | undefined;
  /** The process's watchdog for local servers' groups (guardian.ts), so a bridge killed outright leaves none. */
  guardian?: GroupGuardian;
}

/** The stdio connector: an {@link UpstreamConnector} that also stops every child it started. */
export interface StdioConnector extends UpstreamConnector {
  /** Stops every child still running (each as {@link StdioUpstream.close}) and opens no more. Idempotent. */
  close(): Promise<void>;
}

/** A child that ran at least this long counts as having started well: the restart delay starts over. */
const STABLE_MS = 10_000;
/** First delay before starting again a child that died young. */
const RESTART_BASE_DELAY_MS = 1_000;
/** Longest delay before starting a child again. */
export const RESTART_MAX_DELAY_MS = 30_000;

/** Creates the connector. See the module comment. */
export function createStdioConnector(options: StdioConnectorOptions): StdioConnector {
  return new Connector(options);
}

class Connector implements StdioConnector {
  readonly #o: StdioConnectorOptions;
  readonly #log: Logger;
  readonly #env: Record<string, string>;
  /** Children started and not yet stopped. */
  readonly #live = new Set<StdioUpstream>();
  #closed = false;
  /** When the last session was opened, and how many in a row died young. */
  #lastOpenedAt: number | undefined;
  #youngDeaths = 0;
  #wake: (() => void) | undefined;

  constructor(options: StdioConnectorOptions) {
    this.#o = options;
    this.#log = options.logger.child({ name: options.name });
    this.#env = childEnvironment({ env: options.env });
  }

  open(request: OpenRequest): Promise<StdioUpstream> {
    return this.#openOne(request);
  }

  async reopen(request: OpenRequest): Promise<StdioUpstream> {
    const last = this.#lastOpenedAt;
    this.#youngDeaths = last !== undefined && Date.now() - last < STABLE_MS ? this.#youngDeaths + 1 : 0;
    if (this.#youngDeaths > 0) {
      const delay = Math.min(RESTART_BASE_DELAY_MS * 2 ** (this.#youngDeaths - 1), RESTART_MAX_DELAY_MS);
      this.#log.info(`starting the server again in ${delay} ms (it stopped ${this.#youngDeaths} time(s) soon after it started)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    return this.#openOne(request);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await Promise.all([...this.#live].map((up) => up.close()));
  }

  /** Starts one child and sends the initialize on it; stops it again when either fails. */
  async #openOne(request: OpenRequest): Promise<StdioUpstream> {
    if (this.#closed) throw closedError();
    const o = this.#o;
    const up = new StdioUpstream({
      name: o.name,
      child: { command: o.command, args: o.args, env: this.#env, cwd: o.cwd },
      maxMessageBytes: o.maxMessageBytes,
      eofGraceMs: o.eofGraceMs ?? 500,
      stopGraceMs: o.stopGraceMs ?? 2_000,
      ...(o.clientReady ? { clientReady: o.clientReady } : {}),
      ...(o.guardian ? { guardian: o.guardian } : {}),
      logger: this.#log,
      events: request.events,
    });
    this.#live.add(up);
    try {
      await up.start();
      if (this.#closed) throw closedError();
      request.onSend?.(up);
      await up.send(request.initialize);
      this.#lastOpenedAt = Date.now();
      return up;
    } catch (error) {
      await up.close();
      throw error;
    } finally {
      // Forgotten once stopped, whoever stops it.
      void up.stopped.then(() => this.#live.delete(up));
    }
  }
}

function closedError(): BridgeError {
  return new BridgeError(ErrorCode.Closed, 'mcp-auth-bridge is shutting down');
}
