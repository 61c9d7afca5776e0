/**
 * One server of the aggregate: its Bridge over a {@link MemberChannel}, the handshake the aggregator makes for it
 * with the client's own `initialize` parameters, what the server said of itself (capabilities, instructions), its
 * state, and the requests the aggregator sends on its own behalf (lists, `logging/setLevel`) under ids that
 * cannot be a client's (`mcp-auth-bridge/<n>`).
 *
 * A server that cannot be reached is tried again with backoff, and at once when a call needs it; its state says
 * why it is not ready, for the errors calls to it get meanwhile.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { RequestId } from '../protocol/jsonrpc.js';
import { MemberChannel } from './member-channel.js';
import type { MemberBackend, MemberPipe, MemberSpec } from './types.js';

/** Where a member stands. */
export type MemberState = 'idle' | 'connecting' | 'ready' | 'failed' | 'closed';

/** The prefix of every id the aggregator gives its own requests; a client id of this form is renamed. */
export const OWN_ID_PREFIX = 'mcp-auth-bridge/';

/** Options for {@link Member}. */
export interface MemberOptions {
  spec: MemberSpec;
  backend: MemberBackend;
  logger: Logger;
  /** A message for the client side (a response to a routed request, a server request or notification). */
  onMessage(member: Member, message: JSONRPCMessage, raw?: string | Uint8Array): void;
  /** The member became ready, failed or closed. */
  onStateChange(member: Member): void;
  /** The real client's backpressure. */
  clientReady?(): Promise<void> | undefined;
  /** First retry delay after a failed handshake; doubles up to `maxRetryMs`. Default 1 s. */
  retryMs?: number;
  /** Longest retry delay. Default 60 s. */
  maxRetryMs?: number;
}

type Answer = (message: JSONRPCMessage) => void;

/** One server behind the aggregator. See the module comment. */
export class Member {
  readonly spec: MemberSpec;
  #state: MemberState = 'idle';
  /** Why the member is not ready (after a failure). */
  #reason: string | undefined;
  /** The server's `initialize` result, once ready. */
  #result: Record<string, unknown> | undefined;
  readonly #o: MemberOptions;
  readonly #channel: MemberChannel;
  readonly #bridge: MemberPipe;
  readonly #own = new Map<RequestId, Answer>();
  #serial = 0;
  #initParams: Record<string, unknown> | undefined;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;
  #started: Promise<void>;
  /** Settles each time the member leaves `connecting`. */
  #settled: Promise<void> = Promise.resolve();
  #settle: (() => void) | undefined;

