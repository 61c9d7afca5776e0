/**
 * One inbound session on a shared server (shared-upstream.ts): its channel, the requests it has in flight there
 * (what `drain` waits for, and what routes a server's own requests to it) and the logging level it asked for. It is
 * what the session's engine holds in place of a Bridge ({@link MemberPipe}).
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { MemberPipe } from '../../aggregate/types.js';
import type { ClientChannel } from '../../bridge/bridge.js';
import { hookClient, idleWithin } from '../../bridge/client-hookup.js';
import { describeError, ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import { errorResponse, RpcErrorCode, type RequestId } from '../../protocol/jsonrpc.js';

/** What the shared server does with a session's messages and its end. */
export interface SharedSessionHost {
  /** A message from the session's client. */
  receive(session: SharedSession, message: JSONRPCMessage): void;
  /** The session ended: its requests are cancelled, its subscriptions dropped. */
  leave(session: SharedSession): void;
}

/** One inbound session's side of a shared server. See the module comment. */
export class SharedSession implements MemberPipe {
  /** The level the session asked for with `logging/setLevel`, if it did. */
  level: string | undefined;
  readonly #channel: ClientChannel;
  readonly #host: SharedSessionHost;
  readonly #log: Logger;
  /** The session's own ids of its requests the server has not answered yet. */
  readonly #inFlight = new Set<RequestId>();
  #idle: Array<() => void> = [];
  #closed = false;

  constructor(o: { channel: ClientChannel; host: SharedSessionHost; logger: Logger }) {
    this.#channel = o.channel;
    this.#host = o.host;
    this.#log = o.logger;
  }

  /** Requests of this session the server has not answered yet. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async start(): Promise<void> {
    await hookClient(this.#channel, {
      onMessage: (message) => {
        if (!this.#closed) this.#host.receive(this, message);
      },
      onEnd: () => void this.close(),
      logger: this.#log,
    });
  }

  /** Whether the session's request `id` is still waiting for the server's answer. */
  waits(id: RequestId): boolean {
    return this.#inFlight.has(id);
  }

  /** The session's request `id` went to the server. */
  sent(id: RequestId): void {
    this.#inFlight.add(id);
  }

  /** The server (or the Bridge) answered the session's request `id` with `message` (under that id). */
  answer(id: RequestId, message: JSONRPCMessage): void {
    this.#inFlight.delete(id);
    this.send(message);
    if (this.#inFlight.size === 0) for (const idle of this.#idle.splice(0)) idle();
  }

  /** Writes a message to the session's client (a notification, a server's request, an answer of our own). */
  send(message: JSONRPCMessage): void {
    if (this.#closed) return;
    this.#channel.send(message).catch((error: unknown) => this.#log.debug(`not written to the client: ${describeError(error)}`));
  }

  async drain(timeoutMs: number): Promise<boolean> {
    if (this.#inFlight.size === 0) return true;
    return idleWithin(new Promise<void>((resolve) => this.#idle.push(resolve)), timeoutMs);
  }

  /**
   * Leaves the shared server (which outlives the session; the requests still in flight are cancelled there and
   * answered here with an error, as a Bridge's close answers them) and closes the session's channel. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#host.leave(this);
    for (const id of this.#inFlight) {
      this.send(errorResponse(id, RpcErrorCode.ConnectionClosed, 'mcp-auth-bridge: the session ended before the server answered', { code: ErrorCode.Closed }));
    }
    this.#inFlight.clear();
    this.#closed = true;
    for (const idle of this.#idle.splice(0)) idle();
    await this.#channel.close();
  }
}
