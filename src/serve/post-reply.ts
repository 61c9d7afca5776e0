/**
 * The answer to one POST of requests (MCP 2025-11-25, "Sending Messages to the Server"): either an SSE stream that
 * carries the requests' responses, and messages related to them, and ends after the last response; or one JSON
 * body written when every response is in.
 *
 * A client that accepts both gets `auto`: nothing is written until the first message; when that message is the
 * last response, it goes as a JSON body (cheaper for both sides); when anything else comes first (progress, a server
 * request), or nothing has come within {@link AUTO_STREAM_MS}, the answer becomes an event stream, so a long call
 * shows it is alive and can carry what the server sends meanwhile.
 *
 * With `streams` (a client at 2025-11-25 or later), the event stream is resumable (stream-events.ts): it opens with a
 * priming event, every event has an id, and when the connection drops before the last response, what the stream
 * would have carried is kept until the client reconnects with `Last-Event-ID` ({@link PostReply.resume}), or until
 * {@link RESUME_GRACE_MS} after the last response. An answer that stays a JSON body (the usual case) never becomes
 * resumable: it costs no stream id, no events and no registration.
 *
 * This is every request's path: the `auto` deadline shares one timer with every other answer's (deadline-queue.ts).
 */
import type { ServerResponse } from 'node:http';
import type { RequestId } from '../protocol/jsonrpc.js';
import { DeadlineQueue, type DeadlineEntry } from './deadline-queue.js';
import { SseStream } from './sse-stream.js';
import { RESUME_GRACE_MS, RESUME_RETRY_MS, type StreamEvents } from './stream-events.js';

/** How long an `auto` answer waits for its response before it becomes an event stream. */
export const AUTO_STREAM_MS = 100;

/** The `auto` deadlines of every answer of the process. */
const autoStream = new DeadlineQueue(AUTO_STREAM_MS);

/** Where a reply's resumable stream gets its events, and where it is found again by a resumption (its session). */
export interface ReplyStreams {
  /** The events of a new resumable stream of `reply`, which is kept for a resumption until {@link forget}. */
  open(reply: PostReply): StreamEvents;
  /** The stream can no longer be resumed; `delivered`: the client got every answer it carried. */
  forget(streamId: string, delivered: boolean): void;
}

/** Options for {@link PostReply}. */
export interface PostReplyOptions {
  res: ServerResponse;
  /** The requests of the POST, in order. */
  ids: readonly RequestId[];
  /** `sse` or `json` when the client accepts only that; `auto` when it accepts both. */
  mode: 'sse' | 'json' | 'auto';
  /** Headers for the answer (the session id, CORS). */
  headers: Record<string, string>;
  /** Makes its event stream resumable; see the module comment. Default: not resumable. */
  streams?: ReplyStreams | undefined;
}

/** One POST's answer; see the module comment. */
export class PostReply {
  /** Called once when the reply is done or its connection closed. */
  onclose?: () => void;
  readonly #o: PostReplyOptions;
  readonly #waiting: Set<RequestId>;
  #sse: SseStream | undefined;
  #timer: DeadlineEntry | undefined;
  /** Its resumable stream's events, once it became one. */
  #events: StreamEvents | undefined;
  readonly #collected = new Map<RequestId, string | Uint8Array>();
  #done = false;
  /** Resumable, connection dropped before the last response: events are kept for {@link resume}. */
  #detached = false;
  #grace: NodeJS.Timeout | undefined;
  #forgotten = false;

