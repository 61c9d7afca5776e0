/**
 * The Bridge: one client session routed over one upstream session, forwarding raw JSON-RPC both ways.
 *
 * It does not implement MCP methods; it routes, and adds only what a pipe needs (see docs/architecture.md):
 * - a {@link PendingTable}, so every client request ends with the server's answer or an error of the bridge's own
 *   (send failure, a response stream that died, `--request-timeout`), and never hangs;
 * - retries of requests that provably never reached the server, or read and change nothing;
 * - once stdin has ended, {@link Bridge.drain} lets the requests already sent be answered before {@link Bridge.close}.
 *
 * The upstream session itself — opening it, replacing a lost one, the wait after `notifications/initialized` — is
 * the {@link SessionLifecycle}'s, over the {@link UpstreamConnector} the Bridge is given.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, describeError, ErrorCode, isBridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { classify, describeRpcError, errorResponse, progressTokenOf, RpcErrorCode, type RequestId } from '../protocol/jsonrpc.js';
import type { Upstream, UpstreamConnector } from '../upstream/port.js';
import { SessionLifecycle, type LostRequests, type RecoveryOptions } from '../upstream/session-lifecycle.js';
import { hookClient, idleWithin } from './client-hookup.js';
import { PendingTable, type PendingRequest } from './pending.js';

/** The client side: an SDK transport that may also write a message's original JSON text as it is. */
export interface ClientChannel extends Transport {
  /**
   * Writes one message given as validated single-line JSON text (or its UTF-8 bytes). `message` stands for it in
   * routing: its id, and whether it is a result or an error (a large result's stand-in has an empty `result`).
   */
  sendRaw?(json: string | Uint8Array, message?: JSONRPCMessage): Promise<void>;
  /** Set by the bridge: called when the client's input ended while answers can still be written. */
  oninputend?: () => void;
  /** Backpressure: undefined while the client can take more, else a promise that settles when it can. */
  ready?(): Promise<void> | undefined;
}

/** Options for {@link Bridge}. */
export interface BridgeOptions {
  /** The MCP client's side (stdio in production). */
  client: ClientChannel;
  /** Opens sessions with the remote MCP server (for example the HTTP connector). */
  connector: UpstreamConnector;
  /** Bound on session set-up and quick answers; 0 disables. */
  connectTimeoutMs: number;
  /** Bound on each client request, reset by its progress notifications; 0 disables. */
  requestTimeoutMs: number;
  logger: Logger;
  recovery?: RecoveryOptions;
  /** What requests may be waiting for (e.g. a browser login URL), added to timeout errors. */
  waitingFor?: () => string | undefined;
}

/** Methods that read and change nothing, so a request that may have reached the server can be sent again. */
const REPEATABLE = new Set([
  'ping',
  'tools/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
]);
/** A request is sent at most this many times (the first send and its retries). */
const MAX_SENDS = 3;
/** How long a resumable response stream may take to resume before its request counts as lost. */
const RESUME_GRACE_MS = 15_000;
/** Time for stream parsing to deliver a response that arrived just before its stream ended. */
const SETTLE_MS = 25;

/** The pipe between one MCP client and one remote MCP server. */
export class Bridge {
  /** Resolves when the client side closes or its input ends (stdin ended or broke). */
  readonly clientClosed: Promise<void>;

  readonly #o: BridgeOptions;
  readonly #log: Logger;
  readonly #client: ClientChannel;
  readonly #pending = new PendingTable();
  readonly #session: SessionLifecycle;
  #closing = false;
  #resolveClientClosed!: () => void;

  constructor(options: BridgeOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#client = options.client;
    this.clientClosed = new Promise((resolve) => (this.#resolveClientClosed = resolve));
    this.#session = new SessionLifecycle({
      connector: options.connector,
      events: {
        onmessage: (message, from, raw) => this.#onUpstreamMessage(message, from, raw),
        onResponseStreamEnd: (id, resumable, error, from) => this.#onResponseStreamEnd(id, resumable, error, from),
      },
      notifyClient: (message) => void this.#client.send(message),
      onLost: (lost) => this.#onSessionLost(lost),
      connectTimeoutMs: options.connectTimeoutMs,
      ...(options.recovery ? { recovery: options.recovery } : {}),
      logger: options.logger,
    });
  }

