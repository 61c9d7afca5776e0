/**
 * The id under which the 2026-07-28 upstream asks the client for one of a server's input requests (MCP 2026-07-28,
 * basic/patterns/mrtr: `inputRequests` maps keys the server chose to requests): `mcp-auth-bridge/input/<n>/<key>`.
 * The key rides in the id so that serve's 2026 side, which turns the request back into an `inputRequests` entry for
 * its own 2026 client, can give it the server's own name; to a 2025 client the id is opaque, as every id is. Pure.
 */

const PREFIX = 'mcp-auth-bridge/input/';
const PATTERN = /mcp-auth-bridge\/input\/\d+\/(.+)$/s;

/** The id of the `n`th input request of the upstream, for the server's key `key`. */
export function inputRequestId(n: number, key: string): string {
  return `${PREFIX}${n}/${key}`;
}

/** The server's key in an id made by {@link inputRequestId} (also inside a longer, renamed id), else undefined. */
export function inputKeyOf(id: unknown): string | undefined {
  return typeof id === 'string' ? PATTERN.exec(id)?.[1] : undefined;
}
