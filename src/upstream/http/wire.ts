/**
 * What carries one HTTP upstream session: the Streamable HTTP client (streamable-client.ts) or the legacy SSE
 * transport (legacy-sse.ts). {@link HttpUpstream} owns one and speaks the port's language over it.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, ErrorCode } from '../../errors.js';
import type { RequestId } from '../../protocol/jsonrpc.js';

/** What a wire reports to the upstream that owns it. */
export interface WireEvents {
  /** A message from the server; `raw` is its original JSON text on one line, or its bytes (a large response). */
  onmessage(message: JSONRPCMessage, raw?: string | Uint8Array): void;
  /** The stream answering request `id` ended before its answer; `resumable`: it may still come. */
  onResponseStreamEnd(id: RequestId, resumable: boolean, error: unknown): void;
  /** A server-to-client event stream (the standalone one, a resumed one, or legacy SSE's) ended or broke. */
  onEventStreamEnd(error: unknown): void;
  /** The server answered 404 to a request that carried the session id. */
  onSessionGone(): void;
  /** The first standalone event stream got its answer (open, refused, or failed). */
  onListenAnswered(): void;
  /** Something that arrives only here: unreadable server messages, reconnection attempts. For the log. */
  onerror(error: Error): void;
}

/** One session's transport. */
export interface Wire {
  /** Opens what must be open before the first message (legacy SSE: the event stream and its endpoint). */
  start(): Promise<void>;
  /** Sends one message; rejects with a `BridgeError` when the server could not take it. */
  send(message: JSONRPCMessage): Promise<void>;
  setProtocolVersion(version: string): void;
  /** The session id the server gave out (Streamable HTTP), if any. */
  readonly sessionId: string | undefined;
  /** Ends the session on the server, where the wire protocol can. */
  terminateSession?(): Promise<void>;
  /** Stops everything; idempotent. */
  close(): Promise<void>;
}

/**
 * A wire whose code is loaded by `start()` (the legacy SSE transport: only servers that refuse Streamable HTTP pay for
 * loading the SDK's client and its schemas).
 */
export function lazyWire(load: () => Promise<Wire>): Wire {
  let wire: Wire | undefined;
  let closed = false;
  return {
    async start() {
      wire ??= await load();
      if (closed) await wire.close();
      return wire.start();
    },
    send(message) {
      if (!wire) return Promise.reject(new BridgeError(ErrorCode.Internal, 'a message was sent before the upstream was started'));
      return wire.send(message);
    },
    setProtocolVersion(version) {
      wire?.setProtocolVersion(version);
    },
    get sessionId() {
      return wire?.sessionId;
    },
    async close() {
      closed = true;
      await wire?.close();
    },
  };
}
