/**
 * The {@link Upstream} for a stateless 2026-07-28 server, so that the Bridge and the session lifecycle above it keep
 * 2025-11-25 semantics. The connector (connector.ts) answers the client's `initialize` from `server/discover`; after
 * that, what the client sends is translated here:
 * - a request is POSTed alone with the `_meta` envelope and the request headers (envelope.ts); its answer comes back
 *   under the client's id (the first POST uses it, so a large result is handed on in its bytes; a retry's is read);
 * - `input_required` answers (MRTR) become requests to the client (`sampling/createMessage`, `elicitation/create`,
 *   `roots/list`) under ids of the bridge's own; their answers are intercepted, and the request is sent again under a
 *   new id with `inputResponses` and `requestState` echoed; at most {@link MAX_INPUT_ROUNDS} rounds;
 * - `tools/list` results teach the tool catalog (`Mcp-Param-*` headers) and lose tools with invalid annotations; a
 *   `HeaderMismatch` on `tools/call` refreshes the catalog with one `tools/list` and sends the call once more;
 * - `ping`, `logging/setLevel` (kept and sent as `_meta` logLevel; `debug` before it, when the server logs, as a 2025
 *   server logs every level until a level is set), `resources/subscribe` and `unsubscribe` (the listen stream's
 *   filter, listen-stream.ts) are answered here;
 * - `notifications/cancelled` aborts the request's POST, which closes its response stream (the revision's
 *   cancellation); `notifications/initialized` opens the listen stream; no notification is POSTed;
 * - results lose the revision's own fields (legacy-result.ts), unless handed on in their bytes; errors with the
 *   revision's new codes are mapped (error-map.ts); a response stream that ends without the answer
 *   is reported like on the 2025 path, so the Bridge asks again when that is safe.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { inputRequestId } from '../../protocol/input-request-id.js';
import type { RpcErrorBody } from '../../protocol/era-signals.js';
import { classify, RpcErrorCode, type RequestId } from '../../protocol/jsonrpc.js';
import { ModernErrorCode, requestMeta, type ClientIdentity } from '../../protocol/modern-meta.js';
import type { SessionVerdict, Upstream, UpstreamCloseOptions, UpstreamEvents } from '../port.js';
import type { HttpSessionSettings } from '../http/session-settings.js';
import { newCall, type Call } from './call.js';
import { envelope } from './envelope.js';
import { clientError, retryableVersionRefusal } from './error-map.js';
import { forClient, INPUT_CAPABLE, inputRequiredOf, MAX_INPUT_ROUNDS, retryParams, unaskable } from './input-required.js';
import { legacyResult } from './legacy-result.js';
import { listenFilter, ListenStream } from './listen-stream.js';
import { ModernHttp, type Exchange } from './modern-http.js';
import { mentions, resultOf } from './raw-result.js';
import { ToolCatalog } from './tool-catalog.js';

/** Options for {@link ModernUpstream}. */
export interface ModernUpstreamOptions extends HttpSessionSettings {
  events: UpstreamEvents;
  /** What the client said about itself in `initialize`. */
  client: ClientIdentity;
  /** Bound on `input_required` rounds per request; default {@link MAX_INPUT_ROUNDS}. */
  maxInputRounds?: number;
  /** Listen stream reopening delays (tests shorten them). */
  listenBackoff?: { initialMs: number; maxMs: number };
}

let serial = 0;

/** The 2026 upstream; see the module comment. */
export class ModernUpstream implements Upstream {
  readonly kind = 'streamable-http-2026';
  readonly label: string;
  readonly #o: ModernUpstreamOptions;
  readonly #log: Logger;
  readonly #http: ModernHttp;
  readonly #tools: ToolCatalog;
  readonly #listen: ListenStream;
  readonly #calls = new Map<RequestId, Call>();
  /** Embedded requests sent to the client, by the bridge's id. */
  readonly #asked = new Map<RequestId, Call>();
  readonly #closer = new AbortController();
  #serverCapabilities: Record<string, unknown> = {};
  #subscriptions = new Set<string>();
  #logLevel: string | undefined;
  #retired = false;
  #ids = 0;

