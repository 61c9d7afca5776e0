/**
 * The client side of one warm engine of the 2026-07-28 front (MCP 2026-07-28, transports/streamable-http): a
 * {@link ClientChannel} that stands for whichever stateless request holds the engine. Requests go in under ids of
 * its own (a stateless client picks its ids per POST, so two could collide on one engine), their answers come back by
 * promise; what the engine asks the client (sampling, elicitation, roots) and the notifications it sends go to the
 * holder's handlers; `ping` is answered here, and a server request with no holder is refused (nobody could answer
 * it: a stateless client has no stream to receive it).
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ClientChannel } from '../../bridge/bridge.js';
import type { Logger } from '../../log.js';
import type { RequestId } from '../../protocol/jsonrpc.js';

/** An answer from the engine: the JSON-RPC response (id already the caller's concern). */
export type EngineAnswer = { result: Record<string, unknown> } | { error: { code: number; message: string; data?: unknown } };

/** What the holder of the engine is told while it holds it. */
export interface EngineHolder {
  /** A request of the server to the client (its id is the engine's). */
  onServerRequest(id: RequestId, method: string, params: Record<string, unknown> | undefined): void;
  /** A notification of the server. */
  onNotification(message: JSONRPCMessage): void;
}

/** One engine's channel; see the module comment. */
export class EngineChannel implements ClientChannel {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** Whoever holds the engine now; undefined while it waits in the pool. */
  holder: EngineHolder | undefined;
  /** Notifications that concern every holder (`tools/list_changed` clears the tool cache). */
  onAnyNotification?: (message: JSONRPCMessage) => void;

  /** The engine's logger. */
  readonly logger: Logger;
  readonly #waiting = new Map<RequestId, (answer: EngineAnswer) => void>();
  #ids = 0;
  #closed = false;

  constructor(options: { logger: Logger }) {
    this.logger = options.logger;
  }

  async start(): Promise<void> {}

  /** Whether the channel was closed (by the engine or the pool). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends a request to the engine; `id` is the one it was sent under (for cancellation). */
  request(method: string, params: Record<string, unknown> | undefined): { id: RequestId; answer: Promise<EngineAnswer> } {
    const id = `modern/${++this.#ids}`;
    const answer = new Promise<EngineAnswer>((resolve) => {
      if (this.#closed) return resolve({ error: { code: -32000, message: 'mcp-auth-bridge: the engine was closed' } });
      this.#waiting.set(id, resolve);
    });
    this.onmessage?.({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) } as JSONRPCMessage);
    return { id, answer };
  }

  /** Sends a notification to the engine (`notifications/initialized`, `notifications/cancelled`). */
  notify(method: string, params?: Record<string, unknown>): void {
    if (!this.#closed) this.onmessage?.({ jsonrpc: '2.0', method, ...(params ? { params } : {}) } as JSONRPCMessage);
  }

  /** Answers a request of the server (with the client's result, or an error). */
  reply(id: RequestId, answer: EngineAnswer): void {
    if (!this.#closed) this.onmessage?.({ jsonrpc: '2.0', id, ...answer } as JSONRPCMessage);
  }

  send(message: JSONRPCMessage): Promise<void> {
    this.#route(message);
    return Promise.resolve();
  }

  /** A large result comes as its text; its stand-in's result is empty, and the stateless answer needs all of it. */
  sendRaw(json: string | Uint8Array): Promise<void> {
    this.#route(JSON.parse(typeof json === 'string' ? json : Buffer.from(json).toString('utf8')) as JSONRPCMessage);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const resolve of this.#waiting.values()) resolve({ error: { code: -32000, message: 'mcp-auth-bridge: the engine was closed' } });
    this.#waiting.clear();
    this.onclose?.();
  }

  #route(message: JSONRPCMessage): void {
    if (this.#closed) return;
    const m = message as { id?: RequestId; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { code: number; message: string } };
    if (m.method === undefined) {
      const resolve = m.id === undefined ? undefined : this.#waiting.get(m.id);
      if (!resolve) return void this.logger.debug(`dropped an answer to ${JSON.stringify(m.id)}: nothing waits for it`);
      this.#waiting.delete(m.id!);
      resolve(m.error ? { error: m.error } : { result: m.result ?? {} });
      return;
    }
    if (m.id !== undefined) {
      if (m.method === 'ping') return this.reply(m.id, { result: {} });
      if (this.holder) return this.holder.onServerRequest(m.id, m.method, m.params);
      this.logger.info(`refused the server's ${m.method}: no client request is in progress to carry it (2026-07-28 clients have no standing stream)`);
      return this.reply(m.id, { error: { code: -32603, message: `mcp-auth-bridge: ${m.method} arrived outside any client request; a 2026-07-28 client can only be asked during one` } });
    }
    this.onAnyNotification?.(message);
    this.holder?.onNotification(message);
  }
}