  constructor(options: PostReplyOptions) {
    this.#o = options;
    this.#waiting = new Set(options.ids);
    if (options.mode === 'sse') this.#stream();
    else {
      options.res.on('close', () => this.#finish());
      if (options.mode === 'auto') this.#timer = autoStream.add(() => this.#stream());
    }
  }

  /** Whether it can carry messages other than its responses (an event stream, or one it may still become). */
  get streaming(): boolean {
    return !this.#done && (this.#sse !== undefined ? this.#sse.open : this.#o.mode === 'auto');
  }

  /** The requests of its POST, in order. */
  get requests(): readonly RequestId[] {
    return this.#o.ids;
  }

  /** Whether its connection is still open. */
  get open(): boolean {
    return !this.#done;
  }

  /** Writes the response to `id`; the reply ends after the last one. */
  answer(id: RequestId, json: string | Uint8Array): void {
    if (!this.#waiting.delete(id)) return;
    if (this.#detached) {
      this.#events!.add(json);
      if (this.#waiting.size === 0) this.#expireLater();
      return;
    }
    if (this.#done) return;
    if (!this.#sse && this.#o.mode === 'auto' && this.#waiting.size > 0) this.#stream();
    if (this.#sse) {
      if (this.#waiting.size > 0) return void this.#write(json);
      // The last response and the end of the stream leave in one write.
      const events = this.#events;
      if (events) this.#sse.last(json, 'message', events.add(json).id);
      else this.#sse.last(json);
      return;
    }
    this.#collected.set(id, json);
    if (this.#waiting.size > 0) return;
    this.#timer?.cancel();
    const parts = this.#o.ids.map((i) => this.#collected.get(i)).filter((p) => p !== undefined);
    // One response (the usual case) goes as it came, bytes without a copy.
    const body = parts.length === 1 ? parts[0]! : `[${parts.map((p) => (typeof p === 'string' ? p : Buffer.from(p).toString('utf8'))).join(',')}]`;
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    this.#o.res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(length), ...this.#o.headers }).end(body);
    this.#finish();
  }

  /** Writes a message related to the requests (progress, a server request); false when it cannot. */
  push(json: string | Uint8Array): boolean {
    if (this.#detached) return Boolean(this.#events!.add(json));
    if (!this.#sse && this.#o.mode === 'auto' && !this.#done) this.#stream();
    return this.#sse ? this.#write(json) : false;
  }

  /**
   * Continues the stream on `stream`, a GET whose `Last-Event-ID` names one of its events (MCP 2025-11-25,
   * "Resumability and Redelivery"): the events after it, then whatever comes until the last response. A connection
   * still open for it is ended first (the client has given up on it). False, with `open` not called, when it has not
   * become an event stream (no event id of it was ever sent).
   */
  resume(open: () => SseStream, lastEventId: string): boolean {
    const events = this.#events;
    if (!events || !(this.#detached || this.#sse)) return false;
    const stream = open();
    clearTimeout(this.#grace);
    if (this.#sse?.open) {
      const old = this.#sse;
      old.onclose = undefined;
      old.end();
    }
    for (const e of events.after(lastEventId)) stream.event(e.data, 'message', e.id);
    if (this.#waiting.size === 0) {
      stream.end();
      this.#forget(true);
      return true;
    }
    this.#detached = false;
    this.#done = false;
    this.#sse = stream;
    stream.onclose = () => this.#finish();
    return true;
  }

  /** Ends the reply without the responses still missing (the session closed). */
  end(): void {
    this.#timer?.cancel();
    // The missing responses will not come: nothing to keep for a resumption.
    this.#waiting.clear();
    this.#detached = false;
    this.#forget(false);
    if (this.#sse) this.#sse.end();
    else if (!this.#o.res.headersSent) this.#o.res.writeHead(503, this.#o.headers).end();
    this.#finish();
  }

  /** Becomes an event stream (headers written now). */
  #stream(): void {
    this.#timer?.cancel();
    if (this.#sse || this.#done) return;
    this.#sse = new SseStream(this.#o.res, this.#o.headers);
    this.#sse.onclose = () => this.#finish();
    if (this.#o.streams) {
      this.#events = this.#o.streams.open(this);
      this.#sse.prime(this.#events.prime(), RESUME_RETRY_MS);
    }
  }

  /** Writes one event on the stream, with its id when resumable. */
  #write(json: string | Uint8Array): boolean {
    const events = this.#events;
    return events ? this.#sse!.event(json, 'message', events.add(json).id) : this.#sse!.event(json);
  }

  /** Keeps a detached stream resumable for a while after its last response, then forgets it. */
  #expireLater(): void {
    clearTimeout(this.#grace);
    this.#grace = setTimeout(() => {
      this.#detached = false;
      this.#forget(false);
    }, RESUME_GRACE_MS);
    this.#grace.unref();
  }

  #forget(delivered: boolean): void {
    clearTimeout(this.#grace);
    const events = this.#events;
    if (!events || this.#forgotten) return;
    this.#forgotten = true;
    this.#o.streams!.forget(events.streamId, delivered);
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#timer?.cancel();
    if (this.#events && this.#sse && this.#waiting.size > 0) this.#detached = true;
    else this.#forget(this.#waiting.size === 0);
    this.onclose?.();
  }
}
