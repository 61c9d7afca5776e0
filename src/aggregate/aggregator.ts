/**
 * The aggregator: one MCP client session over the sessions of every server in a `--config` file (DESIGN.md,
 * "Aggregation rules"). It answers `initialize` and `ping` itself, lists across servers (fan-out.ts), routes each
 * other request to the server it names (targets.ts) and everything that comes back to the client: responses under
 * the client's own ids, server requests under ids the client cannot confuse (server-requests.ts), notifications
 * with their URIs and logger names made the client's. A server that is down, slow or waiting for a login never
 * holds up the others: it joins (with `list_changed`) when it is ready.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ClientChannel } from '../bridge/bridge.js';
import { hookClient, idleWithin } from '../bridge/client-hookup.js';
import { BridgeError, describeError, ErrorCode, isBridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { classify, errorResponse, RpcErrorCode, type RequestId } from '../protocol/jsonrpc.js';
import { Catalog } from './catalog.js';
import { LIST_METHODS, listAcross } from './fan-out.js';
import { LIST_CHANGED, ListChanges, type ListKind } from './list-changes.js';
import { Member, OWN_ID_PREFIX } from './member.js';
import { initializeResult } from './initialize-result.js';
import { acceptsUrlElicitation, LoginLinks } from './login-links.js';
import { exposeNotificationUris, exposeResultUris, exposeServerRequestUris } from './naming/rewrite.js';
import { responseOut } from './response-out.js';
import { ServerRequests } from './server-requests.js';
import { findTarget, ROUTED_METHODS } from './targets.js';
import type { MemberFactory, MemberSpec, Reconfiguration } from './types.js';

/** Options for {@link Aggregator}. */
export interface AggregatorOptions {
  /** The MCP client's side (stdio in production). */
  client: ClientChannel;
  /** The servers, in the file's order. */
  servers: readonly MemberSpec[];
  factory: MemberFactory;
  /** Between a server's slug and a tool or prompt name. */
  separator: string;
  logger: Logger;
  /** The bridge's version, for `serverInfo`. */
  version: string;
  /** Longest wait, in `initialize`, for servers still connecting (never for one waiting for a login). Default 1 s. */
  initializeWaitMs?: number;
  /** Longest wait for one server's page of a list; 0: no bound. Default 10 s. */
  listWaitMs?: number;
  /**
   * A call to a server waiting for the user's login is answered with a URL-mode elicitation of the login link when
   * the client accepts one (login-links.ts); `serve` sets it. Default: the error that contains the link.
   */
  loginElicitation?: boolean;
  /** Handshake retry delays of failed servers (tests shorten them). */
  retryMs?: number;
}

/** A client request routed to one server. */
interface Routed {
  member: Member;
  method: string;
  /** The client's id, when the server saw another (the client's collided with the aggregator's own form). */
  clientId?: RequestId;
}

/** One client over many servers. See the module comment. */
export class Aggregator {
  /** Resolves when the client side closes or its input ends. */
  readonly clientClosed: Promise<void>;
  readonly #o: AggregatorOptions;
  readonly #log: Logger;
  readonly #client: ClientChannel;
  #members: Member[] = [];
  #catalog: Catalog<Member>;
  #separator: string;
  readonly #serverRequests = new ServerRequests<Member>();
  readonly #loginLinks = new LoginLinks<Member>();
  /** Client requests a server is answering, by the id the server saw. */
  readonly #routed = new Map<RequestId, Routed>();
  #initParams: Record<string, unknown> | undefined;
  #clientReady = false;
  #logLevel: string | undefined;
  #closing = false;
  #serial = 0;
  #idle: (() => void) | undefined;
  readonly #changes = new ListChanges((message) => void this.#client.send(message), () => this.#closing);
  #resolveClosed!: () => void;

