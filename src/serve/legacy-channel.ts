/**
 * The client side of one legacy SSE session (MCP 2024-11-05, "HTTP with SSE"): every message to the client goes on
 * the session's one event stream; the client's messages arrive by POST to the endpoint the stream announced.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ClientChannel } from '../bridge/bridge.js';
import type { Logger } from '../log.js';
import type { RequestId } from '../protocol/jsonrpc.js';
import type { SseStream } from './sse-stream.js';

/** One legacy SSE session's channel; see the module comment. */
export class LegacyChannel implements ClientChannel {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly #stream: SseStream;
  readonly #log: Logger;
  /** Requests waiting for their answers (for idle expiry and the drain). */
  readonly #waiting = new Set<RequestId>();
  #closed = false;

  constructor(options: { stream: SseStream; logger: Logger }) {
    this.#stream = options.stream;
    this.#log = options.logger;
  }

  async start(): Promise<void> {}

  get inFlight(): number {
    return this.#waiting.size;
  }

  /** A message the client POSTed. */
  receive(message: JSONRPCMessage): void {
    if ('method' in message && 'id' in message) this.#waiting.add(message.id);
    this.onmessage?.(message);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.sendRaw(JSON.stringify(message), message);
  }

  sendRaw(json: string | Uint8Array, message?: JSONRPCMessage): Promise<void> {
    if (message && !('method' in message)) this.#waiting.delete((message as { id: RequestId }).id);
    if (!this.#stream.event(json) && !this.#closed) this.#log.debug('dropped a message: the client\'s event stream is closed');
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream.end();
    this.onclose?.();
  }
}
