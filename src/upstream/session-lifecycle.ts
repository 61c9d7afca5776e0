/**
 * The life of the upstream session behind one client session, for the eras that have sessions: open it with the
 * client's `initialize`, replace it when it is lost, and keep the order a direct client keeps.
 *
 * - Open: the client's `initialize` goes to the {@link UpstreamConnector}, which picks the wire protocol (and falls
 *   back). A second `initialize` from the client ends the old session first.
 * - Recover: a lost session (the upstream says so, or a send failed in a way that says so) is retired, the owner
 *   settles the requests sent on it ({@link SessionLifecycleOptions.onLost}), and a new session is opened with
 *   backoff: the client's `initialize` replayed under a bridge-owned id, then its `notifications/initialized`.
 *   After a new session the client gets `list_changed` notifications, since the lists may differ.
 * - Check: a failure that leaves the session in doubt (an HTTP 400 on a session the server accepted before) is
 *   checked once per upstream with a `ping` on it: lost when that fails the same way, else the failure stands.
 * - Listen: after `notifications/initialized`, the client's next messages wait (briefly, once per session) until the
 *   server can send requests of its own, since servers drop server-to-client requests sent before that.
 *
 * See docs/architecture.md, "Sessions".
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, describeError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { describeRpcError, type RequestId } from '../protocol/jsonrpc.js';
import type { Upstream, UpstreamConnector, UpstreamEvents } from './port.js';

/** Bounds on re-opening a lost upstream session. */
export interface RecoveryOptions {
  /** Attempts to open a new session before giving up (the next client request tries again). Default 5. */
  attempts?: number;
  /** First backoff delay; doubles per attempt. Default 250 ms. */
  baseDelayMs?: number;
  /** Longest backoff delay. Default 4 s. */
  maxDelayMs?: number;
}

/** How the owner settles the requests that were sent on a lost session, once the new one is open or is not. */
export interface LostRequests {
  /** A new session is open: send them again. */
  resend(): void;
  /** No new session could be opened: answer them with `error`. */
  fail(error: unknown): void;
}

/** Options for {@link SessionLifecycle}. */
export interface SessionLifecycleOptions {
  /** Opens upstream sessions with the server. */
  connector: UpstreamConnector;
  /** Where the server's messages (except answers to the lifecycle's own requests) and stream ends go. */
  events: Pick<UpstreamEvents, 'onmessage' | 'onResponseStreamEnd'>;
  /** Sends a message of the lifecycle's own to the client (`list_changed` after a new session). */
  notifyClient(message: JSONRPCMessage): void;
  /**
   * A session was lost: the owner answers the requests sent on `lost` that cannot be sent again, and says how to
   * settle the others.
   */
  onLost(lost: Upstream): LostRequests;
  /** Bound on session set-up and quick answers; 0 disables (then generous defaults apply). */
  connectTimeoutMs: number;
  recovery?: RecoveryOptions;
  logger: Logger;
}

/** What a session check concluded for the request that asked for it. */
export type CheckOutcome =
  /** The session is lost and recovery has begun: it takes the request over. */
  | 'recovering'
  /** The session is alive: the failure was the server's answer. */
  | 'alive'
  /** The request no longer waits, the session was already replaced, or shutdown began: nothing to do. */
  | 'moot';

/** Longest wait of the client's first messages after `notifications/initialized` for the server to listen. */
const LISTEN_WAIT_MS = 2_000;

/** The session lifecycle. See the module comment. */
export class SessionLifecycle {
  readonly #o: SessionLifecycleOptions;
  readonly #log: Logger;
  readonly #recovery: Required<RecoveryOptions>;
  readonly #events: UpstreamEvents;
  /** Answers awaited by the lifecycle's own requests (replayed initialize, session checks), by id. */
  readonly #internal = new Map<RequestId, (message: JSONRPCMessage) => void>();
  /** One session check per upstream, shared by the requests that met a failure in doubt on it. */
  readonly #sessionChecks = new WeakMap<Upstream, Promise<boolean>>();
  #up: Upstream | undefined;
  #opening: Promise<Upstream> | undefined;
  #initialize: JSONRPCMessage | undefined;
  #initialized: JSONRPCMessage | undefined;
  #capabilities: Record<string, unknown> = {};
  /** A session was opened once: a failed recovery may be tried again. */
  #opened = false;
  #closing = false;
  #serial = 0;
  /** Set from `notifications/initialized` until the server listens (bounded). */
  #listenGate: Promise<void> | undefined;

  constructor(options: SessionLifecycleOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#recovery = { attempts: 5, baseDelayMs: 250, maxDelayMs: 4_000, ...options.recovery };
    const { onmessage, onResponseStreamEnd } = options.events;
    this.#events = {
      onmessage: (message, from, raw) => {
        if (!('method' in message)) {
          const id = (message as { id?: RequestId }).id;
          const internal = id === undefined ? undefined : this.#internal.get(id);
          if (internal) {
            this.#internal.delete(id!);
            internal(message);
            return;
          }
        }
        onmessage(message, from, raw);
      },
      onResponseStreamEnd,
      onSessionLost: (reason, from) => {
        if (from === this.#up) this.recover(reason);
      },
    };
  }

