/**
 * Header values of the modern Streamable HTTP transport (MCP 2026-07-28, transports/streamable-http, "Value
 * Encoding"): `Mcp-Name` and `Mcp-Param-{Name}` carry a plain value when it is safe as an HTTP field value, and
 * `=?base64?{Base64 of the UTF-8}?=` otherwise — non-ASCII, control characters, leading or trailing whitespace, or
 * a plain value that itself looks like the sentinel. Pure.
 */

const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';
/** Visible ASCII, space and tab (RFC 9110 field values) — the rest needs the Base64 form. */
const SAFE = /^[\x20-\x7e\t]*$/;

/** Encodes one header value per the rules above. */
export function encodeHeaderValue(value: string): string {
  const plain =
    SAFE.test(value) &&
    value.trim() === value &&
    !(value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX));
  return plain ? value : `${SENTINEL_PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${SENTINEL_SUFFIX}`;
}

/**
 * The header text of a tool argument marked `x-mcp-header`: a string as it is, an integer in decimal, a boolean as
 * `true`/`false`, each encoded; undefined (no header) for null, a missing value, or any other type (the server
 * validates the arguments against the schema).
 */
export function paramHeaderValue(value: unknown): string | undefined {
  if (typeof value === 'string') return encodeHeaderValue(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}
