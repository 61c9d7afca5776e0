/**
 * A fast test, without parsing, of whether a raw JSON message may hold a resource URI the aggregator rewrites, so
 * messages without one can be relayed as the bytes they arrived in (issue 10: large results pass unchanged).
 */

const URI_KEY = '"uri"';
const TEMPLATE_KEY = '"uriTemplate"';
/** `\u00` — the start of a JSON escape that may spell an ASCII letter (`\u0075` is `u`). */
const ESCAPE = '\\u00';

/**
 * Whether `raw` (a JSON text, as a string or UTF-8 bytes) may contain a `"uri"` or `"uriTemplate"` key. False means
 * that parsing it and rewriting it would change nothing. Keys written with JSON escapes (`"\u0075ri"`) count too: any
 * `\u00` escape of an ASCII letter makes the answer true, so a server cannot slip an unprefixed URI past the bridge.
 */
export function mayContainUri(raw: string | Uint8Array): boolean {
  const text = typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (text.includes(URI_KEY) || text.includes(TEMPLATE_KEY)) return true;
  return hasEscapedLetter(text);
}

function hasEscapedLetter(text: string | Buffer): boolean {
  let at = text.indexOf(ESCAPE);
  while (at !== -1) {
    const next = typeof text === 'string' ? text.charCodeAt(at + ESCAPE.length) : text[at + ESCAPE.length];
    // '4'..'7': U+0040..U+007F, where the ASCII letters are.
    if (next !== undefined && next >= 0x34 && next <= 0x37) return true;
    at = text.indexOf(ESCAPE, at + ESCAPE.length);
  }
  return false;
}
