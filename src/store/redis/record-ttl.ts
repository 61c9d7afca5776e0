/**
 * How long Redis keeps a record: as long as it can be of use, and no longer. A login with a refresh token lives as
 * long as the refresh token may (its lifetime when the server told it, else the configured maximum); a login with
 * only an access token lives until that token expires (plus a little grace, so a clock a few seconds off does not
 * lose it early); a registration lives until its client secret expires, or for ever.
 */
import type { StoredLogin, StoredRegistration } from '../model/records.js';

/** The default longest life of a record (`--store-max-ttl`): 90 days. */
export const DEFAULT_MAX_TTL_MS = 90 * 24 * 3_600_000;
/** Added to an access token's expiry before its record is dropped. */
const GRACE_MS = 5 * 60_000;

/** What {@link loginTtlMs} needs besides the login. */
export interface TtlPolicy {
  /** Longest life of a record, in ms. */
  maxMs: number;
  now: number;
}

/** The TTL of a login's record in ms (always > 0). */
export function loginTtlMs(login: StoredLogin, p: TtlPolicy): number {
  const { maxMs, now } = p;
  if (login.secrets.refreshToken !== undefined) {
    const until = login.metadata.refreshExpiresAt;
    return until !== undefined ? clamp(until - now + GRACE_MS, maxMs) : maxMs;
  }
  return login.metadata.expiresAt !== undefined ? clamp(login.metadata.expiresAt - now + GRACE_MS, maxMs) : maxMs;
}

/** The TTL of a registration's record in ms, or 0 for none. */
export function registrationTtlMs(registration: StoredRegistration, now: number): number {
  const expires = registration.metadata.clientSecretExpiresAt;
  return expires !== undefined ? Math.max(1_000, expires - now) : 0;
}

function clamp(ms: number, maxMs: number): number {
  return Math.max(1_000, Math.min(Math.round(ms), maxMs));
}
