/**
 * The client side of one Streamable HTTP session (MCP 2025-11-25, "Streamable HTTP"): a {@link ClientChannel} whose
 * client speaks over many HTTP requests. What the engine sends is routed so that no message is lost:
 * - a response goes on the stream of the POST that carried its request;
 * - progress goes on the stream of the request whose `progressToken` it carries;
 * - server requests and other notifications go on the GET stream when one is open, else on an open POST stream of
 *   the session, else wait in a bounded buffer (with a log line) for the next stream that opens;
 * - a resumable POST stream whose connection dropped keeps its own messages until the client resumes it with a GET
 *   and `Last-Event-ID` ({@link StreamableChannel.resume}; stream-events.ts);
 * - the GET stream of a client at 2025-11-25 or later is resumable too: one stream per session across reconnections,
 *   whose last {@link MAX_GET_EVENTS} events are kept, so a client that reconnects with `Last-Event-ID` gets what was
 *   written after that event (what went to a connection that had already dropped); what came while no GET stream was
 *   open went to a POST stream or waits in the buffer, as above, and follows the replay.
 * Messages are not validated here beyond the front's `classify()`: this is every message's path.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ClientChannel } from '../bridge/bridge.js';
import type { Logger } from '../log.js';
import { progressTokenOf, type RequestId } from '../protocol/jsonrpc.js';
import type { PostReply, ReplyStreams } from './post-reply.js';
import type { SseStream } from './sse-stream.js';
import { LostStreams } from './lost-streams.js';
import { newStreamTag, postStreamId, RESUME_RETRY_MS, StreamEvents, streamOfEventId } from './stream-events.js';

/** Messages kept for the next stream when none is open; beyond, the oldest are dropped (and logged). */
export const MAX_BUFFERED = 256;
/** Events of the GET stream kept for a client that resumes it; beyond, the oldest are dropped. */
export const MAX_GET_EVENTS = 256;
/** At most this much of the GET stream's event data is kept for a resumption (the newest event always). */
export const MAX_GET_EVENT_CHARS = 4 * 1024 * 1024;

/** Stream tags of former instances a session taken over remembers (for {@link LostStreams}). */
const MAX_FORMER_TAGS = 3;

/** Options for {@link StreamableChannel}. */
export interface StreamableChannelOptions {
  logger: Logger;
  /** A session taken over: the stream tags its client may still resume streams of (see {@link StreamableChannel.streamTags}). */
  formerTags?: readonly string[] | undefined;
}

/** One Streamable HTTP session's channel; see the module comment. */
export class StreamableChannel implements ClientChannel {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #log: Logger;
  /** The POST reply waiting for each request's response. */
  readonly #replies = new Map<RequestId, PostReply>();
  /** The request of each progress token, and the token of each such request. */
  readonly #tokens = new Map<RequestId, RequestId>();
  readonly #tokenOf = new Map<RequestId, RequestId>();
  readonly #open = new Set<PostReply>();
  #get: SseStream | undefined;
  /** The GET stream's events, once a client that reads event ids opened one; undefined before. */
  #getEvents: StreamEvents | undefined;
  /** Whether the open GET stream numbers its events. */
  #getNumbered = false;
  /** This session's tag in its stream ids (stream-events.ts). */
  readonly #tag = newStreamTag();
  readonly #buffer: Array<string | Uint8Array> = [];
  #dropped = 0;
  #closed = false;
  /** Resumable POST replies by stream id, until each can no longer be resumed. */
  readonly #resumable = new Map<string, PostReply>();
  /** The stream tags of the instances this session was taken over from (newest first). */
  readonly #formerTags: readonly string[];
  readonly #lost = new LostStreams(() => this.streamTags);
  #streams = 0;

  constructor(options: StreamableChannelOptions) {
    this.#log = options.logger;
    this.#formerTags = (options.formerTags ?? []).slice(0, MAX_FORMER_TAGS);
  }