  constructor(options: ModernUpstreamOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.label = `${this.kind}#${++serial}`;
    this.#http = new ModernHttp(options);
    this.#tools = new ToolCatalog(options.logger);
    this.#listen = new ListenStream({
      http: this.#http,
      request: (id, filter) => envelope(id, 'subscriptions/listen', { notifications: filter }, this.#meta(), this.#tools),
      onNotification: (message) => {
        if (!this.#retired) this.#o.events.onmessage(message, this);
      },
      logger: options.logger,
      ...(options.listenBackoff ? { backoff: options.listenBackoff } : {}),
    });
  }

  get retired(): boolean {
    return this.#retired;
  }

  /** How many `subscriptions/listen` streams were opened (for tests and logs). */
  get listenOpens(): number {
    return this.#listen.opens;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to set: every request carries the modern version. */
  setProtocolVersion(): void {}

  /** There is no server-to-client stream to wait for: server requests come inside answers. */
  listening(): Promise<void> {
    return Promise.resolve();
  }

  /** There is no session to lose. */
  sessionVerdict(): SessionVerdict {
    return 'unrelated';
  }

  /** The server's capabilities from `server/discover` (which lists may change, whether resources can be subscribed). */
  setServerCapabilities(capabilities: Record<string, unknown>): void {
    this.#serverCapabilities = capabilities;
  }

  /**
   * Sends one request on its own (the connector's `server/discover`): resolves with the answer. Rejects when the
   * server refused it without a JSON-RPC answer, or the answer did not come.
   */
  async request(method: string, params: Record<string, unknown>): Promise<JSONRPCMessage> {
    for (let attempt = 1; ; attempt++) {
      const id = `mcp-auth-bridge/${method}/${++this.#ids}`;
      const { message, headers } = envelope(id, method, params, this.#meta(), this.#tools);
      let answer: JSONRPCMessage | undefined;
      const exchange = await this.#http.post(
        { message, id, method, headers, signal: this.#closer.signal, quick: true },
        { onmessage: (m) => (answer ??= 'method' in m ? undefined : m), onInvalid: () => undefined },
      );
      const { error } = await exchange.done;
      if (!answer) throw error ?? new Error(`the server's answer to ${method} ended without a response`);
      const refusal = (answer as { error?: RpcErrorBody }).error;
      if (attempt === 1 && refusal && retryableVersionRefusal(refusal)) continue;
      return answer;
    }
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const c = classify(message);
    if (c.kind === 'response') return this.#onClientAnswer(c.id, message);
    if (c.kind === 'notification') return this.#onNotification(c.method, message);
    if (c.kind !== 'request') return;
    const params = ((message as { params?: Record<string, unknown> }).params ?? {}) as Record<string, unknown>;
    switch (c.method) {
      case 'ping':
        return this.#answerLocally(c.id, {});
      case 'logging/setLevel':
        this.#logLevel = typeof params.level === 'string' ? params.level : undefined;
        return this.#answerLocally(c.id, {});
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        if (typeof params.uri === 'string') {
          if (c.method === 'resources/subscribe') this.#subscriptions.add(params.uri);
          else this.#subscriptions.delete(params.uri);
          this.#listen.update(listenFilter(this.#serverCapabilities, this.#subscriptions));
        }
        return this.#answerLocally(c.id, {});
      default:
        return this.#startCall(c.id, c.method, params);
    }
  }

  async close(_options?: UpstreamCloseOptions): Promise<void> {
    if (this.#retired) return;
    this.#retired = true;
    this.#listen.close();
    this.#closer.abort();
    for (const call of this.#calls.values()) {
      call.done = true;
      call.abort.abort();
    }
    this.#calls.clear();
    this.#asked.clear();
  }

  // ── requests ─────────────────────────────────────────────────────────────────────────────────────────

  async #startCall(clientId: RequestId, method: string, params: Record<string, unknown>): Promise<void> {
    const previous = this.#calls.get(clientId);
    if (previous) this.#finish(previous, true); // the Bridge asks again after a lost answer
    const call = newCall(clientId, method, params);
    this.#calls.set(clientId, call);
    await this.#post(call, params);
  }

  /** POSTs the call's current round; rejects (first round) or answers the client with an error (later rounds). */
  async #post(call: Call, params: Record<string, unknown>): Promise<void> {
    const { message, headers } = envelope(call.wireId, call.method, params, this.#meta(), this.#tools);
    const wireId = call.wireId;
    // Each call has its own signal, aborted by close() too: on Node 20, AbortSignal.any over a long-lived signal
    // keeps every request's composite alive until a full collection (a third of the bridge's time went to GC).
    if (this.#closer.signal.aborted) call.abort.abort();
    let exchange: Exchange;
    try {
      exchange = await this.#http.post(
        { message, id: wireId, method: call.method, headers, signal: call.abort.signal, quick: false },
        {
          onmessage: (m, raw) => this.#onServerMessage(call, wireId, m, raw),
          onInvalid: (reason) => this.#log.warn(`${this.label}: ignored a message from the server that is not valid JSON-RPC: ${reason.slice(0, 200)}`),
        },
      );
    } catch (error) {
      if (call.done) return;
      if (call.rounds === 0 && wireId === call.clientId) {
        this.#calls.delete(call.clientId);
        throw error; // the Bridge answers (and retries what is safe)
      }
      this.#fail(call, RpcErrorCode.ConnectionClosed, `mcp-auth-bridge: ${describeError(error)}`);
      return;
    }
    void exchange.done.then(({ answered, error }) => {
      if (answered || call.done || call.wireId !== wireId || this.#retired) return;
      this.#calls.delete(call.clientId);
      this.#o.events.onResponseStreamEnd(call.clientId, false, error, this);
    });
  }

  #onServerMessage(call: Call, wireId: RequestId, message: JSONRPCMessage, raw: string | Uint8Array | undefined): void {
    if (call.done || call.wireId !== wireId) return;
    if ('method' in message) {
      if ('id' in message) {
        this.#log.warn(`${this.label}: dropped a ${message.method} request the server sent on a response stream (the 2026-07-28 revision has none)`);
        return;
      }
      this.#o.events.onmessage(message, this);
      return;
    }
    const error = (message as { error?: RpcErrorBody }).error;
    if (error) return this.#onError(call, error);
    let result = (message as { result?: Record<string, unknown> }).result ?? {};
    // A large result stands for its bytes; read them where the bridge must look inside, or where they answer a
    // retry (its id is the bridge's, not the client's).
    const retry = wireId !== call.clientId;
    if (raw !== undefined && (retry || call.method === 'tools/list' || (INPUT_CAPABLE.has(call.method) && mentions(raw, 'input_required')))) {
      result = resultOf(raw);
      raw = undefined;
    }
    const required = INPUT_CAPABLE.has(call.method) ? inputRequiredOf(result) : undefined;
    if (required) return this.#inputRequired(call, required);
    if (call.method === 'tools/list') {
      const learned = this.#tools.learn(result);
      if (learned.dropped) raw = undefined;
      result = learned.result;
    }
    this.#finish(call, false);
    if (raw !== undefined && !retry) this.#o.events.onmessage(message, this, raw);
    else this.#o.events.onmessage({ jsonrpc: '2.0', id: call.clientId, result: legacyResult(call.method, result) } as JSONRPCMessage, this);
  }

  #onError(call: Call, error: RpcErrorBody): void {
    if (retryableVersionRefusal(error) && !call.versionRetried) {
      // The server lists the version the request named: the spec has the client try again with it (once).
      call.versionRetried = true;
      this.#resend(call);
      return;
    }
    if (error.code === ModernErrorCode.HeaderMismatch && call.method === 'tools/call' && !call.refreshedTools) {
      call.refreshedTools = true;
      this.#log.info(`the server refused the headers of tools/call: refreshing the tool list once and calling again`);
      void this.request('tools/list', {}).then(
        (answer) => {
          const result = (answer as { result?: Record<string, unknown> }).result;
          if (result) this.#tools.learn(result);
          if (!call.done) this.#resend(call);
        },
        () => this.#deliverError(call, error),
      );
      return;
    }
    this.#deliverError(call, error);
  }

  #deliverError(call: Call, error: RpcErrorBody): void {
    if (call.done) return;
    this.#finish(call, false);
    this.#o.events.onmessage({ jsonrpc: '2.0', id: call.clientId, error: clientError(error, call.method) } as JSONRPCMessage, this);
  }

