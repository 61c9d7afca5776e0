/**
 * One upstream session (for a local server: one process) shared by the inbound sessions of one user — `serve`'s
 * `"sessions": "shared"`, for servers the operator knows to be stateless — without mixing the sessions:
 *
 * - Ids: each session's request goes to the server under a fresh id (and, when it asks for progress, a fresh
 *   progress token), named by the aggregate's {@link ServerRequests} tables; the answer, the progress and the
 *   Bridge's own errors go back to that session only, under its own id and token. A session's cancellation is
 *   renamed the same way; a session that ends has its requests cancelled at the server.
 * - Handshake: the server is initialized once, with the first session's `initialize`; later sessions get that
 *   result without a handshake of their own, and their `notifications/initialized` goes nowhere.
 * - Notifications: `list_changed` (and others the bridge does not know) reach every sharing session;
 *   `resources/updated` only the sessions subscribed to its URI (subscriptions.ts: the server sees one per URI);
 *   `notifications/message` each session at its own level (log-levels.ts: the server at the most verbose asked).
 * - Tasks (tasks.ts): a task belongs to the session whose request created it; only it may get, wait for, cancel or
 *   list it, and it alone hears the task's status notifications.
 * - A server's `ping` is answered here. Its other requests (sampling, elicitation, roots; server-asks.ts) go to the
 *   session whose task they are made for, else to the session that has a request in flight when exactly one has
 *   (or to the only session); otherwise the server gets a JSON-RPC error saying why (`UNROUTABLE`), since
 *   answering for the wrong client would mix them. The client's answer goes back as it is.
 * - Life: a crashed process is restarted by the Bridge (session-lifecycle.ts) for every session at once, each told
 *   `list_changed`; after the last session leaves, the server is closed after a grace (a client that reconnects
 *   at once keeps it).
 *
 * One user's sessions only: the registry (shared-upstreams.ts) keys upstreams by user and server.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { MemberChannel } from '../../aggregate/member-channel.js';
import { ServerRequests } from '../../aggregate/server-requests.js';
import type { MemberBackend, MemberPipe } from '../../aggregate/types.js';
import type { ClientChannel } from '../../bridge/bridge.js';
import { describeError, ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import { classify, errorResponse, RpcErrorCode, type RequestId } from '../../protocol/jsonrpc.js';
import { isLogLevel, mostVerbose, passes } from './log-levels.js';
import { ServerAsks } from './server-asks.js';
import { SharedSession } from './shared-session.js';
import { SharedSubscriptions } from './subscriptions.js';
import { SharedTasks, TASK_METHODS } from './tasks.js';

/** Options for {@link SharedUpstream}. */
export interface SharedUpstreamOptions {
  /** Makes the one Bridge to the server (for a local server, over its own process). */
  backend: MemberBackend;
  logger: Logger;
  /** How long the server outlives its last session. Default 5 s. */
  graceMs?: number;
  /** Called once the server is closed (its last session gone and the grace over, or {@link SharedUpstream.close}). */
  onClosed?: () => void;
}

/** Default {@link SharedUpstreamOptions.graceMs}. */
export const SHARED_GRACE_MS = 5_000;

/** The prefix of the ids of our own requests to the server (never a renamed session id, which are `s<n>`). */
const OWN_PREFIX = 'mcp-auth-bridge/shared/';

/** What runs when the server answers a renamed request, before the answer is routed; it may return another answer. */
type AnswerHook = (response: Record<string, unknown>) => Record<string, unknown> | void;