  /** Whether `up` is the session in use. */
  isCurrent(up: Upstream): boolean {
    return up === this.#up;
  }

  /**
   * Opens a session with the client's `initialize` (ending the one before, if any); `onSend` sees each upstream
   * tried just before the request goes out on it. Rejects when no session could be opened.
   */
  async open(initialize: JSONRPCMessage, onSend?: (up: Upstream) => void): Promise<void> {
    this.#initialize = initialize;
    const previous = this.#up;
    this.#up = undefined;
    if (previous) {
      this.#log.info('the client initialized again; opening a new upstream session');
      await previous.close({ terminate: true, timeoutMs: 700 });
    }
    const opening = this.#o.connector.open({ initialize, events: this.#events, ...(onSend ? { onSend } : {}) });
    this.#opening = opening;
    try {
      this.#up = await opening;
      this.#opened = true;
    } finally {
      if (this.#opening === opening) this.#opening = undefined;
    }
  }

  /** The client's `initialize` was answered on `from`: note the protocol version and the server's capabilities. */
  initializeAnswered(message: JSONRPCMessage, from: Upstream): void {
    this.#onInitializeResult(message, from, false);
  }

  /**
   * The client sent `notifications/initialized`: `forward` sends it, and the client's next messages wait (see
   * {@link ready}) until the server listens on the session it went to.
   */
  initialized(message: JSONRPCMessage, forward: (message: JSONRPCMessage) => Promise<Upstream | undefined>): void {
    this.#initialized = message;
    const gate = forward(message).then(async (up) => {
      if (up && !up.retired) await up.listening(this.#listenWaitMs());
    });
    this.#listenGate = gate;
    void gate.finally(() => {
      if (this.#listenGate === gate) this.#listenGate = undefined;
    });
  }

  /** The current session, once the client's messages may go (after the wait that follows `initialized`). */
  async ready(): Promise<Upstream> {
    if (this.#listenGate) await this.#listenGate;
    return this.current();
  }

  /** The current session, after any opening or recovery under way; a failed earlier recovery is retried once. */
  async current(): Promise<Upstream> {
    if (this.#up) return this.#up;
    if (this.#opening) {
      const up = await this.#opening.catch(() => undefined);
      if (up && !up.retired) return up;
      if (this.#up) return this.#up;
    }
    if (this.#closing) throw new BridgeError(ErrorCode.Closed, 'mcp-auth-bridge is shutting down');
    if (!this.#initialize || !this.#opened) {
      throw new BridgeError(ErrorCode.Connect, 'not connected to the server yet: the client must send initialize first');
    }
    return this.#reopen('reconnecting after an earlier failure', undefined);
  }

  /** Replaces the current session, which is lost: retires it, lets the owner settle its requests, opens a new one. */
  recover(reason: string): void {
    const old = this.#up;
    if (this.#closing || !old) return;
    this.#up = undefined;
    this.#log.warn(`upstream session lost: ${reason}; opening a new one`);
    const lost = this.#o.onLost(old);
    void old.close();
    void this.#reopen(reason, lost).catch(() => undefined);
  }

  /**
   * A send on `up` failed in a way that leaves the session in doubt: checks it (one `ping`, shared by every request
   * that asks about `up`) and recovers when it is lost. `waiting` tells whether the request that asked still waits.
   */
  async checkSession(up: Upstream, waiting: () => boolean): Promise<CheckOutcome> {
    let check = this.#sessionChecks.get(up);
    if (!check) {
      check = this.#sessionGone(up);
      this.#sessionChecks.set(up, check);
    }
    const gone = await check;
    if (!waiting() || this.#closing || up.retired) return 'moot';
    if (gone && up === this.#up) {
      this.recover('the server no longer knows the session (HTTP 400)');
      return 'recovering';
    }
    return 'alive';
  }

  /** Delay before attempt `attempt + 1` (from 0), doubling up to the recovery bound. */
  backoff(attempt: number): number {
    return Math.min(this.#recovery.baseDelayMs * 2 ** attempt, this.#recovery.maxDelayMs);
  }

  /** Ends the current session (DELETE, bounded) and opens no other. Never waits for a session still opening. */
  async close(): Promise<void> {
    this.#closing = true;
    // A session still being opened may be waiting minutes for a browser login.
    const up = this.#up;
    this.#up = undefined;
    await up?.close({ terminate: true, timeoutMs: 700 });
  }

  /** Whether a `ping` on `up`'s session fails in a way that says it is lost (bounded; an unclear outcome is no). */
  async #sessionGone(up: Upstream): Promise<boolean> {
    const id = `mcp-auth-bridge/session-check/${++this.#serial}`;
    const limit = this.#o.connectTimeoutMs > 0 ? this.#o.connectTimeoutMs : 10_000;
    this.#internal.set(id, () => undefined);
    const forget = setTimeout(() => this.#internal.delete(id), limit);
    forget.unref();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        up.send({ jsonrpc: '2.0', id, method: 'ping' } as JSONRPCMessage),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, limit))),
      ]);
      return false;
    } catch (error) {
      return up.sessionVerdict(error) !== 'unrelated';
    } finally {
      clearTimeout(timer);
    }
  }

  #reopen(reason: string, lost: LostRequests | undefined): Promise<Upstream> {
    const opening = this.#openAgain(reason).then(
      (up) => {
        this.#up = up;
        this.#notifyListsChanged();
        lost?.resend();
        return up;
      },
      (error: unknown) => {
        lost?.fail(error);
        throw error;
      },
    );
    this.#opening = opening;
    void opening.catch(() => undefined).finally(() => {
      if (this.#opening === opening) this.#opening = undefined;
    });
    return opening;
  }

  async #openAgain(reason: string): Promise<Upstream> {
    let last: unknown;
    for (let attempt = 0; attempt < this.#recovery.attempts; attempt++) {
      if (attempt > 0) await sleep(this.backoff(attempt - 1));
      if (this.#closing) throw new BridgeError(ErrorCode.Closed, 'mcp-auth-bridge is shutting down');
      try {
        const up = await this.#replayInitialize();
        this.#log.info(`opened a new upstream session (${up.label}) after: ${reason}`);
        return up;
      } catch (error) {
        last = error;
        this.#log.debug(`reconnect attempt ${attempt + 1} failed: ${describeError(error)}`);
      }
    }
    throw new BridgeError(ErrorCode.Connect, `could not open a new session with the server after ${this.#recovery.attempts} attempts: ${describeError(last)}`, {
      cause: last,
      hint: 'the bridge keeps running and tries again on the next request',
    });
  }

  /** Opens a new session with the client's initialize under a bridge-owned id, then its `notifications/initialized`. */
  async #replayInitialize(): Promise<Upstream> {
    const init = this.#initialize;
    if (!init) throw new BridgeError(ErrorCode.Internal, 'no initialize request to replay');
    const id = `mcp-auth-bridge/reinitialize/${++this.#serial}`;
    const limit = this.#o.connectTimeoutMs > 0 ? this.#o.connectTimeoutMs : 60_000;
    let timer: NodeJS.Timeout | undefined;
    let startClock = (): void => undefined;
    const answered = new Promise<JSONRPCMessage>((resolve, reject) => {
      this.#internal.set(id, resolve);
      // The clock starts when the request goes out (after the upstream started), as for any request.
      startClock = () => {
        timer = setTimeout(() => reject(new BridgeError(ErrorCode.Connect, `the server did not answer initialize within ${limit} ms`)), limit);
      };
    });
    answered.catch(() => undefined); // awaited below unless opening failed first
    let up: Upstream | undefined;
    try {
      up = await this.#o.connector.reopen({ initialize: { ...init, id } as JSONRPCMessage, events: this.#events, onSend: () => startClock() });
      const answer = await answered;
      if ('error' in answer) throw new BridgeError(ErrorCode.UpstreamHttp, `the server refused initialize: ${describeRpcError(answer)}`);
      this.#onInitializeResult(answer, up, true);
      if (this.#initialized) {
        await up.send(this.#initialized);
        await up.listening(this.#listenWaitMs());
      }
      return up;
    } catch (error) {
      await up?.close();
      throw error;
    } finally {
      clearTimeout(timer);
      this.#internal.delete(id);
    }
  }

  #onInitializeResult(message: JSONRPCMessage, from: Upstream, replay: boolean): void {
    const result = (message as { result?: { protocolVersion?: unknown; capabilities?: unknown; serverInfo?: { name?: unknown; version?: unknown } } }).result;
    if (!result) return;
    if (typeof result.protocolVersion === 'string') from.setProtocolVersion(result.protocolVersion);
    if (typeof result.capabilities === 'object' && result.capabilities) this.#capabilities = result.capabilities as Record<string, unknown>;
    if (!replay) {
      const info = result.serverInfo;
      const name = typeof info?.name === 'string' ? info.name : 'the server';
      this.#log.info(`connected to ${name}${typeof info?.version === 'string' ? ` ${info.version}` : ''} over ${from.kind} (protocol ${String(result.protocolVersion)})`);
    }
  }

  /** After a new session the server's lists may differ: tell the client to fetch them again. */
  #notifyListsChanged(): void {
    if (!this.#initialized) return;
    for (const what of ['tools', 'resources', 'prompts']) {
      if (this.#capabilities[what] || what === 'tools') {
        this.#o.notifyClient({ jsonrpc: '2.0', method: `notifications/${what}/list_changed` } as JSONRPCMessage);
      }
    }
  }

  #listenWaitMs(): number {
    const connect = this.#o.connectTimeoutMs;
    return connect > 0 ? Math.min(connect, LISTEN_WAIT_MS) : LISTEN_WAIT_MS;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
