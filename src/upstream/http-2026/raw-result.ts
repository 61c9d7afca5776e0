/**
 * A large result handed on in its text or bytes (modern-http.ts, the event-stream reader), for the few answers the
 * upstream must look inside: a cheap look for a word first, then the reading itself.
 */

/** Whether a large result's text or bytes contain `word` (cheap: no decoding of bytes). */
export function mentions(raw: string | Uint8Array, word: string): boolean {
  return typeof raw === 'string' ? raw.includes(word) : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).includes(word);
}

/** The `result` of the response in `raw` (an empty one when it has none). */
export function resultOf(raw: string | Uint8Array): Record<string, unknown> {
  const text = typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  return (JSON.parse(text) as { result?: Record<string, unknown> }).result ?? {};
}
