/**
 * Which redirects the upstream client follows: only within the server's origin (the same scheme, host and port, or
 * the https form of an http URL on default ports), never adding a user name or password, at most
 * {@link MAX_REDIRECTS} in a row, and for a request with a body only 307 and 308 (the others would turn it into a
 * GET). A server that moved its endpoint by a slash (`/mcp` → `/mcp/`) or to https keeps working; a redirect
 * anywhere else is an HTTP error like any other, so credentials never follow a request to another origin. The same
 * policy as the SDK's client transports. Pure.
 */

/** Redirects followed in a row before the last answer is taken as it is. */
export const MAX_REDIRECTS = 5;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Whether `to` is within the origin of `from` (see the module comment). */
export function withinOrigin(from: URL, to: URL): boolean {
  if (from.protocol === to.protocol && from.hostname === to.hostname && from.port === to.port) return true;
  return from.hostname === to.hostname && from.protocol === 'http:' && to.protocol === 'https:' && from.port === '' && to.port === '';
}

/**
 * Where to send `method` again after an answer with `status` and `location` to a request for `from`; undefined when
 * the answer is to be taken as it is.
 */
export function redirectTarget(from: URL, method: string, status: number, location: string | null): URL | undefined {
  if (!REDIRECTS.has(status) || !location) return undefined;
  if (method !== 'GET' && status !== 307 && status !== 308) return undefined;
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    return undefined;
  }
  const addsUserinfo = (to.username !== '' || to.password !== '') && (to.username !== from.username || to.password !== from.password);
  return addsUserinfo || !withinOrigin(from, to) ? undefined : to;
}
