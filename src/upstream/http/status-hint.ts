/**
 * What the user can do about an HTTP status the MCP server answered with: the hint both upstream wires (the
 * Streamable HTTP client and the legacy SSE transport's fetch) attach to their typed HTTP errors.
 */

/** The hint for a server's HTTP error status, or undefined when there is nothing general to say. */
export function httpStatusHint(status: number): string | undefined {
  if (status === 401) return 'the server requires authorization';
  if (status === 403) return 'the server refused access with the credentials given';
  if (status === 429) return 'the server is rate-limiting; retry later';
  if (status >= 500) return 'the server failed; check its logs or retry later';
  return undefined;
}