  /** The server wants input: ask the client (or fail the call), then send the request again. */
  #inputRequired(call: Call, required: NonNullable<ReturnType<typeof inputRequiredOf>>): void {
    call.rounds++;
    if (call.rounds > (this.#o.maxInputRounds ?? MAX_INPUT_ROUNDS)) {
      this.#fail(
        call,
        RpcErrorCode.InternalError,
        `mcp-auth-bridge: the server asked for more input ${call.rounds - 1} times without finishing ${call.method}; gave up`,
      );
      return;
    }
    const missing = unaskable(required, this.#o.client.capabilities);
    if (missing) {
      const what = missing.capability ? `the client did not declare the ${missing.capability} capability` : 'the bridge does not know that request';
      this.#fail(call, RpcErrorCode.InvalidRequest, `the server asked the client for ${missing.method} to complete ${call.method}, but ${what}`);
      return;
    }
    call.requestState = required.requestState;
    call.responses = {};
    call.waiting.clear();
    for (const [key, request] of required.requests) {
      const id = inputRequestId(++this.#ids, key);
      call.waiting.set(id, key);
      this.#asked.set(id, call);
      const asked = forClient(request, id);
      this.#o.events.onmessage({ jsonrpc: '2.0', id, method: asked.method, ...(asked.params ? { params: asked.params } : {}) } as JSONRPCMessage, this);
    }
    if (call.waiting.size === 0) this.#resend(call);
  }

  /** The client answered an embedded request. */
  #onClientAnswer(id: RequestId, message: JSONRPCMessage): void {
    const call = this.#asked.get(id);
    if (!call) {
      this.#log.debug(`dropped the client's answer to ${JSON.stringify(id)}: no request of the server waits for it`);
      return;
    }
    this.#asked.delete(id);
    const key = call.waiting.get(id);
    if (call.done || key === undefined) return;
    call.waiting.delete(id);
    const error = (message as { error?: { code?: unknown; message?: unknown } }).error;
    if (error) {
      this.#fail(call, RpcErrorCode.InternalError, `the client refused the server's request needed by ${call.method}: ${String(error.message ?? 'error')} (code ${String(error.code)})`);
      return;
    }
    call.responses[key] = (message as { result?: unknown }).result;
    if (call.waiting.size === 0) this.#resend(call);
  }

