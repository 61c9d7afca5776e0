/**
 * Server-sent events at the byte level, for the relay of large responses (event-stream-reader.ts, upstream-fetch.ts): splits a stream
 * into whole events without decoding it, and reads the fields of the few events that are worth a look. Pure.
 * Line ends may be CRLF, LF or CR (WHATWG HTML, "Parsing an event stream").
 */

import { isAscii } from 'node:buffer';

const LF = 10;
const CR = 13;

/** Splits a byte stream into complete events, each with the blank line that ends it. */
export class SseEventSplitter {
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  /** Whether the scanned bytes end a line (so a line end at the start of the next chunk ends the event). */
  #atLineStart = true;
  /** The scanned bytes end with CR, whose LF may come in the next chunk. */
  #pendingCr = false;
  /** The last event handed out ended with that CR: a LF opening the next chunk is handed out on its own. */
  #crEndedEvent = false;

  /** Adds a chunk; returns the events it completed, in order. Scans with indexOf: a megabyte line costs one pass. */
  push(chunk: Uint8Array): Uint8Array[] {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const events: Uint8Array[] = [];
    let start = 0;
    let pos = 0;
    if (this.#pendingCr) {
      this.#pendingCr = false;
      if (buf[0] === LF) {
        pos = 1; // the LF of a CRLF split across chunks
        if (this.#crEndedEvent) {
          // It belongs to the event already handed out: pass it on alone, so the bytes stay exactly as sent.
          events.push(buf.subarray(0, 1));
          start = 1;
        }
      }
    }
    this.#crEndedEvent = false;
    let nextLf = buf.indexOf(LF, pos);
    let nextCr = buf.indexOf(CR, pos);
    for (;;) {
      if (nextLf !== -1 && nextLf < pos) nextLf = buf.indexOf(LF, pos);
      if (nextCr !== -1 && nextCr < pos) nextCr = buf.indexOf(CR, pos);
      const t = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
      if (t === -1) {
        if (pos < buf.length) this.#atLineStart = false;
        break;
      }
      let end = t + 1;
      const emptyLine = t === pos && this.#atLineStart;
      if (buf[t] === CR) {
        if (t + 1 < buf.length) {
          if (buf[t + 1] === LF) end = t + 2;
        } else {
          this.#pendingCr = true;
          this.#crEndedEvent = emptyLine;
        }
      }
      if (emptyLine) {
        events.push(this.#take(buf.subarray(start, end)));
        start = end;
      }
      this.#atLineStart = true;
      pos = end;
    }
    if (start < buf.length) this.#hold(buf.subarray(start));
    return events;
  }

  /** How many bytes of an unfinished event are held. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** Lets go of the bytes of the unfinished event (its end is still recognized); returns them, in order. */
  dropHeld(): Uint8Array[] {
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    return held;
  }

  /** Bytes of an unfinished event, if any (at the end of the stream). */
  rest(): Uint8Array | undefined {
    if (this.#heldBytes === 0) return undefined;
    const rest = this.#joinHeld(undefined);
    this.#held = [];
    this.#heldBytes = 0;
    return rest;
  }

  #hold(piece: Uint8Array): void {
    this.#held.push(piece);
    this.#heldBytes += piece.length;
  }

  #take(tail: Uint8Array): Uint8Array {
    if (this.#heldBytes === 0) return tail;
    const event = this.#joinHeld(tail);
    this.#held = [];
    this.#heldBytes = 0;
    return event;
  }

  #joinHeld(tail: Uint8Array | undefined): Uint8Array {
    const parts = tail ? [...this.#held, tail] : this.#held;
    return Buffer.concat(parts, this.#heldBytes + (tail?.length ?? 0));
  }
}

/** The fields of one event that matter here. */
export interface SseFields {
  event: string | undefined;
  id: string | undefined;
  /** The data lines joined with LF, or undefined when the event has none. */
  data: string | undefined;
  /** A `retry:` field's reconnection time in ms, when the event has a valid one. */
  retry?: number;
}

/** Reads the fields of one complete event. */
export function readEvent(bytes: Uint8Array): SseFields {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // ASCII (JSON usually is) decodes as Latin-1 at the speed of a copy; UTF-8 decoding is several times slower.
  const text = buf.toString(isAscii(buf) ? 'latin1' : 'utf8');
  let event: string | undefined;
  let id: string | undefined;
  let data: string[] | undefined;
  let retry: number | undefined;
  const lines = text.includes('\r') ? text.split(/\r\n|\r|\n/) : splitLf(text);
  for (const line of lines) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') (data ??= []).push(value);
    else if (name === 'event') event = value;
    else if (name === 'id' && !value.includes('\0')) id = value;
    else if (name === 'retry' && /^\d+$/.test(value)) retry = Number(value);
  }
  return { event, id, data: data?.join('\n'), ...(retry === undefined ? {} : { retry }) };
}

/** Splits on LF with indexOf (a regex split of a megabyte line is several times slower). */
function splitLf(text: string): string[] {
  const lines: string[] = [];
  let from = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', from)) {
    lines.push(text.slice(from, at));
    from = at + 1;
  }
  lines.push(text.slice(from));
  return lines;
}

/** The fields of an event whose data stays in bytes (see {@link readEventBytes}). */
export interface SseByteFields {
  event: string | undefined;
  id: string | undefined;
  retry?: number;
  /** The value of the event's only `data:` line, as bytes. */
  data: Uint8Array;
}

/**
 * The fields of one complete event, its data left as the bytes of its only `data:` line, when it has exactly one
 * and no CR (so the bytes are the data exactly as {@link readEvent} reads it); else undefined. Only the other, short
 * lines are decoded. Scans with indexOf: cheap for any size.
 */
export function readEventBytes(bytes: Uint8Array): SseByteFields | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.indexOf(CR) !== -1) return undefined;
  let data: Uint8Array | undefined;
  let event: string | undefined;
  let id: string | undefined;
  let retry: number | undefined;
  for (let from = 0; from < buf.length; ) {
    let at = buf.indexOf(LF, from);
    if (at === -1) at = buf.length;
    const colon = buf.indexOf(0x3a, from);
    const nameEnd = colon === -1 || colon > at ? at : colon;
    let start = Math.min(nameEnd + 1, at);
    if (nameEnd < at && buf[start] === 0x20) start++;
    const name = nameEnd - from <= 5 ? buf.toString('latin1', from, nameEnd) : '';
    if (name === 'data') {
      if (data) return undefined;
      data = buf.subarray(start, at);
    } else if (name === 'event' || name === 'id' || name === 'retry') {
      const value = buf.toString('utf8', start, at);
      if (name === 'event') event = value;
      else if (name === 'id') id = value.includes('\0') ? id : value;
      else if (/^\d+$/.test(value)) retry = Number(value);
    }
    from = at + 1;
  }
  return data && { event, id, data, ...(retry === undefined ? {} : { retry }) };
}

/**
 * Whether some line of `bytes` starts with `id:` (so the stream can be resumed with Last-Event-ID). Cheap for any
 * size. `atLineStart` says whether the bytes begin a line (true for a whole event; for a chunk of a stream, whether
 * the previous chunk ended one).
 */
export function hasIdField(bytes: Uint8Array, atLineStart = true): boolean {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (atLineStart && buf[0] === 0x69 && buf[1] === 0x64 && buf[2] === 0x3a) return true; // "id:" first
  for (let at = buf.indexOf('id:', 1); at !== -1; at = buf.indexOf('id:', at + 1)) {
    const before = buf[at - 1];
    if (before === LF || before === CR) return true;
  }
  return false;
}
