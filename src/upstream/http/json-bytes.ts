/**
 * Checks a large JSON-RPC response in the bytes the server sent, without decoding it to a string or building its
 * value: strict JSON (RFC 8259: no raw control characters in strings, valid escapes and numbers, nothing after the
 * value), nesting no deeper than a bound, and the members of the top-level object that routing needs. Decoding and
 * `JSON.parse` would allocate two copies of a megabyte result per call (the text, and the strings of the value) only
 * for them to be thrown away once the bytes are written to the client; see `npm run bench`. Bytes of 0x80 and up
 * inside strings are taken as they are: the client decodes them as any UTF-8 reader does. Pure.
 */
import type { RequestId } from '../../protocol/jsonrpc.js';

/** What {@link scanResponse} found. */
export type ScannedResponse =
  /** Valid JSON: an object with `"jsonrpc": "2.0"`, an integer or string `id`, a `result` and no `error` or `method`. */
  | { kind: 'result'; id: RequestId }
  /** Anything else (invalid, too deep, another shape): to be read the usual way. */
  | { kind: 'other' };

const OTHER: ScannedResponse = { kind: 'other' };

/** Thrown inside the scan: the bytes are not what {@link scanResponse} accepts. */
class Reject extends Error {}
const REJECT = new Reject();

const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Bytes allowed after a backslash, other than `u`. */
const ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66));
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** A recursive-descent checker over one buffer; each method returns the index after what it read. */
class Scanner {
  readonly #b: Uint8Array;
  readonly #max: number;
  /** The same bytes as 32-bit words, from the first index `#w0` whose address is a multiple of 4. */
  readonly #words: Uint32Array;
  readonly #w0: number;

  constructor(bytes: Uint8Array, maxDepth: number) {
    this.#b = bytes;
    this.#max = maxDepth;
    this.#w0 = Math.min((4 - (bytes.byteOffset & 3)) & 3, bytes.length);
    this.#words = new Uint32Array(bytes.buffer, bytes.byteOffset + this.#w0, (bytes.length - this.#w0) >>> 2);
  }

  /**
   * The index of the first byte at or after `k` (k aligned) that ends or interrupts a string body: a quote, a
   * backslash or a control character. Four bytes at a time: a word none of whose bytes is one of those is skipped
   * whole (the classic "has a zero byte" and "has a byte less than n" bit tests; they may flag a clean word, never
   * miss one). Returns the first index of the first flagged word, or of the unaligned tail.
   */
  #skipPlain(k: number): number {
    const words = this.#words;
    let w = (k - this.#w0) >>> 2;
    const n = words.length;
    for (; w < n; w++) {
      const v = words[w]!;
      const q = v ^ 0x22222222;
      const s = v ^ 0x5c5c5c5c;
      if (((v - 0x20202020) & ~v & 0x80808080) | ((q - 0x01010101) & ~q & 0x80808080) | ((s - 0x01010101) & ~s & 0x80808080)) break;
    }
    return this.#w0 + (w << 2);
  }

  ws(i: number): number {
    const b = this.#b;
    for (let c = b[i]; c === SPACE || c === 0x0a || c === 0x0d || c === 0x09; c = b[++i]);
    return i;
  }

  string(i: number): number {
    const b = this.#b;
    const n = b.length;
    const w0 = this.#w0;
    for (let k = i + 1; k < n; ) {
      if (((k - w0) & 3) === 0 && k >= w0) {
        const next = this.#skipPlain(k);
        if (next > k) {
          k = next;
          continue;
        }
      }
      const c = b[k]!;
      if (c === QUOTE) return k + 1;
      if (c < SPACE) throw REJECT;
      if (c !== BACKSLASH) {
        k++;
        continue;
      }
      const e = b[k + 1];
      if (e === 0x75) {
        if (!(isHex(b[k + 2]) && isHex(b[k + 3]) && isHex(b[k + 4]) && isHex(b[k + 5]))) throw REJECT;
        k += 6;
      } else if (e !== undefined && ESCAPES.has(e)) {
        k += 2;
      } else {
        throw REJECT;
      }
    }
    throw REJECT;
  }

