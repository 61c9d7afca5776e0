/**
 * The Bridge: the client's stdio transport wired to an {@link Upstream}, forwarding raw JSON-RPC both ways.
 *
 * It does not implement MCP methods; it adds only what a pipe needs (see ../shared/DESIGN.md):
 * - a {@link PendingTable}, so every client request ends with the server's answer or an error of the bridge's own
 *   (send failure, a response stream that died, `--request-timeout`), and never hangs;
 * - the client's `initialize` and `notifications/initialized`, replayed under a bridge-owned id to open a new
 *   upstream session when the old one is lost (404 on a session, legacy SSE stream loss, server restart), after
 *   which failed requests are retried once and the client is told to refresh its lists;
 * - transport selection: Streamable HTTP first and, in `auto` mode, legacy SSE only when the server answers the
 *   initialize POST with 400, 404 or 405 (MCP 2025-11-25, backwards compatibility) — decided on the status code;
 * - `setProtocolVersion()` on the upstream transport when the initialize result passes by;
 * - the direct client's order after `notifications/initialized`: the client's next messages wait (briefly, once per
 *   session) until the server has answered the standalone GET stream, since servers drop server-to-client requests
 *   sent while that stream is not open;
 * - once stdin has ended, {@link Bridge.drain} lets the requests already sent be answered before {@link Bridge.close}.
 */
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, describeError, ErrorCode, isBridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { classify, errorResponse, progressTokenOf, RpcErrorCode, type RequestId } from '../protocol/jsonrpc.js';
import { PendingTable, type PendingRequest } from './pending.js';
import { Upstream, type TransportKind, type UpstreamHandlers, type UpstreamOptions } from '../upstream/http/upstream.js';

/** The client side: an SDK transport that may also write a message's original JSON text as it is. */
export interface ClientChannel extends Transport {
  /** Writes one message given as validated single-line JSON text. */
  sendRaw?(json: string): Promise<void>;
  /** Set by the bridge: called when the client's input ended while answers can still be written. */
  oninputend?: () => void;
  /** Backpressure: undefined while the client can take more, else a promise that settles when it can. */
  ready?(): Promise<void> | undefined;
}

/** Which upstream transport to use; `auto` tries Streamable HTTP and falls back to legacy SSE. */
export type TransportMode = 'auto' | TransportKind;

/** Bounds on re-opening a lost upstream session. */
export interface RecoveryOptions {
  /** Attempts to open a new session before giving up (the next client request tries again). Default 5. */
  attempts?: number;
  /** First backoff delay; doubles per attempt. Default 250 ms. */
  baseDelayMs?: number;
  /** Longest backoff delay. Default 4 s. */
  maxDelayMs?: number;
}

/** Options for {@link Bridge}. */
export interface BridgeOptions {
  /** The MCP client's side (stdio in production). */
  client: Transport;
  /** The remote MCP server's endpoint. */
  url: URL;
  mode: TransportMode;
  /** Static headers for every upstream request. */
  headers: Record<string, string>;
  /** The fetch below the upstream seam. */
  fetch: FetchLike;
  /** Bound on session set-up and quick answers; 0 disables. */
  connectTimeoutMs: number;
  /** Bound on each client request, reset by its progress notifications; 0 disables. */
  requestTimeoutMs: number;
  /** Largest message accepted from the server, in bytes (`--max-server-message-size`). */
  maxServerMessageBytes: number;
  logger: Logger;
  recovery?: RecoveryOptions;
  /** What requests may be waiting for (e.g. a browser login URL), added to timeout errors. */
  waitingFor?: () => string | undefined;
  /** Makes an upstream; tests may wrap it. Default `new Upstream(options)`. */
  createUpstream?: (options: UpstreamOptions) => Upstream;
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
/** Longest wait of the client's first messages after `notifications/initialized` for the standalone GET stream. */
const LISTEN_WAIT_MS = 2_000;

interface Internal {
  resolve(message: JSONRPCMessage): void;
}

/** The pipe between one MCP client and one remote MCP server. */
export class Bridge {
  /** Resolves when the client side closes or its input ends (stdin ended or broke). */
  readonly clientClosed: Promise<void>;

