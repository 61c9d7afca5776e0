/**
 * Splits a byte stream into newline-delimited lines with a hard size limit (the MCP stdio framing). Pure: no I/O,
 * so it is tested on its own. A line longer than the limit is not buffered whole: its head and tail are kept (to
 * recover a request id for the error answer) and the rest is dropped until the next newline.
 */
import { ID_VALUE } from '../../protocol/id-text.js';

/** One framed item: a complete line, or a line that went over the limit. */
export type Frame =
  | { kind: 'line'; text: string }
  | { kind: 'oversize'; bytes: number; head: string; tail: string };

/** Options for {@link LineFramer}. */
export interface LineFramerOptions {
  /** Longest accepted line in bytes, without its newline. */
  maxLineBytes: number;
}

const KEEP = 2048;

/** Incremental framer; feed it chunks with {@link LineFramer.push}. */
export class LineFramer {
  readonly #max: number;
  #parts: Buffer[] = [];
  #size = 0;
  /** Set while dropping the middle of an oversize line. */
  #over: { bytes: number; head: string; tail: Buffer } | undefined;

  constructor(options: LineFramerOptions) {
    if (!(options.maxLineBytes > 0)) throw new RangeError('maxLineBytes must be a positive number');
    this.#max = options.maxLineBytes;
  }

  /** Adds a chunk and returns the frames it completed, in order. */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      this.#take(chunk.subarray(start, end));
      if (nl === -1) break;
      const frame = this.#finish();
      if (frame) frames.push(frame);
      start = nl + 1;
    }
    return frames;
  }

  /** Whether bytes of an unfinished line are held (for an end-of-input warning). */
  get pending(): boolean {
    return this.#size > 0 || this.#over !== undefined;
  }

  #take(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.#over) {
      this.#over.bytes += piece.length;
      this.#over.tail = keepTail(this.#over.tail, piece);
      return;
    }
    if (this.#size + piece.length > this.#max) {
      const held = Buffer.concat([...this.#parts, piece]);
      this.#over = {
        bytes: held.length,
        head: held.toString('utf8', 0, Math.min(KEEP, held.length)),
        tail: Buffer.from(held.subarray(Math.max(0, held.length - KEEP))),
      };
      this.#parts = [];
      this.#size = 0;
      return;
    }
    // Stream chunks are never reused after they are emitted, so holding a view of one is safe and copy-free.
    this.#parts.push(piece);
    this.#size += piece.length;
  }

  #finish(): Frame | undefined {
    if (this.#over) {
      const { bytes, head, tail } = this.#over;
      this.#over = undefined;
      return { kind: 'oversize', bytes, head, tail: tail.toString('utf8') };
    }
    if (this.#size === 0) return undefined;
    const buf = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#size);
    this.#parts = [];
    this.#size = 0;
    let text = buf.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return text.trim() === '' ? undefined : { kind: 'line', text };
  }
}

function keepTail(tail: Buffer, piece: Buffer): Buffer {
  if (piece.length >= KEEP) return Buffer.from(piece.subarray(piece.length - KEEP));
  const joined = Buffer.concat([tail, piece]);
  return joined.length > KEEP ? Buffer.from(joined.subarray(joined.length - KEEP)) : joined;
}

const HEAD_ID = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID_VALUE}\s*,`);
const TAIL_ID = new RegExp(String.raw`"id"\s*:\s*${ID_VALUE}\s*(?:,\s*"jsonrpc"\s*:\s*"2\.0"\s*)?\}\s*$`);
const IS_REQUEST = /"method"\s*:\s*"/;

/**
 * Best-effort id of an oversize request, from where JSON-RPC writers put it: first (or after `jsonrpc`), or last.
 * Returns undefined when the line does not look like a request, so no answer is invented for a response.
 */
export function recoverRequestId(head: string, tail: string): string | number | undefined {
  if (!IS_REQUEST.test(head) && !IS_REQUEST.test(tail)) return undefined;
  const m = HEAD_ID.exec(head) ?? TAIL_ID.exec(tail);
  if (!m) return undefined;
  try {
    const id: unknown = JSON.parse(m[1]!);
    return typeof id === 'string' || typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}
