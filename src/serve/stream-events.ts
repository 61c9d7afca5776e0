/**
 * Resumable POST streams of `serve` (MCP 2025-11-25, "Streamable HTTP" → "Resumability and Redelivery", SEP-1699):
 * each POST stream gets a session-unique id; its events get ids `<stream>-<n>`, starting with a priming event (an id
 * and empty data, with the `retry` interval) so that a client whose connection drops mid-call reconnects with GET and
 * `Last-Event-ID`. This keeps what one stream carried, so that only that stream's later events are replayed, never
 * another stream's. Bounded: the oldest events go first beyond {@link MAX_KEPT_EVENTS}.
 */

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
  const m = /^(s\d+)-\d+$/.exec(eventId);
  return m?.[1];
}

/** One event, with its id. */
export interface StreamEvent {
  id: string;
  data: string | Uint8Array;
}

/** The events of one resumable POST stream; see the module comment. */
export class StreamEvents {
  readonly streamId: string;
  readonly #kept: Array<StreamEvent & { n: number }> = [];
  #next = 0;

  constructor(streamId: string) {
    this.streamId = streamId;
  }

  /** The priming event's id (the stream's first). */
  prime(): string {
    return `${this.streamId}-${this.#next++}`;
  }

  /** Gives `data` the stream's next id and keeps it for a replay. */
  add(data: string | Uint8Array): StreamEvent {
    const n = this.#next++;
    const event = { id: `${this.streamId}-${n}`, data, n };
    this.#kept.push(event);
    if (this.#kept.length > MAX_KEPT_EVENTS) this.#kept.shift();
    return event;
  }

  /** The kept events after `lastEventId` (all of them when it names an event no longer kept). */
  after(lastEventId: string): StreamEvent[] {
    const n = Number(lastEventId.slice(this.streamId.length + 1));
    return this.#kept.filter((e) => e.n > n);
  }
}