  readonly #o: BridgeOptions;
  readonly #log: Logger;
  readonly #pending = new PendingTable();
  readonly #internal = new Map<RequestId, Internal>();
  readonly #handlers: UpstreamHandlers;
  readonly #recovery: Required<RecoveryOptions>;
  #up: Upstream | undefined;
  #opening: Promise<Upstream> | undefined;
  #initialize: JSONRPCMessage | undefined;
  #initialized: JSONRPCMessage | undefined;
  #capabilities: Record<string, unknown> = {};
  #kind: TransportKind | undefined;
  #closing = false;
  #serial = 0;
  /** Set from `notifications/initialized` until the server answered the standalone GET stream (bounded). */
  #listenGate: Promise<void> | undefined;
  /** One session check per upstream, shared by the requests that met an HTTP 400 on it. */
  readonly #sessionChecks = new WeakMap<Upstream, Promise<boolean>>();
  #resolveClientClosed!: () => void;

  constructor(options: BridgeOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#recovery = { attempts: 5, baseDelayMs: 250, maxDelayMs: 4_000, ...options.recovery };
    this.clientClosed = new Promise((resolve) => (this.#resolveClientClosed = resolve));
    this.#handlers = {
      onmessage: (message, from, raw) => this.#onUpstreamMessage(message, from, raw),
      onResponseStreamEnd: (id, resumable, error, from) => this.#onResponseStreamEnd(id, resumable, error, from),
      onSessionLost: (reason, from) => {
        if (from === this.#up) this.#recover(reason);
      },
    };
  }

  /** Starts reading client messages. The upstream is opened when the client's `initialize` arrives. */
  async start(): Promise<void> {
    const client = this.#o.client;
    client.onmessage = (message) => this.#onClientMessage(message);
    client.onerror = (error) => this.#log.warn(`client channel: ${describeError(error)}`);
    client.onclose = () => this.#resolveClientClosed();
    (client as ClientChannel).oninputend = () => this.#resolveClientClosed();
    await client.start();
  }

  /**
   * Waits until every client request forwarded so far has been answered, or `timeoutMs` has passed; resolves
   * true when none is left. For after the client's input ended: what was sent still gets its answer.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.#pending.size === 0) return true;
    this.#log.debug(`waiting up to ${timeoutMs} ms for ${this.#pending.size} request(s) to be answered`);
    let timer: NodeJS.Timeout | undefined;
    const idle = await Promise.race([
      this.#pending.idle().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return idle;
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
      void this.#o.client.send(
        errorResponse(entry.id, RpcErrorCode.ConnectionClosed, `mcp-auth-bridge is shutting down: the server did not answer ${entry.method} in time`, {
          code: ErrorCode.Closed,
        }),
      );
    }
    // Never wait for a session still being opened: it may be waiting minutes for a browser login.
    const up = this.#up;
    this.#up = undefined;
    await up?.close({ terminate: true, timeoutMs: 700 });
    await this.#o.client.close();
  }

  // ── client → server ────────────────────────────────────────────────────────────────────────────────

  #onClientMessage(message: JSONRPCMessage): void {
    const c = classify(message);
    if (c.kind === 'request') {
      if (this.#closing) {
        void this.#o.client.send(errorResponse(c.id, RpcErrorCode.ConnectionClosed, 'mcp-auth-bridge is shutting down'));
        return;
      }
      if (this.#pending.get(c.id)) {
        void this.#o.client.send(errorResponse(c.id, RpcErrorCode.InvalidRequest, `request id ${JSON.stringify(c.id)} is already in use`));
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
        this.#initialized = message;
        this.#holdUntilListening(message);
        return;
      }
      if (c.method === 'notifications/cancelled') {
        const requestId = (message as { params?: { requestId?: RequestId } }).params?.requestId;
        if (requestId !== undefined) this.#pending.take(requestId);
      }
    }
    void this.#forward(message);
  }

  /** Opens the upstream with the client's initialize: Streamable HTTP, then legacy SSE when allowed. */
  async #connect(entry: PendingRequest): Promise<void> {
    this.#initialize = entry.message;
    const previous = this.#up;
    this.#up = undefined;
    if (previous) {
      this.#log.info('the client initialized again; opening a new upstream session');
      await previous.close({ terminate: true, timeoutMs: 700 });
    }
    const opening = this.#openWith(entry);
    this.#opening = opening;
    try {
      this.#up = await opening;
    } catch (error) {
      this.#fail(entry, error);
    } finally {
      if (this.#opening === opening) this.#opening = undefined;
    }
  }

  async #openWith(entry: PendingRequest): Promise<Upstream> {
    const kinds: TransportKind[] = this.#o.mode === 'auto' ? ['streamable-http', 'sse'] : [this.#o.mode];
    let notFound = true; // every transport tried was answered with 404
    for (const kind of kinds) {
      const up = this.#create(kind);
      try {
        await up.start();
        entry.upstream = up;
        entry.sends++;
        await up.send(entry.message);
        entry.delivered = true;
        this.#kind = kind;
        return up;
      } catch (error) {
        await up.close();
        // Only the server's own answer to the initialize POST decides (not, say, an auth server's status).
        const status = isBridgeError(error, ErrorCode.UpstreamHttp) ? error.status : error instanceof SseError ? error.code : undefined;
        notFound &&= status === 404;
        if (notFound && kind === kinds[kinds.length - 1]) throw noEndpointError(this.#o.url, kinds, error);
        if (kind === 'streamable-http' && kinds.length > 1 && (status === 400 || status === 404 || status === 405)) {
          this.#log.info(`the server answered initialize with HTTP ${status}: trying the legacy SSE transport`);
          continue;
        }
        throw error;
      }
    }
    throw new BridgeError(ErrorCode.Internal, 'no transport left to try');
  }

  /** Sends a client request upstream, waiting for a session that is being opened. */
  async #dispatch(entry: PendingRequest): Promise<void> {
    let up: Upstream;
    try {
      up = await this.#ready();
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

  /**
   * Forwards `notifications/initialized` and holds the client's next messages until the server has answered the
   * standalone GET stream the transport then opens (bounded by {@link LISTEN_WAIT_MS}): the order a direct client
   * keeps, so server-to-client requests sent right after initialize find the stream open.
   */
  #holdUntilListening(message: JSONRPCMessage): void {
    const gate = this.#forward(message, false).then(async (up) => {
      if (up && !up.retired) await up.listening(this.#listenWaitMs());
    });
    this.#listenGate = gate;
    void gate.finally(() => {
      if (this.#listenGate === gate) this.#listenGate = undefined;
    });
  }

  #listenWaitMs(): number {
    const connect = this.#o.connectTimeoutMs;
    return connect > 0 ? Math.min(connect, LISTEN_WAIT_MS) : LISTEN_WAIT_MS;
  }

  /** Forwards a notification or response; failures are logged, never answered. Resolves with the upstream used. */
  async #forward(message: JSONRPCMessage, gated = true): Promise<Upstream | undefined> {
    let up: Upstream;
    try {
      up = await (gated ? this.#ready() : this.#current());
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
      if (this.#isSessionLost(error, up)) this.#recover('the server no longer knows the session (HTTP 404)');
      return undefined;
    }
  }

  /** The current upstream, once the client's messages may go (see {@link Bridge.#holdUntilListening}). */
  async #ready(): Promise<Upstream> {
    if (this.#listenGate) await this.#listenGate;
    return this.#current();
  }

  /** The current upstream, after any opening or recovery under way; a failed earlier recovery is retried once. */
  async #current(): Promise<Upstream> {
    if (this.#up) return this.#up;
    if (this.#opening) {
      const up = await this.#opening.catch(() => undefined);
      if (up && !up.retired) return up;
      if (this.#up) return this.#up;
    }
    if (this.#closing) throw new BridgeError(ErrorCode.Closed, 'mcp-auth-bridge is shutting down');
    if (!this.#initialize || !this.#kind) {
      throw new BridgeError(ErrorCode.Connect, 'not connected to the server yet: the client must send initialize first');
    }
    return this.#reopen('reconnecting after an earlier failure', []);
  }

  #onSendFailed(entry: PendingRequest, up: Upstream, error: unknown): void {
    if (this.#pending.get(entry.id) !== entry || this.#closing) return;
    if (up.retired) return; // recovery took this entry over
    if (this.#isSessionLost(error, up)) {
      entry.delivered = false;
      this.#recover('the server no longer knows the session (HTTP 404)');
      return;
    }
    if (isBridgeError(error, ErrorCode.UpstreamHttp) && error.status === 400 && up.hasSession && !entry.sessionChecked) {
      entry.delivered = false;
      entry.sessionChecked = true;
      void this.#recoverIfSessionGone(entry, up, error);
      return;
    }
    if (isBridgeError(error, ErrorCode.Connect) && entry.sends < MAX_SENDS) {
      const wait = this.#backoff(entry.sends - 1);
      this.#log.warn(`${describeError(error)}; retrying ${entry.method} in ${wait} ms`);
      setTimeout(() => void this.#dispatch(entry), wait).unref();
      return;
    }
    this.#fail(entry, error);
  }

  /**
   * An HTTP 400 to a request that carried the session id the server gave out: some servers answer a session they
   * no longer know that way (not with 404). A ping on the same session tells: when it meets 400 or 404 too, the
   * session is gone and a new one is opened (once for this request); otherwise the 400 was the server's answer.
   */
  async #recoverIfSessionGone(entry: PendingRequest, up: Upstream, error: BridgeError): Promise<void> {
    let check = this.#sessionChecks.get(up);
    if (!check) {
      check = this.#sessionGone(up);
      this.#sessionChecks.set(up, check);
    }
    const gone = await check;
    if (this.#pending.get(entry.id) !== entry || this.#closing || up.retired) return; // recovery took it over
    if (gone && up === this.#up) this.#recover('the server no longer knows the session (HTTP 400)');
    else this.#fail(entry, error);
  }

  /** Whether a `ping` on `up`'s session is refused with 400 or 404 (bounded; an unclear outcome counts as no). */
  async #sessionGone(up: Upstream): Promise<boolean> {
    const id = `mcp-auth-bridge/session-check/${++this.#serial}`;
    const limit = this.#o.connectTimeoutMs > 0 ? this.#o.connectTimeoutMs : 10_000;
    this.#internal.set(id, { resolve: () => undefined });
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
      return isBridgeError(error) && (error.code === ErrorCode.SessionLost || error.status === 400 || error.status === 404);
    } finally {
      clearTimeout(timer);
    }
  }

  #isSessionLost(error: unknown, up: Upstream): boolean {
    if (!isBridgeError(error)) return false;
    return error.code === ErrorCode.SessionLost || (up.kind === 'sse' && error.status === 404);
  }

  // ── server → client ────────────────────────────────────────────────────────────────────────────────

  #onUpstreamMessage(message: JSONRPCMessage, from: Upstream, raw?: string): void {
    if (!('method' in message)) {
      const id = (message as { id?: RequestId }).id;
      if (id === undefined) {
        this.#log.warn(`the server sent an error without an id: ${describeRpcError(message)}`);
        return;
      }
      const internal = this.#internal.get(id);
      if (internal) {
        this.#internal.delete(id);
        internal.resolve(message);
        return;
      }
      const entry = this.#pending.take(id);
      if (!entry) {
        this.#log.debug(`dropped a response to ${JSON.stringify(id)}: the request already ended`);
        return;
      }
      if (entry.method === 'initialize') this.#onInitialized(message, from, false);
      const client = this.#o.client as ClientChannel;
      void (raw !== undefined && client.sendRaw ? client.sendRaw(raw) : client.send(message));
      return;
    }
    if (from.retired) return;
    if (message.method === 'notifications/progress') {
      const token = (message as { params?: { progressToken?: RequestId } }).params?.progressToken;
      const entry = token === undefined ? undefined : this.#pending.byProgressToken(token);
      if (entry) this.#arm(entry);
    }
    void this.#o.client.send(message);
  }

  #onInitialized(message: JSONRPCMessage, from: Upstream, replay: boolean): void {
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

  #onResponseStreamEnd(id: RequestId, resumable: boolean, error: unknown, from: Upstream): void {
    if (from !== this.#up) return;
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

  // ── recovery ───────────────────────────────────────────────────────────────────────────────────────

  /** Replaces a lost upstream session: retires it, opens a new one, retries what can be retried. */
  #recover(reason: string): void {
    const old = this.#up;
    if (this.#closing || !old) return;
    this.#up = undefined;
    this.#log.warn(`upstream session lost: ${reason}; opening a new one`);
    const retry: PendingRequest[] = [];
    for (const entry of this.#pending.sentOn(old)) {
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
    void old.close();
    void this.#reopen(reason, retry).catch(() => undefined);
  }

  #reopen(reason: string, retry: PendingRequest[]): Promise<Upstream> {
    const opening = this.#openAgain(reason).then(
      (up) => {
        this.#up = up;
        this.#notifyListsChanged();
        for (const entry of retry) if (this.#pending.get(entry.id) === entry) void this.#dispatch(entry);
        return up;
      },
      (error: unknown) => {
        for (const entry of retry) this.#fail(entry, error);
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
    const kind = this.#kind ?? 'streamable-http';
    let last: unknown;
    for (let attempt = 0; attempt < this.#recovery.attempts; attempt++) {
      if (attempt > 0) await sleep(this.#backoff(attempt - 1));
      if (this.#closing) throw new BridgeError(ErrorCode.Closed, 'mcp-auth-bridge is shutting down');
      const up = this.#create(kind);
      try {
        await up.start();
        await this.#replayInitialize(up);
        this.#log.info(`opened a new upstream session (${up.label}) after: ${reason}`);
        return up;
      } catch (error) {
        last = error;
        await up.close();
        this.#log.debug(`reconnect attempt ${attempt + 1} failed: ${describeError(error)}`);
      }
    }
    throw new BridgeError(ErrorCode.Connect, `could not open a new session with the server after ${this.#recovery.attempts} attempts: ${describeError(last)}`, {
      cause: last,
      hint: 'the bridge keeps running and tries again on the next request',
    });
  }

  /** Re-sends the client's initialize under a bridge-owned id, then its `notifications/initialized`. */
  async #replayInitialize(up: Upstream): Promise<void> {
    const init = this.#initialize;
    if (!init) throw new BridgeError(ErrorCode.Internal, 'no initialize request to replay');
    const id = `mcp-auth-bridge/reinitialize/${++this.#serial}`;
    const limit = this.#o.connectTimeoutMs > 0 ? this.#o.connectTimeoutMs : 60_000;
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<JSONRPCMessage>((resolve, reject) => {
      this.#internal.set(id, { resolve });
      timer = setTimeout(() => reject(new BridgeError(ErrorCode.Connect, `the server did not answer initialize within ${limit} ms`)), limit);
    });
    try {
      await up.send({ ...init, id } as JSONRPCMessage);
      const answer = await answered;
      if ('error' in answer) throw new BridgeError(ErrorCode.UpstreamHttp, `the server refused initialize: ${describeRpcError(answer)}`);
      this.#onInitialized(answer, up, true);
      if (this.#initialized) {
        await up.send(this.#initialized);
        await up.listening(this.#listenWaitMs());
      }
    } finally {
      clearTimeout(timer);
      this.#internal.delete(id);
    }
  }

  /** After a new session the server's lists may differ: tell the client to fetch them again. */
  #notifyListsChanged(): void {
    if (!this.#initialized) return;
    for (const what of ['tools', 'resources', 'prompts']) {
      if (this.#capabilities[what] || what === 'tools') {
        void this.#o.client.send({ jsonrpc: '2.0', method: `notifications/${what}/list_changed` } as JSONRPCMessage);
      }
    }
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
    void this.#o.client.send(
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
    void this.#o.client.send(errorResponse(entry.id, RpcErrorCode.ConnectionClosed, `mcp-auth-bridge: ${text}`, data));
  }

  #create(kind: TransportKind): Upstream {
    const options: UpstreamOptions = {
      url: this.#o.url,
      kind,
      headers: this.#o.headers,
      fetch: this.#o.fetch,
      connectTimeoutMs: this.#o.connectTimeoutMs,
      maxMessageBytes: this.#o.maxServerMessageBytes,
      clientReady: () => (this.#o.client as ClientChannel).ready?.(),
      logger: this.#log,
      handlers: this.#handlers,
    };
    return this.#o.createUpstream ? this.#o.createUpstream(options) : new Upstream(options);
  }

  #backoff(attempt: number): number {
    return Math.min(this.#recovery.baseDelayMs * 2 ** attempt, this.#recovery.maxDelayMs);
  }
}

/** The server has no MCP endpoint at `url`: every transport tried was answered with HTTP 404. */
function noEndpointError(url: URL, kinds: TransportKind[], cause: unknown): BridgeError {
  const what = kinds.length > 1 ? 'both transports' : kinds[0] === 'sse' ? 'the legacy SSE transport' : 'Streamable HTTP';
  return new BridgeError(ErrorCode.UpstreamHttp, `there is no MCP endpoint at ${url.origin}${url.pathname}: the server answered HTTP 404 to ${what}`, {
    cause,
    status: 404,
    hint: 'check the path in the URL: it is often /mcp, or /sse for a legacy SSE server',
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describeRpcError(message: JSONRPCMessage): string {
  const error = (message as { error?: { code?: unknown; message?: unknown } }).error;
  return `${String(error?.message ?? 'unknown error')} (code ${String(error?.code)})`;
}
