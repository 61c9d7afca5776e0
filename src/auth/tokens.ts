/**
 * Token lifetimes on an injected clock: the absolute `expiresAt` of a token response, and when to refresh —
 * proactively once less than min(5 min, 10 % of the token's lifetime) remains, so that even a token that lives
 * seconds is refreshed once per lifetime, never once per request.
 */
import type { TokenEndpointResponse } from 'oauth4webapi';
import type { LoginMetadata, LoginSecrets } from '../store/index.js';

/** Longest head start for a proactive refresh. */
const MAX_MARGIN_MS = 5 * 60_000;
/** A token this close to expiry is treated as expired (clock skew), capped at a tenth of its lifetime. */
const SKEW_MS = 5_000;

function lifetimeOf(meta: Pick<LoginMetadata, 'expiresAt' | 'obtainedAt'>): number {
  return Math.max(0, (meta.expiresAt ?? 0) - meta.obtainedAt);
}

/** When a token response expires, as epoch ms, or undefined when the server gave no `expires_in`. */
export function expiresAtOf(response: Pick<TokenEndpointResponse, 'expires_in'>, now: number): number | undefined {
  const s = response.expires_in;
  return typeof s === 'number' && Number.isFinite(s) && s > 0 ? now + s * 1000 : undefined;
}

/**
 * When the response's refresh token expires (epoch ms), from `refresh_expires_in` or `refresh_token_expires_in`
 * (not in RFC 6749; sent by several providers), or undefined.
 */
export function refreshExpiresAtOf(response: Record<string, unknown>, now: number): number | undefined {
  if (typeof response.refresh_token !== 'string') return undefined;
  const s = response.refresh_expires_in ?? response.refresh_token_expires_in;
  return typeof s === 'number' && Number.isFinite(s) && s > 0 ? now + s * 1000 : undefined;
}

/** Whether a stored login should be refreshed now (it has a refresh token and is near its end). */
export function shouldRefresh(meta: Pick<LoginMetadata, 'expiresAt' | 'obtainedAt'>, now: number): boolean {
  if (meta.expiresAt === undefined) return false;
  const margin = Math.min(MAX_MARGIN_MS, lifetimeOf(meta) / 10);
  return meta.expiresAt - now <= margin;
}

/** Whether the access token can no longer be used. */
export function isExpired(meta: Pick<LoginMetadata, 'expiresAt' | 'obtainedAt'>, now: number): boolean {
  if (meta.expiresAt === undefined) return false;
  return meta.expiresAt - now <= Math.min(SKEW_MS, lifetimeOf(meta) / 20);
}

/**
 * The secrets of a token response, keeping the old refresh token when a refresh returned none (RFC 6749 §6), and
 * the DPoP key the tokens are bound to: `dpopKey` for a new login, else the refreshed login's.
 */
export function secretsOf(response: TokenEndpointResponse, previous?: LoginSecrets, dpopKey?: string): LoginSecrets {
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  const idToken = response.id_token ?? previous?.idToken;
  const key = dpopKey ?? previous?.dpopKey;
  return {
    accessToken: response.access_token,
    ...(refreshToken ? { refreshToken } : {}),
    ...(idToken ? { idToken } : {}),
    ...(key ? { dpopKey: key } : {}),
  };
}

/** Granted scopes: the response's `scope`, else what was asked for (RFC 6749 §5.1). */
export function grantedScopes(response: Pick<TokenEndpointResponse, 'scope'>, requested: string[]): string[] {
  return typeof response.scope === 'string' ? response.scope.split(' ').filter(Boolean) : requested;
}
