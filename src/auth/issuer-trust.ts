/**
 * Which authorization server a login's credentials may go to. A stored login (its refresh token) belongs to the
 * issuer it was made with; a pre-registered client (`--client-id`, its secret or key) belongs to the issuer the user
 * named with `--issuer`, or else to the issuer its first login was made with (trust on first use: the server's
 * protected-resource metadata named it, RFC 9728 §7.6). When the server later names another authorization server,
 * nothing of the old one is sent to the new one: a dynamically registered client simply logs in anew there (it
 * registers itself), a pre-registered client stops with {@link serverMovedError}, and the old login stays stored.
 */
import { BridgeError, ErrorCode } from '../errors.js';

/** Whether two issuer identifiers are the same (compared as URLs, so `https://a/` equals `https://a/`). */
export function sameIssuer(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

/**
 * The authorization server to use among those a server's metadata names (RFC 9728 `authorization_servers`): the one
 * the current login was made with when it is still listed (so its refresh token keeps working), else the first.
 */
export function chooseIssuer(advertised: readonly string[], loginIssuer: string | undefined): string {
  if (loginIssuer) {
    const same = advertised.find((issuer) => sameIssuer(issuer, loginIssuer));
    if (same) return same;
  }
  return advertised[0]!;
}

/** Options for {@link serverMovedError}. */
export interface ServerMovedOptions {
  /** The MCP server's host, for the message. */
  serverLabel: string;
  /** The issuer the login or client belongs to. */
  trusted: string;
  /** The issuer the server names now. */
  now: string;
  /** The pre-registered client id, when it is a pre-registered client that cannot follow. */
  clientId?: string;
}

/**
 * The error for a server that now names another authorization server than the one its login (or pre-registered
 * client) belongs to. Says which issuer it moved to and what to do; the stored login is kept.
 */
export function serverMovedError(o: ServerMovedOptions): BridgeError {
  const what = o.clientId ? `the client ${o.clientId} and its credentials belong to ${o.trusted}` : `the stored login belongs to ${o.trusted}`;
  return new BridgeError(ErrorCode.Auth, `${o.serverLabel} now names the authorization server ${o.now}, not ${o.trusted}: ${what}, so nothing of it is sent to ${o.now}`, {
    hint: o.clientId
      ? `if you trust ${o.now}, pass --issuer ${o.now} with a client registered there (--client-id, and its secret), or log in anew with "mcp-auth-bridge login --force <url>" to use this client there; the login for ${o.trusted} is kept`
      : `log in again (the next request starts a new login at ${o.now}); the login for ${o.trusted} is kept`,
  });
}

/** Options for {@link assertClientBelongs}. */
export interface ClientTrustOptions {
  /** The MCP server's host, for messages. */
  serverLabel: string;
  /** The pre-registered client (`--client-id`). */
  clientId: string;
  /** Whether it has credentials (a secret or a key) that would go to the issuer. */
  hasCredentials: boolean;
  /** The issuer the server names now. */
  issuer: string;
  /** This server's stored logins made with this pre-registered client, newest first (stored-logins.ts). */
  own: readonly { metadata: { issuer: string } }[];
  /** Says, on the first login, which issuer the client's credentials will go to. */
  info: (line: string) => void;
}

/**
 * A pre-registered client (`--client-id`, its secret or key) is used in discovered mode only with the issuer its
 * stored logins for this server were made with; see the module comment. The first login trusts the issuer the
 * server names (and says so).
 * @throws BridgeError `AUTH` ({@link serverMovedError}) when the server now names another issuer
 */
export function assertClientBelongs(o: ClientTrustOptions): void {
  if (o.own.some((l) => sameIssuer(l.metadata.issuer, o.issuer))) return;
  if (o.own.length > 0) throw serverMovedError({ serverLabel: o.serverLabel, trusted: o.own[0]!.metadata.issuer, now: o.issuer, clientId: o.clientId });
  if (o.hasCredentials) {
    o.info(`using the client ${o.clientId} with ${o.issuer}, the authorization server ${o.serverLabel} names; its credentials will go only there (name it yourself with --issuer)`);
  }
}
