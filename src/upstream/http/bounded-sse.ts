/**
 * Server-sent events with a size bound: splits a byte stream into whole events like {@link SseEventSplitter}, but
 * never holds more than `maxEventBytes` of one event. An event that grows past the bound is reported twice — when
 * it crosses the bound (with its first bytes, so the caller can decide at once) and when its end arrives (with its
 * size and last bytes) — and its bytes in between are counted and dropped, so a stream without a line end costs
 * one chunk of memory, however long it runs. Pure.
 */
import { SseEventSplitter } from './sse-events.js';

/** An event over the bound, instead of its bytes. */
export interface SseOversize {
  readonly kind: 'oversize';
  /** `start`: the event just crossed the bound; `end`: its end arrived (or the stream ended inside it). */
  readonly phase: 'start' | 'end';
  /** Bytes of the event seen so far (at `end`, its whole size). */
  readonly bytes: number;
  /** Its first bytes, decoded (up to 2 KiB). */
  readonly head: string;
  /** Its last bytes, decoded (up to 2 KiB; empty at `start`). */
  readonly tail: string;
}

/** A complete event's bytes, or a report of an event over the bound. */
export type SseItem = Uint8Array | SseOversize;

/** Options for {@link BoundedEventSplitter}. */
export interface BoundedEventSplitterOptions {
  /** Largest event handed out whole, in bytes (field names and line ends included). */
  maxEventBytes: number;
}

const KEEP = 2048;

interface Over {
  bytes: number;
  head: string;
  tail: Buffer;
}

/** A size-bounded SSE event splitter. See the module comment. */
export class BoundedEventSplitter {
  readonly #inner = new SseEventSplitter();
  readonly #max: number;
  #over: Over | undefined;

  constructor(options: BoundedEventSplitterOptions) {
    if (!(options.maxEventBytes > 0)) throw new RangeError('maxEventBytes must be a positive number');
    this.#max = options.maxEventBytes;
  }

  /** Adds a chunk; returns the events (and reports) it completed, in order. */
  push(chunk: Uint8Array): SseItem[] {
    const events = this.#inner.push(chunk);
    const items: SseItem[] = [];
    for (const event of events) {
      const over = this.#over;
      if (over) {
        // The first event to end while dropping is the end of the oversize one.
        this.#over = undefined;
        items.push(ending(over, [event]));
      } else if (event.byteLength > this.#max) {
        const start: Over = { bytes: event.byteLength, head: decode(event.subarray(0, KEEP)), tail: Buffer.alloc(0) };
        items.push(report('start', start), ending({ ...start, bytes: 0 }, [event]));
      } else {
        items.push(event);
      }
    }
    const held = this.#inner.heldBytes;
    if (this.#over) {
      if (held > 0) this.#count(this.#over, this.#inner.dropHeld());
    } else if (held > this.#max) {
      const pieces = this.#inner.dropHeld();
      const over: Over = { bytes: 0, head: decode(headOf(pieces)), tail: Buffer.alloc(0) };
      this.#count(over, pieces);
      this.#over = over;
      items.push(report('start', over));
    }
    return items;
  }

  /** At the end of the stream: the bytes of an unfinished event, or the end report of an oversize one. */
  rest(): SseItem | undefined {
    const over = this.#over;
    if (!over) return this.#inner.rest();
    this.#over = undefined;
    return ending(over, this.#inner.dropHeld());
  }

  #count(over: Over, pieces: Uint8Array[]): void {
    for (const piece of pieces) {
      over.bytes += piece.byteLength;
      over.tail = keepTail(over.tail, piece);
    }
  }
}

function report(phase: 'start' | 'end', over: Over): SseOversize {
  return { kind: 'oversize', phase, bytes: over.bytes, head: over.head, tail: phase === 'end' ? decode(over.tail) : '' };
}

function ending(over: Over, pieces: Uint8Array[]): SseOversize {
  for (const piece of pieces) {
    over.bytes += piece.byteLength;
    over.tail = keepTail(over.tail, piece);
  }
  return report('end', over);
}

function headOf(pieces: Uint8Array[]): Uint8Array {
  const first = pieces[0]!;
  if (first.byteLength >= KEEP || pieces.length === 1) return first.subarray(0, KEEP);
  return Buffer.concat(pieces.slice(0, 8)).subarray(0, KEEP);
}

function keepTail(tail: Buffer, piece: Uint8Array): Buffer {
  if (piece.byteLength >= KEEP) return Buffer.from(piece.subarray(piece.byteLength - KEEP));
  const joined = Buffer.concat([tail, piece]);
  return joined.length > KEEP ? joined.subarray(joined.length - KEEP) : joined;
}

function decode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