  /** Sends the call again under a new id, with the inputs gathered and the server's state. */
  #resend(call: Call): void {
    call.wireId = `mcp-auth-bridge/retry/${++this.#ids}`;
    void this.#post(call, retryParams(call.params, call.responses, call.requestState)).catch((error: unknown) =>
      this.#fail(call, RpcErrorCode.ConnectionClosed, `mcp-auth-bridge: ${describeError(error)}`),
    );
  }

  #fail(call: Call, code: number, message: string): void {
    if (call.done) return;
    this.#finish(call, false);
    this.#o.events.onmessage({ jsonrpc: '2.0', id: call.clientId, error: { code, message } } as JSONRPCMessage, this);
  }

  /** Ends a call: forgets it and, when `abort`, closes its POST and withdraws what it asked the client. */
  #finish(call: Call, abort: boolean): void {
    call.done = true;
    if (this.#calls.get(call.clientId) === call) this.#calls.delete(call.clientId);
    for (const id of call.waiting.keys()) {
      this.#asked.delete(id);
      if (abort) this.#o.events.onmessage({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the request was cancelled' } } as JSONRPCMessage, this);
    }
    call.waiting.clear();
    if (abort) call.abort.abort();
  }

  // ── notifications and local answers ─────────────────────────────────────────────────────────────────

  #onNotification(method: string, message: JSONRPCMessage): void {
    if (method === 'notifications/initialized') {
      this.#listen.update(listenFilter(this.#serverCapabilities, this.#subscriptions));
      return;
    }
    if (method === 'notifications/cancelled') {
      const requestId = (message as { params?: { requestId?: RequestId } }).params?.requestId;
      const call = requestId === undefined ? undefined : this.#calls.get(requestId);
      if (call) this.#finish(call, true);
      return;
    }
    this.#log.debug(`${method} not sent: the 2026-07-28 revision has no client notifications over HTTP`);
  }

  #answerLocally(id: RequestId, result: Record<string, unknown>): void {
    setImmediate(() => this.#o.events.onmessage({ jsonrpc: '2.0', id, result } as JSONRPCMessage, this));
  }

  /**
   * The request envelope. Until the client sets a level, `debug` when the server logs: a 2025 server sends every
   * level before `logging/setLevel`, a 2026 server none to a request without a level.
   */
  #meta(): Record<string, unknown> {
    return requestMeta(this.#o.client, this.#logLevel ?? (this.#serverCapabilities.logging ? 'debug' : undefined));
  }
}
