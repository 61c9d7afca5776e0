/**
 * Which stored logins serve a bridge: one selection rule for the bridge at start-up (does a login exist? which one
 * to use?), for adopting a login another process stored, for `doctor`'s report, and for which issuer a
 * pre-registered client has been used with (issuer-trust.ts). Selection reads metadata only; the secrets are read
 * for the one login chosen (readNewestLogin, readUsableLogin).
 */
import type { ClientIdSource, CredentialStore, ListedLogin, LoginGrant, LoginMetadata, StoredLogin } from '../store/index.js';
import { isMachineGrant } from './grants.js';
import { assertClientBelongs, sameIssuer } from './issuer-trust.js';
import { isExpired } from './tokens.js';

/** What a stored login must match; every field left out matches anything. */
export interface LoginCriteria {
  /** The MCP server URL (`href`). */
  serverUrl: string;
  /** The bridge's grant: a machine's logins serve only the same grant, a user's any user-login grant. */
  grant?: LoginGrant;
  /** The issuer (compared as URLs). */
  issuer?: string;
  resource?: string;
  clientId?: string;
  clientIdSource?: ClientIdSource;
  /** Obtained after this time (ms). */
  newerThan?: number;
}

/**
 * Whether a stored login may serve a bridge configured for `grant`: a machine's tokens (client credentials,
 * cross-app access) only a bridge configured for the same grant; a user's (browser or device login) any
 * user-login bridge.
 */
export function sameKind(grant: LoginGrant, meta: LoginMetadata): boolean {
  const stored = meta.grant ?? 'authorization_code';
  return isMachineGrant(grant) || isMachineGrant(stored) ? stored === grant : true;
}

/** Whether one stored login matches `c`. */
export function matchesLogin(meta: LoginMetadata, c: LoginCriteria): boolean {
  return (
    meta.serverUrl === c.serverUrl &&
    (c.grant === undefined || sameKind(c.grant, meta)) &&
    (c.issuer === undefined || sameIssuer(meta.issuer, c.issuer)) &&
    (c.resource === undefined || meta.resource === c.resource) &&
    (c.clientId === undefined || meta.clientId === c.clientId) &&
    (c.clientIdSource === undefined || meta.clientIdSource === c.clientIdSource) &&
    (c.newerThan === undefined || meta.obtainedAt > c.newerThan)
  );
}

/** The stored logins that match `c`, newest first. */
export function selectLogins(logins: readonly ListedLogin[], c: LoginCriteria): ListedLogin[] {
  return logins.filter((l) => matchesLogin(l.metadata, c)).sort((a, b) => b.metadata.obtainedAt - a.metadata.obtainedAt);
}

/** What a bridge is configured with, as far as choosing its stored login goes. */
export interface BridgeLoginOptions {
  serverUrl: URL;
  grant: LoginGrant;
  /** `--issuer`. */
  issuer?: string | undefined;
  /** `--client-id`. */
  clientId?: string | undefined;
}

/**
 * The criteria for the login a bridge starts with (and the one `hasStoredLogin` looks for): its server, a login of
 * the same kind, and the issuer and client the options name.
 */
export function bridgeLoginCriteria(o: BridgeLoginOptions): LoginCriteria {
  return {
    serverUrl: o.serverUrl.href,
    grant: o.grant,
    ...(o.issuer ? { issuer: o.issuer } : {}),
    ...(o.clientId ? { clientId: o.clientId } : {}),
  };
}

/**
 * The stored logins that matched some criteria at one moment: key → `obtainedAt` as their writer recorded it. Later
 * logins are told from these by equality alone, so the clocks of different processes or machines are never compared.
 */
export type LoginSnapshot = ReadonlyMap<string, number>;

/** A {@link LoginSnapshot} of the stored logins matching `c` now (metadata only, no secrets read). */
export async function snapshotLogins(store: Pick<CredentialStore, 'list'>, c: LoginCriteria): Promise<LoginSnapshot> {
  const { logins } = await store.list();
  return new Map(selectLogins(logins, c).map((l) => [l.key, l.metadata.obtainedAt]));
}

/** Options for {@link firstUsableLogin}. */
export interface UsableLoginOptions {
  now: number;
  /** The access token the server refused: a login still holding it is no use. */
  rejectedToken: string | undefined;
  /** Scopes the login must have, if any. */
  scopes: string[] | undefined;
  /** Only logins stored since this snapshot: one with the same key and `obtainedAt` as then is skipped. */
  changedSince?: LoginSnapshot | undefined;
}

/**
 * The first of `candidates` (newest first, from {@link selectLogins}) that is not expired, has the scopes, holds
 * another access token than the refused one and (given a snapshot) was stored since, read with its secrets; undefined
 * when none is.
 */
export async function firstUsableLogin(
  store: Pick<CredentialStore, 'getTokens'>,
  candidates: readonly ListedLogin[],
  o: UsableLoginOptions,
): Promise<{ key: string; login: StoredLogin } | undefined> {
  for (const c of candidates) {
    if (isExpired(c.metadata, o.now)) continue;
    if (o.scopes && !o.scopes.every((s) => c.metadata.scopes.includes(s))) continue;
    if (o.changedSince?.get(c.key) === c.metadata.obtainedAt) continue;
    const login = await store.getTokens(c.key);
    if (!login || login.secrets.accessToken === o.rejectedToken) continue;
    return { key: c.key, login };
  }
  return undefined;
}

/** The newest stored login matching `c` ({@link selectLogins}), read with its secrets; undefined when none is. */
export async function readNewestLogin(store: Pick<CredentialStore, 'list' | 'getTokens'>, c: LoginCriteria): Promise<{ key: string; login: StoredLogin } | undefined> {
  const { logins } = await store.list();
  const match = selectLogins(logins, c)[0];
  const login = match && (await store.getTokens(match.key));
  return login ? { key: match.key, login } : undefined;
}

/** The newest usable stored login matching `c` ({@link firstUsableLogin} over {@link selectLogins}). */
export async function readUsableLogin(
  store: Pick<CredentialStore, 'list' | 'getTokens'>,
  c: LoginCriteria,
  o: UsableLoginOptions,
): Promise<{ key: string; login: StoredLogin } | undefined> {
  const { logins } = await store.list();
  return firstUsableLogin(store, selectLogins(logins, c), o);
}

/** Options for {@link assertStoredClientBelongs}. */
export interface StoredClientTrustOptions {
  serverUrl: URL;
  /** The pre-registered client (`--client-id`). */
  clientId: string;
  /** Whether it has credentials (a secret or a key) that would go to the issuer. */
  hasCredentials: boolean;
  /** The issuer the server names now. */
  issuer: string;
  /** Says, on the first login, which issuer the client's credentials will go to. */
  info: (line: string) => void;
}

/**
 * The issuer rule for a pre-registered client (issuer-trust.ts `assertClientBelongs`) over this server's stored
 * logins made with that client, read from `store`.
 * @throws BridgeError `AUTH` when the server now names another issuer than the client's logins were made with
 */
export async function assertStoredClientBelongs(store: CredentialStore, o: StoredClientTrustOptions): Promise<void> {
  const { logins } = await store.list();
  assertClientBelongs({
    serverLabel: o.serverUrl.host,
    clientId: o.clientId,
    hasCredentials: o.hasCredentials,
    issuer: o.issuer,
    own: selectLogins(logins, { serverUrl: o.serverUrl.href, clientIdSource: 'pre-registered', clientId: o.clientId }),
    info: o.info,
  });
}
