/**
 * The client side of the bridge: an SDK {@link Transport} over the process's stdin and stdout.
 *
 * The SDK's own `StdioServerTransport` is not used here because a pipe needs three things it does not do: it closes
 * itself on a line over its buffer limit, it drops a line that fails to parse without a way to answer it with the
 * request's id, and it never notices that stdin ended. This one frames with a size-limited {@link LineFramer},
 * answers bad lines with JSON-RPC errors itself and goes on with the next line, and reports EOF as `onclose`.
 * Messages are checked with a cheap structural test instead of a schema, since every message passes through; a
 * message nested deeper than {@link MAX_JSON_DEPTH} is answered as invalid, and one that cannot be written as JSON
 * (the server's, nested too deeply) is replaced by an error for the request it answers.
 *
 * Backpressure: {@link StdioTransport.ready} tells the upstream side to stop reading the server while stdout's
 * buffer is full (the client reads slower than the server writes), so a flood waits in the server's socket.
 */
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../log.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../protocol/json-depth.js';
import { classify, errorResponse, RpcErrorCode, type RequestId } from '../../protocol/jsonrpc.js';
import { answerTooDeep, refusedAnswer } from '../../protocol/refused-answer.js';
import { summarizeMessage, summarizeMessageText } from '../../protocol/message-summary.js';
import { LineFramer, recoverRequestId, type Frame } from './line-framer.js';

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
  /** When set, stdin's end calls this instead of closing, so answers can still be written until `close()`. */
  oninputend?: () => void;

  readonly #stdin: Readable;
  readonly #stdout: Writable;
  readonly #framer: LineFramer;
  readonly #log: Logger;
  readonly #max: number;
  #closed = false;
  /** Settles when stdout drains (or closes); set while its buffer is over the high-water mark. */
  #drained: Promise<void> | undefined;
  #release: (() => void) | undefined;

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
    let json: string;
    try {
      json = JSON.stringify(message);
    } catch (error) {
      // Only a message nested too deeply for the stack gets here (parsed from the server, which has no such limit).
      const replacement = this.#unwritable(message, error);
      if (!replacement) return Promise.resolve();
      json = JSON.stringify(replacement);
    }
    return this.sendRaw(json);
  }

  /**
   * Writes a message given as single-line JSON text or its UTF-8 bytes (already validated), without serializing it
   * again; bytes are written as they are, without a copy.
   */
  sendRaw(json: string | Uint8Array): Promise<void> {
    if (this.#closed || this.#stdout.destroyed) return Promise.resolve();
    if (this.#log.enabled('debug')) {
      this.#log.debug(`to client: ${summarizeMessageText(typeof json === 'string' ? json : Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8'))}`);
    }
    const written = typeof json === 'string' ? this.#stdout.write(`${json}\n`) : (this.#stdout.write(json), this.#stdout.write('\n'));
    if (written) return Promise.resolve();
    return this.ready() ?? Promise.resolve();
  }

  /**
   * Backpressure: undefined while the client keeps up, else a promise that settles once stdout has drained (or
   * closed, or this transport closed). One promise serves every waiter.
   */
  ready(): Promise<void> | undefined {
    if (this.#drained) return this.#drained;
    if (this.#closed || this.#stdout.destroyed || !this.#stdout.writableNeedDrain) return undefined;
    this.#drained = new Promise<void>((resolve) => {
      const done = () => {
        this.#stdout.off('drain', done);
        this.#stdout.off('close', done);
        this.#drained = undefined;
        this.#release = undefined;
        resolve();
      };
      this.#release = done;
      this.#stdout.on('drain', done);
      this.#stdout.on('close', done);
    });
    return this.#drained;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stdin.off('data', this.#onData);
    this.#stdin.off('end', this.#onEnd);
    this.#stdin.pause();
    this.#release?.();
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
    if (!this.oninputend) return void this.close();
    this.#stdin.off('data', this.#onData);
    this.oninputend();
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
    let c = classify(value);
    if (c.kind !== 'invalid' && nestsDeeperThan(frame.text)) {
      c = { kind: 'invalid', reason: `nested deeper than ${MAX_JSON_DEPTH} levels`, id: 'id' in c ? c.id : undefined };
    }
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

  /** The error that replaces a message that cannot be written (for a response), or undefined to drop it. */
  #unwritable(message: JSONRPCMessage, error: unknown): JSONRPCMessage | undefined {
    const m = message as { id?: RequestId; method?: unknown };
    const id = m.method === undefined ? m.id : undefined;
    const isResponse = id !== undefined;
    this.#log.warn(
      `dropped a message from the server that cannot be passed on (${(error as Error).message}; nested deeper than ${MAX_JSON_DEPTH} levels?)${isResponse ? `; answered request ${JSON.stringify(m.id)} with an error` : ''}`,
    );
    if (id === undefined) return undefined;
    return refusedAnswer(id, answerTooDeep(MAX_JSON_DEPTH, undefined));
  }
}

function excerpt(text: string): string {
  return text.length > 120 ? `${JSON.stringify(text.slice(0, 120))}… (${text.length} chars)` : JSON.stringify(text);
}
