/**
 * The client side of the bridge: an SDK {@link Transport} over the process's stdin and stdout.
 *
 * The SDK's own `StdioServerTransport` is not used here because a pipe needs three things it does not do: it closes
 * itself on a line over its buffer limit, it drops a line that fails to parse without a way to answer it with the
 * request's id, and it never notices that stdin ended. This one frames with a size-limited {@link LineFramer},
 * answers bad lines with JSON-RPC errors itself and goes on with the next line, and reports EOF as `onclose`.
 * Messages are checked with a cheap structural test instead of a schema, since every message passes through.
 */
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../log.js';
import { classify, errorResponse, RpcErrorCode } from './jsonrpc.js';
import { LineFramer, recoverRequestId, type Frame } from './line-framer.js';
import { summarizeMessage, summarizeMessageText } from './message-summary.js';

/** Options for {@link StdioTransport}. */
export interface StdioTransportOptions {
  /** Where client messages arrive. */
  stdin: Readable;
  /** Where messages to the client go; nothing else is ever written to it. */
  stdout: Writable;
  /** Longest accepted message line in bytes. */
  maxMessageBytes: number;
  logger: Logger;
}

/** Newline-delimited JSON-RPC over stdio, tolerant of bad input. See the module comment. */
export class StdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #stdin: Readable;
  readonly #stdout: Writable;
  readonly #framer: LineFramer;
  readonly #log: Logger;
  readonly #max: number;
  #closed = false;

  constructor(options: StdioTransportOptions) {
    this.#stdin = options.stdin;
    this.#stdout = options.stdout;
    this.#max = options.maxMessageBytes;
    this.#framer = new LineFramer({ maxLineBytes: options.maxMessageBytes });
    this.#log = options.logger;
  }

  async start(): Promise<void> {
    this.#stdin.on('data', this.#onData);
    this.#stdin.once('end', this.#onEnd);
    this.#stdin.on('error', this.#onStreamError);
    this.#stdout.on('error', this.#onStreamError);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.sendRaw(JSON.stringify(message));
  }

  /** Writes a message given as single-line JSON text (already validated), without serializing it again. */
  sendRaw(json: string): Promise<void> {
    if (this.#closed || this.#stdout.destroyed) return Promise.resolve();
    if (this.#log.enabled('debug')) this.#log.debug(`to client: ${summarizeMessageText(json)}`);
    const line = `${json}\n`;
    if (this.#stdout.write(line)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#stdout.off('drain', done);
        this.#stdout.off('close', done);
        resolve();
      };
      this.#stdout.on('drain', done);
      this.#stdout.on('close', done);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stdin.off('data', this.#onData);
    this.#stdin.off('end', this.#onEnd);
    this.#stdin.pause();
    this.onclose?.();
  }

  readonly #onData = (chunk: Buffer | string): void => {
    const frames = this.#framer.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    for (const frame of frames) {
      if (this.#closed) return;
      this.#handle(frame);
    }
  };

  readonly #onEnd = (): void => {
    if (this.#framer.pending) this.#log.warn('stdin ended in the middle of a message; the partial line was dropped');
    this.#log.debug('stdin closed by the client');
    void this.close();
  };

  readonly #onStreamError = (error: Error): void => {
    // EPIPE on stdout or a broken stdin means the client is gone: nothing more can be delivered.
    this.#log.debug(`stdio stream error: ${error.message}`);
    void this.close();
  };

  #handle(frame: Frame): void {
    if (frame.kind === 'oversize') {
      const id = recoverRequestId(frame.head, frame.tail);
      this.#log.warn(
        `dropped a ${frame.bytes}-byte message from the client: over the ${this.#max}-byte limit (raise --max-message-size if it is legitimate)`,
      );
      if (id !== undefined) {
        void this.send(
          errorResponse(id, RpcErrorCode.InvalidRequest, `Message too large: ${frame.bytes} bytes, limit ${this.#max} (--max-message-size)`),
        );
      }
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(frame.text);
    } catch (error) {
      this.#log.warn(`ignored a line from the client that is not JSON (${(error as Error).message}): ${excerpt(frame.text)}`);
      void this.send(errorResponse(undefined, RpcErrorCode.ParseError, `Parse error: ${(error as Error).message}`));
      return;
    }
    const c = classify(value);
    if (c.kind === 'invalid') {
      this.#log.warn(`ignored an invalid JSON-RPC message from the client (${c.reason}): ${excerpt(frame.text)}`);
      // Answer what could be a request; never invent a reply to something shaped like a notification or a response.
      const obj = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
      const looksLikeResponse = obj !== undefined && ('result' in obj || 'error' in obj);
      const looksLikeNotification = obj !== undefined && 'method' in obj && !('id' in obj);
      if (!looksLikeResponse && !looksLikeNotification) {
        void this.send(errorResponse(c.id, RpcErrorCode.InvalidRequest, `Invalid request: ${c.reason}`));
      }
      return;
    }
    if (this.#log.enabled('debug')) this.#log.debug(`from client: ${summarizeMessage(c.message)}`);
    this.onmessage?.(c.message);
  }
}

function excerpt(text: string): string {
  return text.length > 120 ? `${JSON.stringify(text.slice(0, 120))}… (${text.length} chars)` : JSON.stringify(text);
}
