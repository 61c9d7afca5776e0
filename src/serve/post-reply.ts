/**
 * The answer to one POST of requests (MCP 2025-11-25, "Sending Messages to the Server"): either an SSE stream that
 * carries the requests' responses, and messages related to them, and ends after the last response; or one JSON
 * body written when every response is in.
 *
 * A client that accepts both gets `auto`: nothing is written until the first message; when that message is the
 * last response, it goes as a JSON body (cheaper for both sides); when anything else comes first (progress, a server
 * request), or nothing has come within {@link AUTO_STREAM_MS}, the answer becomes an event stream, so a long call
 * shows it is alive and can carry what the server sends meanwhile.
 */
import type { ServerResponse } from 'node:http';
import type { RequestId } from '../protocol/jsonrpc.js';
import { SseStream } from './sse-stream.js';

/** How long an `auto` answer waits for its response before it becomes an event stream. */
export const AUTO_STREAM_MS = 100;

/** Options for {@link PostReply}. */
export interface PostReplyOptions {
  res: ServerResponse;
  /** The requests of the POST, in order. */
  ids: readonly RequestId[];
  /** `sse` or `json` when the client accepts only that; `auto` when it accepts both. */
  mode: 'sse' | 'json' | 'auto';
  /** Headers for the answer (the session id, CORS). */
  headers: Record<string, string>;
}

/** One POST's answer; see the module comment. */
export class PostReply {
  /** Called once when the reply is done or its connection closed. */
  onclose?: () => void;
  readonly #o: PostReplyOptions;
  readonly #waiting: Set<RequestId>;
  #sse: SseStream | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #collected = new Map<RequestId, string | Uint8Array>();
  #done = false;

  constructor(options: PostReplyOptions) {
    this.#o = options;
    this.#waiting = new Set(options.ids);
    if (options.mode === 'sse') this.#stream();
    else {
      options.res.on('close', () => this.#finish());
      if (options.mode === 'auto') {
        this.#timer = setTimeout(() => this.#stream(), AUTO_STREAM_MS);
        this.#timer.unref();
      }
    }
  }

  /** Whether it can carry messages other than its responses (an event stream, or one it may still become). */
  get streaming(): boolean {
    return !this.#done && (this.#sse !== undefined ? this.#sse.open : this.#o.mode === 'auto');
  }

  /** Whether its connection is still open. */
  get open(): boolean {
    return !this.#done;
  }

  /** Writes the response to `id`; the reply ends after the last one. */
  answer(id: RequestId, json: string | Uint8Array): void {
    if (!this.#waiting.delete(id) || this.#done) return;
    if (!this.#sse && this.#o.mode === 'auto' && this.#waiting.size > 0) this.#stream();
    if (this.#sse) {
      this.#sse.event(json);
      if (this.#waiting.size === 0) this.#sse.end();
      return;
    }
    this.#collected.set(id, json);
    if (this.#waiting.size > 0) return;
    clearTimeout(this.#timer);
    const parts = this.#o.ids.map((i) => this.#collected.get(i)).filter((p) => p !== undefined);
    // One response (the usual case) goes as it came, bytes without a copy.
    const body = parts.length === 1 ? parts[0]! : `[${parts.map((p) => (typeof p === 'string' ? p : Buffer.from(p).toString('utf8'))).join(',')}]`;
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    this.#o.res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(length), ...this.#o.headers }).end(body);
    this.#finish();
  }

  /** Writes a message related to the requests (progress, a server request); false when it cannot. */
  push(json: string | Uint8Array): boolean {
    if (!this.#sse && this.#o.mode === 'auto' && !this.#done) this.#stream();
    return this.#sse?.event(json) ?? false;
  }

  /** Ends the reply without the responses still missing (the session closed). */
  end(): void {
    clearTimeout(this.#timer);
    if (this.#sse) this.#sse.end();
    else if (!this.#o.res.headersSent) this.#o.res.writeHead(503, this.#o.headers).end();
    this.#finish();
  }

  /** Becomes an event stream (headers written now). */
  #stream(): void {
    clearTimeout(this.#timer);
    if (this.#sse || this.#done) return;
    this.#sse = new SseStream(this.#o.res, this.#o.headers);
    this.#sse.onclose = () => this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    this.onclose?.();
  }
}