  /** Starts reading client messages. The upstream is opened when the client's `initialize` arrives. */
  async start(): Promise<void> {
    await hookClient(this.#client, {
      onMessage: (message) => this.#onClientMessage(message),
      onEnd: () => this.#resolveClientClosed(),
      logger: this.#log,
    });
  }

  /**
   * Waits until every client request forwarded so far has been answered, or `timeoutMs` has passed; resolves
   * true when none is left. For after the client's input ended: what was sent still gets its answer.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.#pending.size === 0) return true;
    this.#log.debug(`waiting up to ${timeoutMs} ms for ${this.#pending.size} request(s) to be answered`);
    return idleWithin(this.#pending.idle(), timeoutMs);
  }

  /**
   * Answers every request still waiting with a shutting-down error, ends the upstream session (DELETE, bounded)
   * and closes both sides. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    for (const entry of this.#pending.clear()) {
      this.#log.warn(`${entry.method} (id ${JSON.stringify(entry.id)}) was not answered before shutdown`);
      void this.#client.send(
        errorResponse(entry.id, RpcErrorCode.ConnectionClosed, `mcp-auth-bridge is shutting down: the server did not answer ${entry.method} in time`, {
          code: ErrorCode.Closed,
        }),
      );
    }
    await this.#session.close();
    await this.#client.close();
  }

  // ── client → server ────────────────────────────────────────────────────────────────────────────────

  #onClientMessage(message: JSONRPCMessage): void {
    const c = classify(message);
    if (c.kind === 'request') {
      if (this.#closing) {
        void this.#client.send(errorResponse(c.id, RpcErrorCode.ConnectionClosed, 'mcp-auth-bridge is shutting down'));
        return;
      }
      if (this.#pending.get(c.id)) {
        void this.#client.send(errorResponse(c.id, RpcErrorCode.InvalidRequest, `request id ${JSON.stringify(c.id)} is already in use`));
        return;
      }
      const entry: PendingRequest = {
        id: c.id,
        method: c.method,
        message,
        progressToken: progressTokenOf(message),
        upstream: undefined,
        delivered: false,
        sends: 0,
        timer: undefined,
        sessionChecked: false,
      };
      this.#pending.add(entry);
      this.#arm(entry);
      if (c.method === 'initialize') void this.#connect(entry);
      else void this.#dispatch(entry);
      return;
    }
    if (c.kind === 'notification') {
      if (c.method === 'notifications/initialized') {
        this.#session.initialized(message, (m) => this.#forward(m, false));
        return;
      }
      if (c.method === 'notifications/cancelled') {
        const requestId = (message as { params?: { requestId?: RequestId } }).params?.requestId;
        if (requestId !== undefined) this.#pending.take(requestId);
      }
    }
    void this.#forward(message);
  }

  /** Opens the upstream session with the client's initialize. */
  async #connect(entry: PendingRequest): Promise<void> {
    try {
      await this.#session.open(entry.message, (up) => {
        entry.upstream = up;
        entry.sends++;
      });
      entry.delivered = true;
    } catch (error) {
      this.#fail(entry, error);
    }
  }

  /** Sends a client request upstream, waiting for a session that is being opened. */
  async #dispatch(entry: PendingRequest): Promise<void> {
    let up: Upstream;
    try {
      up = await this.#session.ready();
    } catch (error) {
      this.#fail(entry, error);
      return;
    }
    if (this.#pending.get(entry.id) !== entry) return; // answered, cancelled or timed out meanwhile
    entry.upstream = up;
    entry.delivered = false;
    entry.sends++;
    up.send(entry.message).then(
      () => {
        entry.delivered = true;
      },
      (error: unknown) => this.#onSendFailed(entry, up, error),
    );
  }

  /** Forwards a notification or response; failures are logged, never answered. Resolves with the upstream used. */
  async #forward(message: JSONRPCMessage, gated = true): Promise<Upstream | undefined> {
    let up: Upstream;
    try {
      up = await (gated ? this.#session.ready() : this.#session.current());
    } catch (error) {
      this.#log.debug(`not forwarded (${describeError(error)})`);
      return undefined;
    }
    try {
      await up.send(message);
      return up;
    } catch (error) {
      if (this.#closing || up.retired) return undefined;
      this.#log.warn(`could not forward a message to the server: ${describeError(error)}`);
      if (up.sessionVerdict(error) === 'lost') this.#session.recover('the server no longer knows the session (HTTP 404)');
      return undefined;
    }
  }

  #onSendFailed(entry: PendingRequest, up: Upstream, error: unknown): void {
    if (this.#pending.get(entry.id) !== entry || this.#closing) return;
    if (up.retired) return; // recovery took this entry over
    const verdict = up.sessionVerdict(error);
    if (verdict === 'lost') {
      entry.delivered = false;
      this.#session.recover('the server no longer knows the session (HTTP 404)');
      return;
    }
    if (verdict === 'in-doubt' && !entry.sessionChecked) {
      // Checked once per request: when the session proves alive, a second such failure is the server's answer.
      entry.delivered = false;
      entry.sessionChecked = true;
      void this.#session.checkSession(up, () => this.#pending.get(entry.id) === entry).then((outcome) => {
        if (outcome === 'alive') this.#fail(entry, error);
      });
      return;
    }
    if (isBridgeError(error, ErrorCode.Connect) && entry.sends < MAX_SENDS) {
      const wait = this.#session.backoff(entry.sends - 1);
      this.#log.warn(`${describeError(error)}; retrying ${entry.method} in ${wait} ms`);
      setTimeout(() => void this.#dispatch(entry), wait).unref();
      return;
    }
    this.#fail(entry, error);
  }

  // ── server → client ────────────────────────────────────────────────────────────────────────────────

  #onUpstreamMessage(message: JSONRPCMessage, from: Upstream, raw?: string | Uint8Array): void {
    if (!('method' in message)) {
      const id = (message as { id?: RequestId }).id;
      if (id === undefined) {
        this.#log.warn(`the server sent an error without an id: ${describeRpcError(message)}`);
        return;
      }
      const entry = this.#pending.take(id);
      if (!entry) {
        this.#log.debug(`dropped a response to ${JSON.stringify(id)}: the request already ended`);
        return;
      }
      if (entry.method === 'initialize') this.#session.initializeAnswered(message, from);
      const client = this.#client;
      void (raw !== undefined && client.sendRaw ? client.sendRaw(raw, message) : client.send(message));
      return;
    }
    if (from.retired) return;
    if (message.method === 'notifications/progress') {
      const token = (message as { params?: { progressToken?: RequestId } }).params?.progressToken;
      const entry = token === undefined ? undefined : this.#pending.byProgressToken(token);
      if (entry) this.#arm(entry);
    }
    void this.#client.send(message);
  }

  #onResponseStreamEnd(id: RequestId, resumable: boolean, error: unknown, from: Upstream): void {
    if (!this.#session.isCurrent(from)) return;
    // Let the transport's parser deliver a response that arrived just before the end.
    setTimeout(() => {
      const entry = this.#pending.get(id);
      if (!entry || entry.upstream !== from || from.retired) return;
      if (!resumable) {
        this.#lost(entry, error);
        return;
      }
      const sends = entry.sends;
      setTimeout(() => {
        if (this.#pending.get(id) === entry && entry.sends === sends && !from.retired) this.#lost(entry, error);
      }, RESUME_GRACE_MS).unref();
    }, SETTLE_MS).unref();
  }

  /** A request's response will not come: retry it if that is safe, else say so. */
  #lost(entry: PendingRequest, error: unknown): void {
    if (REPEATABLE.has(entry.method) && entry.sends < MAX_SENDS) {
      this.#log.info(`the server's answer to ${entry.method} was lost; asking again`);
      void this.#dispatch(entry);
      return;
    }
    this.#fail(
      entry,
      new BridgeError(ErrorCode.StreamLost, `the connection to the server closed before it answered ${entry.method}`, {
        cause: error,
        hint: 'the request may or may not have been carried out; retry it if that is safe',
      }),
    );
  }

  /**
   * The session `lost` is gone: requests that provably never reached the server, or are read-only, go again on
   * the new session; the others are answered with an error that says they may have run.
   */
  #onSessionLost(lost: Upstream): LostRequests {
    const retry: PendingRequest[] = [];
    for (const entry of this.#pending.sentOn(lost)) {
      if ((!entry.delivered || REPEATABLE.has(entry.method)) && entry.sends < MAX_SENDS) retry.push(entry);
      else {
        this.#fail(
          entry,
          new BridgeError(ErrorCode.SessionLost, `the server's session ended before it answered ${entry.method}`, {
            hint: 'the request may or may not have been carried out; retry it if that is safe',
          }),
        );
      }
    }
    return {
      resend: () => {
        for (const entry of retry) if (this.#pending.get(entry.id) === entry) void this.#dispatch(entry);
      },
      fail: (error) => {
        for (const entry of retry) this.#fail(entry, error);
      },
    };
  }

  // ── answers of the bridge's own ────────────────────────────────────────────────────────────────────

  #arm(entry: PendingRequest): void {
    const ms = this.#o.requestTimeoutMs;
    if (ms <= 0) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => this.#timeout(entry), ms);
    entry.timer.unref();
  }

  #timeout(entry: PendingRequest): void {
    if (!this.#pending.take(entry.id)) return;
    const ms = this.#o.requestTimeoutMs;
    const waiting = this.#o.waitingFor?.();
    this.#log.warn(`${entry.method} (id ${JSON.stringify(entry.id)}) got no answer within ${ms} ms; answered with a timeout error`);
    const text = waiting
      ? `mcp-auth-bridge: ${entry.method} waited ${ms} ms (--request-timeout) for ${waiting}`
      : `mcp-auth-bridge: the server did not answer ${entry.method} within ${ms} ms (--request-timeout)`;
    void this.#client.send(
      errorResponse(entry.id, RpcErrorCode.RequestTimeout, text, {
        code: ErrorCode.RequestTimeout,
      }),
    );
    if (entry.upstream && !entry.upstream.retired) {
      void entry.upstream
        .send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: entry.id, reason: 'timed out in mcp-auth-bridge' } } as JSONRPCMessage)
        .catch(() => undefined);
    }
  }

  #fail(entry: PendingRequest, error: unknown): void {
    if (!this.#pending.take(entry.id)) return;
    const text = describeError(error);
    this.#log.warn(`${entry.method} (id ${JSON.stringify(entry.id)}) failed: ${text}`);
    const data: Record<string, unknown> = { code: isBridgeError(error) ? error.code : ErrorCode.Internal };
    if (isBridgeError(error) && error.status !== undefined) data.status = error.status;
    void this.#client.send(errorResponse(entry.id, RpcErrorCode.ConnectionClosed, `mcp-auth-bridge: ${text}`, data));
  }
}