/** The shared upstream of one (user, server). See the module comment. */
export class SharedUpstream {
  readonly #o: SharedUpstreamOptions;
  readonly #log: Logger;
  readonly #hub: MemberChannel;
  readonly #pipe: MemberPipe;
  readonly #sessions = new Set<SharedSession>();
  /** Session requests renamed for the server: the aggregate's tables, with the sessions as the members. */
  readonly #ids = new ServerRequests<SharedSession>();
  readonly #hooks = new Map<string, AnswerHook>();
  readonly #subscriptions = new SharedSubscriptions<SharedSession>();
  readonly #tasks = new SharedTasks<SharedSession>();
  /** The server's requests to a client, and the sessions they went to. */
  readonly #asks = new ServerAsks<SharedSession>();
  /** The id under which the first `initialize` went to the server (never cancelled, its answer always kept). */
  #initId: string | undefined;
  /** The server's answer to the first `initialize`, once it came. */
  #initialized: Record<string, unknown> | undefined;
  /** The `initialize` under way, and the sessions' ones waiting for its outcome. */
  #initializing: Array<{ session: SharedSession; message: JSONRPCMessage }> | undefined;
  /** Whether the server still waits for `notifications/initialized`. */
  #awaitsInitialized = false;
  /** The level the server was last set to. */
  #level: string | undefined;
  #serial = 0;
  #grace: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: SharedUpstreamOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#hub = new MemberChannel({ receive: (message, raw) => this.#fromServer(message, raw) });
    this.#pipe = options.backend.open(this.#hub);
    void this.#pipe.start();
  }

  /** Whether the server is closing or closed: a new session then needs a new upstream. */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /** A new inbound session on the server, over its own `channel`; what the session's engine holds as its pipe. */
  attach(channel: ClientChannel, logger: Logger): SharedSession {
    clearTimeout(this.#grace);
    this.#grace = undefined;
    const session = new SharedSession({
      channel,
      logger,
      host: { receive: (s, message) => this.#fromSession(s, message), leave: (s) => this.#leave(s) },
    });
    this.#sessions.add(session);
    return session;
  }

  /** Ends the server now, whoever still shares it (serve's shutdown). Idempotent. */
  close(): Promise<void> {
    clearTimeout(this.#grace);
    if (!this.#closing) {
      let ended!: () => void;
      this.#closing = new Promise<void>((resolve) => (ended = resolve));
      void this.#end()
        .catch((error: unknown) => this.#log.warn(`closing the shared server: ${describeError(error)}`))
        .finally(ended);
    }
    return this.#closing;
  }

  async #end(): Promise<void> {
    for (const session of [...this.#sessions]) await session.close();
    await this.#pipe.close();
    await this.#o.backend.close?.();
    this.#o.onClosed?.();
  }

  // ── session → server ───────────────────────────────────────────────────────────────────────────────

  #fromSession(session: SharedSession, message: JSONRPCMessage): void {
    const c = classify(message);
    if (c.kind === 'request') {
      const params = (message as { params?: Record<string, unknown> }).params;
      // Renamed, a reused id would no longer collide at the Bridge: refused here, as the Bridge refuses it.
      if (session.waits(c.id)) return session.send(errorResponse(c.id, RpcErrorCode.InvalidRequest, `request id ${JSON.stringify(c.id)} is already in use`));
      if (c.method === 'initialize') return this.#initialize(session, message);
      if ((c.method === 'resources/subscribe' || c.method === 'resources/unsubscribe') && typeof params?.uri === 'string') {
        return this.#subscription(session, c.id, message, params.uri);
      }
      if (c.method === 'logging/setLevel' && isLogLevel(params?.level)) return this.#setLevel(session, message, params!.level as string);
      if (TASK_METHODS.has(c.method) && this.#tasks.ownerOf(params?.taskId) !== session) {
        // Another session's task (or none) does not exist for this one: the answer a server gives an unknown id.
        return session.send(errorResponse(c.id, RpcErrorCode.InvalidParams, `mcp-auth-bridge: no task ${JSON.stringify(params?.taskId)} of this session`));
      }
      if (c.method === 'tasks/list') {
        this.#forward(session, message, (response) =>
          response.result && typeof response.result === 'object' ? { ...response, result: this.#tasks.listFor(session, response.result as Record<string, unknown>) } : undefined,
        );
        return;
      }
      this.#forward(session, message);
      return;
    }
    if (c.kind === 'notification') {
      if (c.method === 'notifications/initialized') {
        if (!this.#awaitsInitialized) return;
        this.#awaitsInitialized = false;
      } else if (c.method === 'notifications/cancelled') {
        const params = (message as { params?: { requestId?: RequestId } }).params;
        const renamed = params?.requestId === undefined ? undefined : this.#ids.clientIdOf(session, params.requestId);
        if (renamed === undefined) return;
        this.#ids.answered(renamed);
        this.#hub.deliver({ ...message, params: { ...params, requestId: renamed } } as JSONRPCMessage);
        return;
      }
      this.#hub.deliver(message);
      return;
    }
    if (c.kind === 'response') {
      // The client's answer to a server request: only the session it was sent to may answer it.
      if (this.#asks.answered(c.id, session)) this.#hub.deliver(message);
    }
  }

  /** A session's request to the server, renamed; `hook` sees the server's answer first. Returns the id it went under. */
  #forward(session: SharedSession, message: JSONRPCMessage, hook?: AnswerHook): string {
    const renamed = this.#ids.toClient(session, message as unknown as Record<string, unknown>);
    const id = renamed.id as string;
    if (hook) this.#hooks.set(id, hook);
    session.sent((message as { id: RequestId }).id);
    if (!this.#hub.deliver(renamed as unknown as JSONRPCMessage)) {
      this.#hooks.delete(id);
      this.#ids.answered(id);
      const original = (message as { id: RequestId }).id;
      session.answer(original, errorResponse(original, RpcErrorCode.ConnectionClosed, 'mcp-auth-bridge: the shared server is closing', { code: ErrorCode.Closed }));
    }
    return id;
  }

  /** The server's answer to `initialize` is the same for every session: asked once, then answered by us. */
  #initialize(session: SharedSession, message: JSONRPCMessage): void {
    const id = (message as { id: RequestId }).id;
    if (this.#initialized) {
      session.send({ jsonrpc: '2.0', id, result: this.#initialized } as JSONRPCMessage);
      return;
    }
    if (this.#initializing) {
      this.#initializing.push({ session, message });
      return;
    }
    this.#initializing = [];
    this.#initId = this.#forward(session, message, (response) => {
      this.#initId = undefined;
      if (response.result && typeof response.result === 'object') {
        this.#initialized = response.result as Record<string, unknown>;
        this.#awaitsInitialized = true;
      }
      const waiting = this.#initializing ?? [];
      this.#initializing = undefined;
      // After the answer is routed: the others are answered from it, or (it failed) the next one asks again.
      queueMicrotask(() => {
        for (const w of waiting) if (!w.session.closed) this.#initialize(w.session, w.message);
      });
    });
  }

  /** `resources/subscribe` or `resources/unsubscribe` of `uri`: the server hears the first and the last of each. */
  #subscription(session: SharedSession, id: RequestId, message: JSONRPCMessage, uri: string): void {
    const ours = () => session.send({ jsonrpc: '2.0', id, result: {} } as JSONRPCMessage);
    if ((message as { method: string }).method === 'resources/subscribe') {
      if (!this.#subscriptions.subscribe(session, uri)) return ours();
      // When the server refuses, the session holds nothing.
      this.#forward(session, message, (response) => {
        if (response.error) this.#subscriptions.unsubscribe(session, uri);
      });
      return;
    }
    if (!this.#subscriptions.unsubscribe(session, uri)) return ours();
    this.#forward(session, message);
  }

  /** The server is set to the most verbose level a sharing session asked for; the session gets the server's answer. */
  #setLevel(session: SharedSession, message: JSONRPCMessage, level: string): void {
    session.level = level;
    const target = mostVerbose([...this.#sessions].map((s) => s.level))!;
    this.#level = target;
    const params = (message as { params: Record<string, unknown> }).params;
    this.#forward(session, { ...message, params: { ...params, level: target } } as JSONRPCMessage);
  }

  /** A session ended: its requests are cancelled, its subscriptions and level given up, its server requests refused. */
  #leave(session: SharedSession): void {
    if (!this.#sessions.delete(session)) return;
    for (const renamed of this.#ids.dropMember(session)) {
      // MCP 2025-11-25 (basic/utilities/cancellation): `initialize` is never cancelled; its answer still counts.
      if (renamed === this.#initId) continue;
      this.#hooks.delete(renamed);
      this.#hub.deliver({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: renamed, reason: 'the client session ended' } } as JSONRPCMessage);
    }
    for (const uri of this.#subscriptions.leave(session)) this.#own('resources/unsubscribe', { uri });
    this.#tasks.leave(session);
    for (const id of this.#asks.leave(session)) {
      this.#hub.deliver(errorResponse(id, RpcErrorCode.ConnectionClosed, 'mcp-auth-bridge: the client session this request was sent to ended', { code: ErrorCode.Closed }));
    }
    const level = mostVerbose([...this.#sessions].map((s) => s.level));
    if (level !== undefined && level !== this.#level) {
      this.#level = level;
      this.#own('logging/setLevel', { level });
    }
    if (this.#sessions.size === 0 && !this.#closing) {
      this.#grace = setTimeout(() => void this.close(), this.#o.graceMs ?? SHARED_GRACE_MS);
      this.#grace.unref();
    }
  }

  /** A request of our own to the server; its answer is dropped. */
  #own(method: string, params: Record<string, unknown>): void {
    this.#hub.deliver({ jsonrpc: '2.0', id: `${OWN_PREFIX}${++this.#serial}`, method, params } as JSONRPCMessage);
  }

  // ── server → sessions ──────────────────────────────────────────────────────────────────────────────

  #fromServer(message: JSONRPCMessage, raw?: string | Uint8Array): void {
    const c = classify(message);
    if (c.kind === 'response') return this.#answer(c.id, message, raw);
    if (c.kind === 'request') return this.#ask(c.id, message);
    if (c.kind !== 'notification') return;
    const params = (message as { params?: Record<string, unknown> }).params ?? {};
    switch (c.method) {
      case 'notifications/progress': {
        const origin = params.progressToken === undefined ? undefined : this.#ids.progress(params.progressToken as RequestId);
        origin?.member.send({ ...message, params: { ...params, progressToken: origin.original } } as JSONRPCMessage);
        return;
      }
      case 'notifications/cancelled': {
        this.#asks.cancelled(params.requestId)?.send(message);
        return;
      }
      case 'notifications/tasks/status':
        this.#tasks.ownerOf(params.taskId)?.send(message);
        return;
      case 'notifications/resources/updated':
        for (const session of this.#subscriptions.holdersOf(String(params.uri))) session.send(message);
        return;
      case 'notifications/message':
        for (const session of this.#sessions) if (passes(params.level, session.level)) session.send(message);
        return;
      default:
        for (const session of this.#sessions) session.send(message);
    }
  }

  #answer(id: RequestId, message: JSONRPCMessage, raw: string | Uint8Array | undefined): void {
    const key = String(id);
    if (key.startsWith(OWN_PREFIX)) return;
    const full = (raw !== undefined ? JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8')) : message) as Record<string, unknown>;
    const hook = this.#hooks.get(key);
    this.#hooks.delete(key);
    const answer = hook?.(full) ?? full;
    const origin = this.#ids.answered(key);
    if (!origin) return;
    this.#tasks.learn(origin.member, answer.result);
    origin.member.answer(origin.original, { ...answer, id: origin.original } as unknown as JSONRPCMessage);
  }

  /** A server-to-client request: to the session it is for (server-asks.ts), else refused with the reason. */
  #ask(id: RequestId, message: JSONRPCMessage): void {
    const method = (message as { method: string }).method;
    // The server's client is this multiplexer, which is there while any session is: it answers a ping itself.
    if (method === 'ping') {
      this.#hub.deliver({ jsonrpc: '2.0', id, result: {} } as JSONRPCMessage);
      return;
    }
    const owner = this.#tasks.relatedOwner((message as { params?: Record<string, unknown> }).params);
    const route = this.#asks.route(method, [...this.#sessions], owner);
    if (route.to) {
      this.#asks.sent(id, route.to);
      route.to.send(message);
      return;
    }
    this.#log.warn(`refused the server's ${method}: ${route.why}`);
    this.#hub.deliver(errorResponse(id, RpcErrorCode.InvalidRequest, `mcp-auth-bridge: ${route.why} ("sessions": "shared")`, { code: ErrorCode.Unroutable }));
  }
}
