/**
 * The reverse of header-value.ts (MCP 2026-07-28, transports/streamable-http, "Value Encoding"): the value a
 * `Mcp-Name` or `Mcp-Param-{Name}` header stands for — its Base64 form `=?base64?…?=` decoded from UTF-8, or the
 * plain text as it is. Pure.
 */

const PREFIX = '=?base64?';
const SUFFIX = '?=';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The decoded value, or undefined when the Base64 form is malformed. */
export function decodeHeaderValue(header: string): string | undefined {
  if (!(header.startsWith(PREFIX) && header.endsWith(SUFFIX) && header.length >= PREFIX.length + SUFFIX.length)) return header;
  const body = header.slice(PREFIX.length, header.length - SUFFIX.length);
  if (!BASE64.test(body) || body.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(body, 'base64');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}