  /** This session's stream tag, then those of the instances it was taken over from (for a session's record). */
  get streamTags(): readonly string[] {
    return [this.#tag, ...this.#formerTags].slice(0, MAX_FORMER_TAGS + 1);
  }

  async start(): Promise<void> {}

  /** Requests waiting for their response. */
  get inFlight(): number {
    return this.#replies.size;
  }

  /** Whether a request with this id is still waiting (a client may not reuse it meanwhile). */
  pending(id: RequestId): boolean {
    return this.#replies.has(id);
  }

  /** Whether a GET stream is open. */
  get listening(): boolean {
    return this.#get?.open === true;
  }

  /**
   * The resumable POST streams of this session, for the replies of clients that read event ids: each gets its
   * events (ids unique within the session) when it becomes a stream, and is kept for {@link resume} until forgotten.
   */
  readonly streams: ReplyStreams = {
    open: (reply) => {
      const events = new StreamEvents(postStreamId(this.#tag, ++this.#streams, reply.requests));
      if (!this.#closed) this.#resumable.set(events.streamId, reply);
      return events;
    },
    forget: (streamId, delivered) => {
      this.#resumable.delete(streamId);
      if (delivered) this.#lost.delivered(streamId);
    },
  };

  /**
   * Resumes the stream that `lastEventId` belongs to, a POST stream or the GET stream, on the stream `open` makes
   * (MCP 2025-11-25, "Resumability and Redelivery"), or tells the client that the request of a POST stream this
   * session does not have lost its answer (lost-streams.ts): false, with nothing opened, when neither applies.
   */
  resume(lastEventId: string, open: () => SseStream): boolean {
    const id = streamOfEventId(lastEventId);
    if (id !== undefined && id === this.#getEvents?.streamId) return this.#resumeGet(lastEventId, open);
    const reply = id === undefined ? undefined : this.#resumable.get(id);
    if (!reply) return !this.#closed && this.#lost.answer(lastEventId, open);
    if (this.#closed || !reply.resume(open, lastEventId)) return false;
    this.#log.debug(`a client resumed stream ${id}`);
    return true;
  }

  /** Takes the messages of one POST: requests are answered on `reply` (undefined when the POST holds none). */
  receive(messages: readonly JSONRPCMessage[], reply: PostReply | undefined): void {
    if (reply) {
      this.#open.add(reply);
      reply.onclose = () => this.#open.delete(reply);
      for (const m of messages) {
        if (!('method' in m) || !('id' in m)) continue;
        this.#replies.set(m.id, reply);
        const token = progressTokenOf(m);
        if (token !== undefined) {
          this.#tokens.set(token, m.id);
          this.#tokenOf.set(m.id, token);
        }
      }
      this.#flush();
    }
    for (const m of messages) this.onmessage?.(m);
  }

  /**
   * Opens the session's GET stream (one at a time: false when one is open already). With `resumable` (a client at
   * 2025-11-25 or later), it opens with a priming event and numbers its events, so that it can be resumed.
   */
  listen(stream: SseStream, resumable = false): boolean {
    if (this.listening || this.#closed) return false;
    if (resumable) {
      this.#getEvents ??= new StreamEvents(`${this.#tag}.g`, { maxEvents: MAX_GET_EVENTS, maxBytes: MAX_GET_EVENT_CHARS });
      stream.prime(this.#getEvents.prime(), RESUME_RETRY_MS);
    }
    this.#attachGet(stream, resumable);
    return true;
  }

  send(message: JSONRPCMessage): Promise<void> {
    this.#route(message, undefined);
    return Promise.resolve();
  }

  sendRaw(json: string | Uint8Array, message?: JSONRPCMessage): Promise<void> {
    if (message) this.#route(message, json);
    else this.#route(JSON.parse(typeof json === 'string' ? json : Buffer.from(json).toString('utf8')) as JSONRPCMessage, json);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const reply of this.#open) reply.end();
    for (const reply of this.#resumable.values()) reply.end();
    this.#open.clear();
    this.#resumable.clear();
    this.#replies.clear();
    this.#tokens.clear();
    this.#tokenOf.clear();
    this.#get?.end();
    this.#buffer.length = 0;
    this.onclose?.();
  }

  #route(message: JSONRPCMessage, raw: string | Uint8Array | undefined): void {
    if (this.#closed) return;
    const m = message as { id?: RequestId; method?: string; params?: { progressToken?: RequestId } };
    if (m.method === undefined) {
      const reply = m.id === undefined ? undefined : this.#replies.get(m.id);
      if (!reply) return void this.#log.debug(`dropped a response to ${JSON.stringify(m.id)}: its request is not waiting on this session`);
      this.#replies.delete(m.id!);
      const token = this.#tokenOf.get(m.id!);
      if (token !== undefined) {
        this.#tokenOf.delete(m.id!);
        this.#tokens.delete(token);
      }
      reply.answer(m.id!, raw ?? JSON.stringify(message));
      return;
    }
    const json = raw ?? JSON.stringify(message);
    if (m.method === 'notifications/progress' && m.params?.progressToken !== undefined) {
      const id = this.#tokens.get(m.params.progressToken);
      const reply = id === undefined ? undefined : this.#replies.get(id);
      if (reply?.push(json)) return;
    }
    this.#elsewhere(json);
  }

  /** The GET stream takes `json` now when it is open: false when it is not (nothing written, nothing kept). */
  #toGet(json: string | Uint8Array): boolean {
    const get = this.#get;
    if (!get?.open) return false;
    return this.#getNumbered ? get.event(json, 'message', this.#getEvents!.add(json).id) : get.event(json);
  }

  /** Makes `stream` the GET stream, and gives it what waits in the buffer. */
  #attachGet(stream: SseStream, numbered: boolean): void {
    this.#get = stream;
    this.#getNumbered = numbered;
    stream.onclose = () => {
      if (this.#get === stream) this.#get = undefined;
    };
    this.#flush();
  }

  /**
   * Continues the GET stream on the one `open` makes: the kept events after `lastEventId` first, then what waits in
   * the buffer, then whatever comes. A GET stream still open is ended first (the client has given up on it).
   */
  #resumeGet(lastEventId: string, open: () => SseStream): boolean {
    if (this.#closed) return false;
    const events = this.#getEvents!;
    const stream = open();
    const old = this.#get;
    if (old) {
      old.onclose = undefined;
      old.end();
      this.#get = undefined;
    }
    if (events.lost(lastEventId)) this.#log.warn(`a client resumed its GET stream from an event older than the last ${MAX_GET_EVENTS} kept: the events in between are lost to it`);
    for (const e of events.after(lastEventId)) stream.event(e.data, 'message', e.id);
    this.#log.debug('a client resumed its GET stream');
    this.#attachGet(stream, true);
    return true;
  }

  /** A server request or a notification: the GET stream, else an open POST stream, else the buffer. */
  #elsewhere(json: string | Uint8Array): void {
    if (this.#toGet(json)) return;
    for (const reply of this.#open) if (reply.streaming && reply.push(json)) return;
    if (this.#buffer.length === 0) this.#log.info(`no stream open to the client: keeping its messages (up to ${MAX_BUFFERED}) for the next one`);
    this.#buffer.push(json);
    if (this.#buffer.length > MAX_BUFFERED) {
      this.#buffer.shift();
      if (this.#dropped++ === 0) this.#log.warn(`the client opened no stream for over ${MAX_BUFFERED} messages; dropping the oldest`);
    }
  }

  #flush(): void {
    while (this.#buffer.length > 0) {
      const json = this.#buffer[0]!;
      if (!(this.#toGet(json) || [...this.#open].some((r) => r.streaming && r.push(json)))) return;
      this.#buffer.shift();
    }
    this.#dropped = 0;
  }
}