  constructor(options: MemberOptions) {
    this.#o = options;
    this.spec = options.spec;
    this.#channel = new MemberChannel({
      receive: (message, raw) => this.#receive(message, raw),
      ...(options.clientReady ? { ready: options.clientReady } : {}),
    });
    this.#bridge = options.backend.open(this.#channel);
    this.#started = this.#bridge.start();
  }

  get state(): MemberState {
    return this.#state;
  }

  /** Why the member is not ready, in words for the client: its failure, or what it waits for (a login). */
  get reason(): string | undefined {
    if (this.#state === 'connecting') return this.#o.backend.waitingFor() ?? 'still connecting';
    return this.#reason;
  }

  /** The URL of the user's login this server waits for, if any. */
  get loginUrl(): string | undefined {
    return this.#state === 'connecting' ? this.#o.backend.loginUrl?.() : undefined;
  }

  /** The server's capabilities (once ready). */
  get capabilities(): Record<string, unknown> | undefined {
    return this.#result?.capabilities as Record<string, unknown> | undefined;
  }

  /** The server's instructions (once ready). */
  get instructions(): string | undefined {
    const text = this.#result?.instructions;
    return typeof text === 'string' ? text : undefined;
  }

  /** Whether the server offers `what` (`tools`, `prompts`, `resources`, `logging`, `completions`). */
  offers(what: string): boolean {
    const caps = this.capabilities;
    return this.#state === 'ready' && caps !== undefined && caps[what] !== undefined && caps[what] !== null;
  }

  /** Starts the handshake with the client's `initialize` parameters (again, when called again). */
  connect(params: Record<string, unknown>): void {
    this.#initParams = params;
    void this.#handshake();
  }

  /** Resolves when the member is not `connecting` any more, or after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<void> {
    if (this.#state !== 'connecting') return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#settled, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** A failed member tries again now rather than at its next backoff. */
  wake(): void {
    if (this.#state !== 'failed' || !this.#initParams) return;
    clearTimeout(this.#retry);
    void this.#handshake();
  }

  /** Routes a client message (request, notification or response) to the server as it is. */
  forward(message: JSONRPCMessage): boolean {
    return this.#channel.deliver(message);
  }

  /** Sends a request of the aggregator's own; resolves with the server's (or its Bridge's) response. */
  async request(method: string, params: Record<string, unknown> | undefined): Promise<JSONRPCMessage> {
    await this.#started;
    const id = `${OWN_ID_PREFIX}${++this.#serial}`;
    const answer = new Promise<JSONRPCMessage>((resolve) => this.#own.set(id, resolve));
    const message = { jsonrpc: '2.0', id, method, ...(params ? { params } : {}) } as JSONRPCMessage;
    if (!this.#channel.deliver(message)) {
      this.#own.delete(id);
      throw new BridgeError(ErrorCode.Closed, `server "${this.spec.name}" was removed`);
    }
    return answer;
  }

  /** Sends a notification of the aggregator's own. */
  notify(method: string, params?: Record<string, unknown>): void {
    this.#channel.deliver({ jsonrpc: '2.0', method, ...(params ? { params } : {}) } as JSONRPCMessage);
  }

  /** Ends the server's session (and, for a local server, its process group). Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#setState('closed', 'removed');
    clearTimeout(this.#retry);
    await this.#bridge.close();
    await this.#o.backend.close?.();
    for (const answer of this.#own.values()) answer({ jsonrpc: '2.0', id: '', error: { code: -32000, message: 'closed' } } as JSONRPCMessage);
    this.#own.clear();
  }

  async #handshake(): Promise<void> {
    if (this.#state === 'closed' || !this.#initParams) return;
    this.#setState('connecting', undefined);
    const response = (await this.request('initialize', this.#initParams).catch((error: unknown) => error)) as
      | { result?: Record<string, unknown>; error?: { message?: string } }
      | Error;
    if ((this.#state as MemberState) === 'closed') return;
    if (response instanceof Error || !response.result) {
      const why = response instanceof Error ? response.message : String(response.error?.message ?? 'refused initialize');
      this.#failures++;
      const wait = Math.min((this.#o.retryMs ?? 1_000) * 2 ** (this.#failures - 1), this.#o.maxRetryMs ?? 60_000);
      this.#o.logger.warn(`not connected: ${why}; trying again in ${Math.round(wait / 1000)} s`);
      this.#setState('failed', why.replace(/^mcp-auth-bridge: /, ''));
      this.#retry = setTimeout(() => void this.#handshake(), wait);
      this.#retry.unref();
      return;
    }
    this.#failures = 0;
    this.#result = response.result;
    this.notify('notifications/initialized');
    this.#setState('ready', undefined);
  }

  #setState(state: MemberState, reason: string | undefined): void {
    const was = this.#state;
    this.#state = state;
    this.#reason = reason;
    if (state === 'connecting' && was !== 'connecting') this.#settled = new Promise((resolve) => (this.#settle = resolve));
    if (state !== 'connecting' && was === 'connecting') this.#settle?.();
    if (state !== 'connecting') this.#o.onStateChange(this);
  }

  #receive(message: JSONRPCMessage, raw?: string | Uint8Array): void {
    if (!('method' in message)) {
      const id = (message as { id?: RequestId }).id;
      const own = id === undefined ? undefined : this.#own.get(id);
      if (own) {
        this.#own.delete(id!);
        own(raw !== undefined ? parseRaw(raw) : message);
        return;
      }
    }
    this.#o.onMessage(this, message, raw);
  }
}

function parseRaw(raw: string | Uint8Array): JSONRPCMessage {
  return JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8')) as JSONRPCMessage;
}
