/**
 * Resumable streams of `serve` (MCP 2025-11-25, "Streamable HTTP" → "Resumability and Redelivery", SEP-1699): each
 * POST stream, and the session's standalone GET stream, gets an id unique in the session and unlike any other
 * session's (the session's random tag, then `s<n>` for a POST stream, `g` for the GET stream); its events get ids
 * `<stream>-<n>`, starting with a priming event (an id and empty data, with the `retry` interval) so that a client
 * whose connection drops reconnects with GET and `Last-Event-ID`. This keeps what one stream carried, so that only
 * that stream's later events are replayed, never another stream's or another session's. Bounded: the oldest events
 * go first beyond the stream's bound ({@link MAX_KEPT_EVENTS} by default); a `Last-Event-ID` older than what is kept
 * gets what is kept ({@link StreamEvents.lost} says so).
 */
import { randomBytes } from 'node:crypto';

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

/** The stream an event id belongs to (`<stream>-<n>`), or undefined when the id is not one of ours. */
export function streamOfEventId(eventId: string): string | undefined {
  const m = /^([0-9a-f]{16}\.(?:s\d+|g))-\d+$/.exec(eventId);
  return m?.[1];
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