  number(i: number): number {
    const b = this.#b;
    if (b[i] === 0x2d) i++;
    if (b[i] === 0x30) i++;
    else if (isDigit(b[i])) while (isDigit(b[i])) i++;
    else throw REJECT;
    if (b[i] === 0x2e) {
      i++;
      if (!isDigit(b[i])) throw REJECT;
      while (isDigit(b[i])) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!isDigit(b[i])) throw REJECT;
      while (isDigit(b[i])) i++;
    }
    return i;
  }

  literal(i: number, word: string): number {
    const b = this.#b;
    for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) throw REJECT;
    return i + word.length;
  }

  value(i: number, depth: number): number {
    const c = this.#b[i];
    if (c === QUOTE) return this.string(i);
    if (c === 0x7b) return this.object(i, depth + 1);
    if (c === 0x5b) return this.array(i, depth + 1);
    if (c === 0x74) return this.literal(i, 'true');
    if (c === 0x66) return this.literal(i, 'false');
    if (c === 0x6e) return this.literal(i, 'null');
    return this.number(i);
  }

  array(i: number, depth: number): number {
    if (depth > this.#max) throw REJECT;
    const b = this.#b;
    i = this.ws(i + 1);
    if (b[i] === 0x5d) return i + 1;
    for (;;) {
      i = this.ws(this.value(i, depth));
      if (b[i] === 0x5d) return i + 1;
      if (b[i] !== 0x2c) throw REJECT;
      i = this.ws(i + 1);
    }
  }

  /** An object; `member` is told each member's key span and value span (for the top-level object). */
  object(i: number, depth: number, member?: (keyStart: number, keyEnd: number, valueStart: number, valueEnd: number) => void): number {
    if (depth > this.#max) throw REJECT;
    const b = this.#b;
    i = this.ws(i + 1);
    if (b[i] === 0x7d) return i + 1;
    for (;;) {
      if (b[i] !== QUOTE) throw REJECT;
      const keyEnd = this.string(i);
      const colon = this.ws(keyEnd);
      if (b[colon] !== 0x3a) throw REJECT;
      const valueStart = this.ws(colon + 1);
      const valueEnd = this.value(valueStart, depth);
      member?.(i, keyEnd, valueStart, valueEnd);
      i = this.ws(valueEnd);
      if (b[i] === 0x7d) return i + 1;
      if (b[i] !== 0x2c) throw REJECT;
      i = this.ws(i + 1);
    }
  }
}

/** Checks `bytes` (one JSON text) as described in the module comment; `maxDepth` bounds nesting. */
export function scanResponse(bytes: Uint8Array, maxDepth: number): ScannedResponse {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const s = new Scanner(buf, maxDepth);
  // Members of the top-level object, by key; JSON.parse keeps the last of repeated keys, and so does this.
  const members = new Map<string, [number, number]>();
  try {
    const start = s.ws(0);
    if (buf[start] !== 0x7b) return OTHER;
    const end = s.object(start, 1, (ks, ke, vs, ve) => {
      // Keys are short; a key with escapes is decoded by JSON.parse to compare it as JSON.parse would.
      const raw = buf.toString('latin1', ks, ke);
      members.set(raw.includes('\\') ? (JSON.parse(buf.toString('utf8', ks, ke)) as string) : raw.slice(1, -1), [vs, ve]);
    });
    if (s.ws(end) !== buf.length) return OTHER;
  } catch (error) {
    if (error === REJECT) return OTHER;
    throw error;
  }
  const read = (key: string): unknown => {
    const span = members.get(key);
    return span && span[1] - span[0] <= 1024 ? JSON.parse(buf.toString('utf8', span[0], span[1])) : undefined;
  };
  if (!members.has('result') || members.has('error') || members.has('method') || read('jsonrpc') !== '2.0') return OTHER;
  const id = read('id');
  if (typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id))) return { kind: 'result', id };
  return OTHER;
}
