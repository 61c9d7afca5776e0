/**
 * The owner's side of a relayed request: a request object that yields the body the relaying instance already read,
 * and a response object whose status, headers and bytes become frames (relay-wire.ts) sent back to it. The
 * endpoints answer on it as on a socket's response — the subset they use: `writeHead`, `flushHeaders`, `write`,
 * `end`, `cork`/`uncork`, `headersSent`, `writableEnded`, `destroyed`, `statusCode` and the `close` and `finish`
 * events. The head waits for the first bytes (or the end) and corked writes leave together, so a JSON answer is one
 * frame; when the relaying side's client goes away, {@link RelayedResponse.abort} closes it as a dropped connection
 * would.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { RelayedRequest } from './types.js';
import type { RelayFrame } from './relay-wire.js';

/** A request object for the endpoints, with the relayed (or already read) request's method, URL, headers and body. */
export function relayedIncoming(request: Pick<RelayedRequest, 'method' | 'url' | 'headers' | 'body'>): IncomingMessage {
  const req = Readable.from(request.body.length > 0 ? [request.body] : []) as unknown as IncomingMessage & { socket: unknown };
  Object.assign(req, { method: request.method, url: request.url, headers: request.headers, socket: { remoteAddress: undefined } });
  return req;
}

/** See the module comment; `send` gets each frame in order. */
export class RelayedResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  readonly #send: (frame: RelayFrame) => void;
  #head: [number, Record<string, string | string[]>] | undefined;
  readonly #headers: Record<string, string | string[]> = {};
  #corked = 0;
  #pending: Array<string | Buffer> = [];

  constructor(send: (frame: RelayFrame) => void) {
    super();
    this.#send = send;
  }

  /** As a ServerResponse, for the endpoints' types. */
  asResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.#headers[name.toLowerCase()] = Array.isArray(value) ? [...(value as string[])] : String(value);
    return this;
  }

  getHeader(name: string): string | string[] | undefined {
    return this.#headers[name.toLowerCase()];
  }

  writeHead(status: number, a?: string | OutgoingHttpHeaders, b?: OutgoingHttpHeaders): this {
    if (this.headersSent) return this;
    const extra = typeof a === 'string' ? b : a;
    for (const [name, value] of Object.entries(extra ?? {})) if (value !== undefined) this.setHeader(name, value as string);
    this.statusCode = status;
    this.headersSent = true;
    this.#head = [status, { ...this.#headers }];
    return this;
  }

  flushHeaders(): void {
    if (!this.headersSent) this.writeHead(this.statusCode);
    this.#flush(false);
  }

  write(chunk: string | Uint8Array, _encoding?: unknown, callback?: () => void): boolean {
    if (this.writableEnded || this.destroyed) return false;
    if (!this.headersSent) this.writeHead(this.statusCode);
    this.#pending.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (this.#corked === 0) this.#flush(false);
    if (typeof callback === 'function') process.nextTick(callback);
    return true;
  }

  cork(): void {
    this.#corked++;
  }

  uncork(): void {
    if (this.#corked > 0 && --this.#corked === 0) this.#flush(false);
  }

  end(chunk?: string | Uint8Array | (() => void), _encoding?: unknown, _callback?: () => void): this {
    if (this.writableEnded) return this;
    if (chunk !== undefined && typeof chunk !== 'function') this.write(chunk);
    if (!this.headersSent) this.writeHead(this.statusCode);
    this.writableEnded = true;
    this.#corked = 0;
    if (!this.destroyed) this.#flush(true);
    this.emit('finish');
    this.#closeSoon();
    return this;
  }

  /** The relaying side's client went away: closes as a dropped connection does. Idempotent. */
  abort(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.#pending = [];
    this.#closeSoon();
  }

  #closeSoon(): void {
    if (this.listenerCount('close') === 0 && this.listenerCount('finish') === 0) return void this.emit('close');
    process.nextTick(() => this.emit('close'));
  }

  /** Sends the head (once), what is pending, and the end when `end`. */
  #flush(end: boolean): void {
    const frame: RelayFrame = {};
    if (this.#head) {
      frame.head = this.#head;
      this.#head = undefined;
    }
    if (this.#pending.length > 0) {
      const parts = this.#pending;
      this.#pending = [];
      frame.body = parts.length === 1 ? parts[0]! : parts.every((p) => typeof p === 'string') ? parts.join('') : Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    }
    if (end) frame.end = true;
    if (frame.head || frame.body !== undefined || frame.end) this.#send(frame);
  }
}
