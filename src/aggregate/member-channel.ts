/**
 * The client side of one member's Bridge: what the Bridge takes for "the MCP client" when the client is the
 * aggregator. Messages the aggregator routes to the server enter through {@link MemberChannel.deliver}; what the
 * Bridge writes to "its client" reaches the aggregator's {@link MemberChannelOptions.receive}, with the server's
 * original bytes when the Bridge relays them unparsed.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ClientChannel } from '../bridge/bridge.js';

/** Options for {@link MemberChannel}. */
export interface MemberChannelOptions {
  /** A message from the member's Bridge (the server's, or the Bridge's own answer); `raw` as in `Upstream`. */
  receive(message: JSONRPCMessage, raw?: string | Uint8Array): void;
  /** Backpressure of the real client, passed through so the member's upstream stops reading while it is full. */
  ready?(): Promise<void> | undefined;
}

/** An in-process {@link ClientChannel} between the aggregator and one member's Bridge. */
export class MemberChannel implements ClientChannel {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  oninputend?: () => void;

  readonly #o: MemberChannelOptions;
  #closed = false;

  constructor(options: MemberChannelOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {}

  /** Hands a message from the client (through the aggregator) to the Bridge. False once closed. */
  deliver(message: JSONRPCMessage): boolean {
    if (this.#closed || !this.onmessage) return false;
    this.onmessage(message);
    return true;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.#closed) this.#o.receive(message);
  }

  async sendRaw(json: string | Uint8Array, message?: JSONRPCMessage): Promise<void> {
    if (this.#closed) return;
    this.#o.receive(message ?? (JSON.parse(typeof json === 'string' ? json : Buffer.from(json).toString('utf8')) as JSONRPCMessage), message ? json : undefined);
  }

  ready(): Promise<void> | undefined {
    return this.#o.ready?.();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.onclose?.();
  }
}
