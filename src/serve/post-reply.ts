/**
 * The answer to one POST of requests (MCP 2025-11-25, "Sending Messages to the Server"): an SSE stream that carries
 * the requests' responses, and messages related to them, and ends after the last response; or, for a client that
 * accepts only JSON, one JSON body written when every response is in.
 */
import type { ServerResponse } from 'node:http';
import type { RequestId } from '../protocol/jsonrpc.js';
import { SseStream } from './sse-stream.js';

/** Options for {@link PostReply}. */
export interface PostReplyOptions {
  res: ServerResponse;
  /** The requests of the POST, in order. */
  ids: readonly RequestId[];
  /** `sse` when the client accepts `text/event-stream`. */
  mode: 'sse' | 'json';
  /** Headers for the answer (the session id, CORS). */
  headers: Record<string, string>;
  /** Whether the body was an array (the answer then is one too, in JSON mode). */
  batch: boolean;
}

/** One POST's answer; see the module comment. */
export class PostReply {
  /** Called once when the reply is done or its connection closed. */
  onclose?: () => void;
  readonly #o: PostReplyOptions;
  readonly #waiting: Set<RequestId>;
  readonly #sse: SseStream | undefined;
  readonly #collected = new Map<RequestId, string>();
  #done = false;

  constructor(options: PostReplyOptions) {
    this.#o = options;
    this.#waiting = new Set(options.ids);
    if (options.mode === 'sse') {
      this.#sse = new SseStream(options.res, options.headers);
      this.#sse.onclose = () => this.#finish();
    } else options.res.on('close', () => this.#finish());
  }

  /** Whether it can carry messages other than its responses (an open SSE stream). */
  get streaming(): boolean {
    return this.#sse?.open === true;
  }

  /** Whether its connection is still open. */
  get open(): boolean {
    return !this.#done;
  }

  /** Writes the response to `id`; the reply ends after the last one. */
  answer(id: RequestId, json: string | Uint8Array): void {
    if (!this.#waiting.delete(id) || this.#done) return;
    if (this.#sse) {
      this.#sse.event(json);
      if (this.#waiting.size === 0) this.#sse.end();
      return;
    }
    this.#collected.set(id, typeof json === 'string' ? json : Buffer.from(json).toString('utf8'));
    if (this.#waiting.size > 0) return;
    const parts = this.#o.ids.map((i) => this.#collected.get(i)).filter((p) => p !== undefined);
    const body = this.#o.batch ? `[${parts.join(',')}]` : parts[0]!;
    this.#o.res.writeHead(200, { 'content-type': 'application/json', ...this.#o.headers }).end(body);
    this.#finish();
  }

  /** Writes a message related to the requests (progress, a server request); false when it cannot. */
  push(json: string | Uint8Array): boolean {
    return this.#sse?.event(json) ?? false;
  }

  /** Ends the reply without the responses still missing (the session closed). */
  end(): void {
    if (this.#sse) this.#sse.end();
    else if (!this.#o.res.headersSent) this.#o.res.writeHead(503, this.#o.headers).end();
    this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.onclose?.();
  }
}
