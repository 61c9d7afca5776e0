/**
 * Resumable streams of `serve` (MCP 2025-11-25, "Streamable HTTP" → "Resumability and Redelivery", SEP-1699): each
 * POST stream, and the session's standalone GET stream, gets an id unique in the session and unlike any other
 * session's (the session's random tag, then `s<n>` for a POST stream, `g` for the GET stream); its events get ids
 * `<stream>-<n>`, starting with a priming event (an id and empty data, with the `retry` interval) so that a client
 * whose connection drops reconnects with GET and `Last-Event-ID`. A POST stream of one request also names that
 * request (`s<n>.r<hex of its JSON id>`, when short): a resumption that reaches an instance which never carried the
 * stream (the one that did stopped, or the stream expired) can then tell the client that this request's answer is
 * lost ({@link lostRequestOfEventId}), instead of leaving it waiting for an answer that will not come. This keeps
 * what one stream carried, so that only that stream's later events are replayed, never another stream's or another
 * session's. Bounded: the oldest events go first beyond the stream's bound ({@link MAX_KEPT_EVENTS} by default); a
 * `Last-Event-ID` older than what is kept gets what is kept ({@link StreamEvents.lost} says so).
 */
import { randomBytes } from 'node:crypto';
import type { RequestId } from '../protocol/jsonrpc.js';

/** The `retry` (ms) a client is told to wait before it reconnects to a dropped stream. */
export const RESUME_RETRY_MS = 1000;
/** Events kept per stream for a replay. */
export const MAX_KEPT_EVENTS = 1000;
/** How long a stream whose connection dropped stays resumable after its last response arrived. */
export const RESUME_GRACE_MS = 60_000;

/** The first protocol revision whose clients read priming events (empty `data`); older ones cannot parse them. */
const FIRST_PRIMING_REVISION = '2025-11-25';

/** Whether a request's `MCP-Protocol-Version` allows priming events: dated revisions compare as strings. */
export function primingAllowed(version: string | string[] | undefined): boolean {
  return typeof version === 'string' && version >= FIRST_PRIMING_REVISION;
}

/** The longest request id (its JSON, in hex) a POST stream's id names. */
const MAX_NAMED_ID_HEX = 64;

/** The id of a session's `n`th POST stream, naming its request when it carries one with a short id. */
export function postStreamId(tag: string, n: number, requests: readonly RequestId[]): string {
  const named = requests.length === 1 ? Buffer.from(JSON.stringify(requests[0]), 'utf8').toString('hex') : '';
  return named && named.length <= MAX_NAMED_ID_HEX ? `${tag}.s${n}.r${named}` : `${tag}.s${n}`;
}

const EVENT_ID = /^([0-9a-f]{16}\.(?:s\d+(?:\.r((?:[0-9a-f]{2}){1,32}))?|g))-\d+$/;

/** The stream an event id belongs to (`<stream>-<n>`), or undefined when the id is not one of ours. */
export function streamOfEventId(eventId: string): string | undefined {
  return EVENT_ID.exec(eventId)?.[1];
}

/** The request a POST stream's event id names (see the module comment), or undefined when it names none. */
export function lostRequestOfEventId(eventId: string): RequestId | undefined {
  const hex = EVENT_ID.exec(eventId)?.[2];
  if (hex === undefined) return undefined;
  try {
    const id: unknown = JSON.parse(Buffer.from(hex, 'hex').toString('utf8'));
    return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** A session's tag for its stream ids: random, so that no id of one session names a stream of another. */
export function newStreamTag(): string {
  return randomBytes(8).toString('hex');
}

/** Options for {@link StreamEvents}. */
export interface StreamEventsOptions {
  /** Events kept for a replay; default {@link MAX_KEPT_EVENTS}. */
  maxEvents?: number;
  /** Size of the event data kept for a replay (characters of a string, bytes of a buffer; the newest event is kept whatever its size); default: no bound. */
  maxBytes?: number;
}

/** One event, with its id. */
export interface StreamEvent {
  id: string;
  data: string | Uint8Array;
}

/** The events of one resumable stream; see the module comment. */
export class StreamEvents {
  readonly streamId: string;
  readonly #kept: Array<StreamEvent & { n: number; bytes: number }> = [];
  readonly #maxEvents: number;
  readonly #maxBytes: number;
  #bytes = 0;
  #next = 0;
  /** The number of the newest event dropped for the bound (-1: none). */
  #dropped = -1;

  constructor(streamId: string, options: StreamEventsOptions = {}) {
    this.streamId = streamId;
    this.#maxEvents = options.maxEvents ?? MAX_KEPT_EVENTS;
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  }

  /** The priming event's id (the stream's first). */
  prime(): string {
    return `${this.streamId}-${this.#next++}`;
  }

  /** Gives `data` the stream's next id and keeps it for a replay. */
  add(data: string | Uint8Array): StreamEvent {
    const n = this.#next++;
    const bytes = typeof data === 'string' ? data.length : data.byteLength;
    const event = { id: `${this.streamId}-${n}`, data, n, bytes };
    this.#kept.push(event);
    this.#bytes += bytes;
    while (this.#kept.length > this.#maxEvents || (this.#bytes > this.#maxBytes && this.#kept.length > 1)) {
      const old = this.#kept.shift()!;
      this.#bytes -= old.bytes;
      this.#dropped = old.n;
    }
    return event;
  }

  /** The kept events after `lastEventId`, an id of this stream (all of them when it names an event no longer kept). */
  after(lastEventId: string): StreamEvent[] {
    const n = this.#numberOf(lastEventId);
    return this.#kept.filter((e) => e.n > n);
  }

  /** Whether events after `lastEventId` were dropped for the bound: a replay from it misses them. */
  lost(lastEventId: string): boolean {
    return this.#numberOf(lastEventId) < this.#dropped;
  }

  #numberOf(eventId: string): number {
    return eventId.startsWith(`${this.streamId}-`) ? Number(eventId.slice(this.streamId.length + 1)) : Number.NaN;
  }
}