  constructor(options: AggregatorOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#client = options.client;
    this.#separator = options.separator;
    this.#catalog = new Catalog({ separator: options.separator });
    this.clientClosed = new Promise((resolve) => (this.#resolveClosed = resolve));
    for (const spec of options.servers) this.#members.push(this.#member(spec));
  }

  /** The servers, in order, with their states (for logs and tests). */
  get members(): readonly Member[] {
    return this.#members;
  }

  /** Starts reading client messages. Servers connect when the client's `initialize` arrives. */
  async start(): Promise<void> {
    await hookClient(this.#client, {
      onMessage: (message) => this.#onClient(message),
      onEnd: () => this.#resolveClosed(),
      logger: this.#log,
    });
  }

  /** Waits until every routed request has been answered, or `timeoutMs`; true when none is left. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.#routed.size === 0) return true;
    return idleWithin(new Promise<void>((resolve) => (this.#idle = resolve)), timeoutMs);
  }

  /** Ends every server's session (local servers' process groups included), then the client side. Idempotent. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await Promise.all(this.#members.map((m) => m.close()));
    await this.#client.close();
  }

  /**
   * Applies a changed configuration: servers not in `next` are removed, those in `changed` restarted, new ones
   * added; the others keep their sessions. The client is told that the lists changed.
   */
  async reconfigure(change: Reconfiguration): Promise<void> {
    const { servers: next, changed } = change;
    const renamed = change.separator !== undefined && change.separator !== this.#separator;
    if (renamed) {
      this.#separator = change.separator!;
      this.#catalog = new Catalog({ separator: this.#separator });
    }
    const keep = new Map<string, Member>();
    const gone: Member[] = [];
    for (const member of this.#members) {
      const spec = next.find((s) => s.name === member.spec.name);
      if (spec && !changed.has(spec.name)) keep.set(spec.name, member);
      else gone.push(member);
    }
    this.#members = next.map((spec) => keep.get(spec.name) ?? this.#member(spec));
    await Promise.all(gone.map((m) => this.#remove(m)));
    for (const member of this.#members) if (!keep.has(member.spec.name) && this.#initParams) member.connect(this.#initParams);
    if (gone.length > 0 || renamed) this.#listsChanged(['tools', 'prompts', 'resources']);
  }

  #member(spec: MemberSpec): Member {
    return new Member({
      spec,
      backend: this.#o.factory(spec),
      logger: this.#log.child({ name: spec.name }),
      onMessage: (member, message, raw) => this.#onServer(member, message, raw),
      onStateChange: (member) => this.#onState(member),
      clientReady: () => this.#client.ready?.(),
      ...(this.#o.retryMs !== undefined ? { retryMs: this.#o.retryMs } : {}),
    });
  }

  async #remove(member: Member): Promise<void> {
    for (const [id, routed] of this.#routed) {
      if (routed.member !== member) continue;
      this.#answerError(routed.clientId ?? id, new BridgeError(ErrorCode.ServerUnavailable, `server "${member.spec.name}" was removed from the configuration before it answered`));
      this.#routed.delete(id);
    }
    this.#serverRequests.dropMember(member);
    this.#loginLinks.forget(member);
    this.#catalog.forget(member);
    await member.close();
  }

  // ── client → servers ───────────────────────────────────────────────────────────────────────────────

  #onClient(message: JSONRPCMessage): void {
    const c = classify(message);
    if (c.kind === 'request') {
      void this.#onRequest(c.id, c.method, message).catch((error: unknown) => this.#answerError(c.id, error));
      return;
    }
    if (c.kind === 'response') {
      const origin = this.#serverRequests.answered(c.id);
      if (origin) origin.member.forward({ ...message, id: origin.original } as JSONRPCMessage);
      else this.#log.debug(`dropped the client's answer to ${JSON.stringify(c.id)}: no server asked`);
      return;
    }
    if (c.kind === 'notification') this.#onNotification(c.method, message);
  }

  async #onRequest(id: RequestId, method: string, message: JSONRPCMessage): Promise<void> {
    if (this.#closing) throw new BridgeError(ErrorCode.Closed, 'mcp-auth-bridge is shutting down');
    const params = ((message as { params?: unknown }).params ?? {}) as Record<string, unknown>;
    if (method === 'initialize') return this.#initialize(id, params);
    if (method === 'ping') return this.#answer(id, {});
    if (method === 'logging/setLevel') {
      this.#logLevel = typeof params.level === 'string' ? params.level : undefined;
      for (const m of this.#members) if (m.offers('logging')) void m.request(method, params).catch(() => undefined);
      return this.#answer(id, {});
    }
    if (method in LIST_METHODS) {
      const { cursor, ...rest } = params;
      void rest;
      return this.#answer(id, await this.#list(method, cursor));
    }
    if (!ROUTED_METHODS.has(method)) {
      this.#client.send(errorResponse(id, -32601, `Method not found: mcp-auth-bridge does not route ${method} across servers`));
      return;
    }
    const target = await findTarget(method, params, {
      members: this.#members,
      catalog: this.#catalog,
      list: async (kind, member) => void (await this.#list(`${kind}/list`, undefined, [member])),
    });
    this.#route(id, method, message, target.member, target.params);
  }

  #route(id: RequestId, method: string, message: JSONRPCMessage, member: Member, params: Record<string, unknown>): void {
    const state = member.state;
    const waiting = state === 'connecting' ? member.reason : undefined;
    if (state === 'failed' || state === 'closed' || (waiting && waiting !== 'still connecting')) {
      const url = member.loginUrl;
      if (url && this.#o.loginElicitation && acceptsUrlElicitation(this.#initParams)) {
        void this.#client.send(this.#loginLinks.offer(member, member.spec.name, url, id));
        return;
      }
      const error = new BridgeError(ErrorCode.ServerUnavailable, `server "${member.spec.name}" is not available: ${member.reason ?? state}`, {
        hint: 'the bridge keeps trying; its tools come back when it is ready',
      });
      member.wake();
      throw error;
    }
    let serverId = id;
    let clientId: RequestId | undefined;
    if ((typeof id === 'string' && id.startsWith(OWN_ID_PREFIX)) || this.#routed.has(id)) {
      if (this.#routed.has(id)) throw new BridgeError(ErrorCode.BadInput, `request id ${JSON.stringify(id)} is already in use`);
      clientId = id;
      serverId = `${OWN_ID_PREFIX}c${++this.#serial}`;
    }
    this.#routed.set(serverId, { member, method, ...(clientId !== undefined ? { clientId } : {}) });
    member.forward({ ...message, id: serverId, params } as JSONRPCMessage);
  }

  #onNotification(method: string, message: JSONRPCMessage): void {
    const params = ((message as { params?: unknown }).params ?? {}) as Record<string, unknown>;
    switch (method) {
      case 'notifications/initialized':
        this.#clientReady = true;
        return;
      case 'notifications/cancelled': {
        const requestId = params.requestId as RequestId;
        for (const [serverId, routed] of this.#routed) {
          if (serverId !== requestId && routed.clientId !== requestId) continue;
          this.#routed.delete(serverId);
          routed.member.forward({ ...message, params: { ...params, requestId: serverId } } as JSONRPCMessage);
          this.#checkIdle();
          return;
        }
        return;
      }
      case 'notifications/progress': {
        const origin = this.#serverRequests.progress(params.progressToken as RequestId);
        if (origin) origin.member.forward({ ...message, params: { ...params, progressToken: origin.original } } as JSONRPCMessage);
        return;
      }
      case 'notifications/roots/list_changed':
        for (const m of this.#members) if (m.state === 'ready') m.forward(message);
        return;
      default:
        this.#log.debug(`dropped the client's ${method}: no server to route it to`);
    }
  }

  async #initialize(id: RequestId, params: Record<string, unknown>): Promise<void> {
    this.#initParams = params;
    for (const m of this.#members) m.connect(params);
    const wait = this.#o.initializeWaitMs ?? 1_000;
    await Promise.all(this.#members.map((m) => m.settled(wait)));
    this.#answer(id, initializeResult({ asked: params.protocolVersion, members: this.#members, version: this.#o.version }));
  }

  async #list(method: string, cursor: unknown, only?: Member[]): Promise<Record<string, unknown>> {
    const kind = method.split('/')[0] as ListKind;
    return listAcross({
      method,
      cursor,
      members: only ?? this.#members,
      waitMs: this.#o.listWaitMs ?? 10_000,
      expose: (member, result, fresh) => {
        const field = LIST_METHODS[method]!.field;
        const items = Array.isArray(result[field]) ? (result[field] as unknown[]) : [];
        if (kind === 'tools' || kind === 'prompts') return this.#catalog.accept(kind, member, items, fresh);
        const copy = { [field]: items.map((item) => (typeof item === 'object' && item !== null ? { ...item } : item)) };
        exposeResultUris(method, copy, member.spec.slug);
        return copy[field] as unknown[];
      },
      onLate: () => this.#listsChanged([kind]),
      logger: this.#log,
    });
  }

  // ── servers → client ───────────────────────────────────────────────────────────────────────────────

  #onServer(member: Member, message: JSONRPCMessage, raw?: string | Uint8Array): void {
    const c = classify(message);
    if (c.kind === 'response') return this.#onServerResponse(c.id, message, raw);
    if (c.kind === 'request') {
      const request = this.#serverRequests.toClient(member, message as unknown as Record<string, unknown>);
      if (request.params) {
        request.params = structuredClone(request.params);
        exposeServerRequestUris(c.method, request.params as Record<string, unknown>, member.spec.slug);
      }
      void this.#client.send(request as unknown as JSONRPCMessage);
      return;
    }
    if (c.kind !== 'notification') return;
    const params = ((message as { params?: unknown }).params ?? undefined) as Record<string, unknown> | undefined;
    switch (c.method) {
      case 'notifications/cancelled': {
        const clientId = this.#serverRequests.clientIdOf(member, params?.requestId as RequestId);
        if (clientId !== undefined) void this.#client.send({ ...message, params: { ...params, requestId: clientId } } as JSONRPCMessage);
        return;
      }
      case LIST_CHANGED.tools:
      case LIST_CHANGED.prompts:
      case LIST_CHANGED.resources: {
        const kind = c.method === LIST_CHANGED.tools ? 'tools' : c.method === LIST_CHANGED.prompts ? 'prompts' : 'resources';
        if (kind !== 'resources') this.#catalog.forget(member, kind);
        this.#listsChanged([kind]);
        return;
      }
      case 'notifications/resources/updated': {
        const copy = { ...params };
        exposeNotificationUris(c.method, copy, member.spec.slug);
        void this.#client.send({ ...message, params: copy } as JSONRPCMessage);
        return;
      }
      case 'notifications/message': {
        const logger = typeof params?.logger === 'string' ? `${member.spec.name}/${params.logger}` : member.spec.name;
        void this.#client.send({ ...message, params: { ...params, logger } } as JSONRPCMessage);
        return;
      }
    }
    void this.#client.send(message);
  }

  #onServerResponse(serverId: RequestId, message: JSONRPCMessage, raw: string | Uint8Array | undefined): void {
    const routed = this.#routed.get(serverId);
    if (!routed) return void this.#log.debug(`dropped an answer to ${JSON.stringify(serverId)}: the request already ended`);
    this.#routed.delete(serverId);
    this.#checkIdle();
    const relay = this.#client.sendRaw !== undefined;
    const out = responseOut({ method: routed.method, slug: routed.member.spec.slug, relay, ...(routed.clientId !== undefined ? { clientId: routed.clientId } : {}) }, message, raw);
    void (out.raw !== undefined ? this.#client.sendRaw!(out.raw, out.message) : this.#client.send(out.message));
  }

  #onState(member: Member): void {
    if (member.state === 'ready') {
      this.#log.info(`${member.spec.name}: ready`);
      for (const done of this.#loginLinks.completed(member)) void this.#client.send(done);
      if (this.#logLevel && member.offers('logging')) void member.request('logging/setLevel', { level: this.#logLevel }).catch(() => undefined);
      if (this.#clientReady) this.#listsChanged((['tools', 'prompts', 'resources'] as const).filter((k) => member.offers(k)));
    }
  }

  #listsChanged(kinds: readonly ListKind[]): void {
    if (this.#clientReady && !this.#closing) this.#changes.changed(kinds);
  }

  #checkIdle(): void {
    if (this.#routed.size === 0) this.#idle?.();
  }

  #answer(id: RequestId, result: Record<string, unknown>): void {
    void this.#client.send({ jsonrpc: '2.0', id, result } as JSONRPCMessage);
  }

  #answerError(id: RequestId, error: unknown): void {
    const code = isBridgeError(error, ErrorCode.BadInput) ? -32602 : isBridgeError(error, ErrorCode.UnknownTarget) ? -32602 : RpcErrorCode.ConnectionClosed;
    const data = { code: isBridgeError(error) ? error.code : ErrorCode.Internal };
    void this.#client.send(errorResponse(id, code, `mcp-auth-bridge: ${describeError(error)}`, data));
  }
}
