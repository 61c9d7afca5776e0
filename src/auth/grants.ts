/**
 * The grants the bridge logs in with, as one small table of what each one is: whether a user takes part (and so
 * whether a login may be refused for a while, login-guard.ts), whether it needs a browser redirect (a callback, PKCE),
 * whether it gets refresh tokens, and how its tokens are obtained (the module that runs it). The Authorizer and
 * `doctor` read this table instead of branching on grant names.
 */
import type { LoginGrant } from '../store/index.js';

/** How a grant's tokens are obtained: the module that runs it. */
export type ObtainBy = 'browser-login' | 'device-login' | 'client-credentials' | 'cross-app-access' | 'workload-identity';

/** What one grant is; see the module comment. */
export interface GrantTraits {
  /** A user logs in (browser or another device); false for a machine's grant, which is simply repeated. */
  user: boolean;
  /** It redirects a browser to a loopback callback (and so needs PKCE S256 and an authorization endpoint). */
  browser: boolean;
  /** The authorization server may issue a refresh token for it. */
  refreshable: boolean;
  obtainBy: ObtainBy;
  /** It runs as a pre-registered client only (`--client-id` required). */
  needsClientId: boolean;
  /** The option that chooses it, for messages. */
  option: string;
}

/** Every grant's traits. */
export const GRANTS: Readonly<Record<LoginGrant, GrantTraits>> = {
  authorization_code: { user: true, browser: true, refreshable: true, obtainBy: 'browser-login', needsClientId: false, option: 'the browser login (default)' },
  device_code: { user: true, browser: false, refreshable: true, obtainBy: 'device-login', needsClientId: false, option: '--device-code' },
  client_credentials: { user: false, browser: false, refreshable: false, obtainBy: 'client-credentials', needsClientId: true, option: '--client-credentials' },
  jwt_bearer: { user: false, browser: false, refreshable: false, obtainBy: 'cross-app-access', needsClientId: true, option: 'cross-app access (--idp-issuer)' },
  workload_identity: { user: false, browser: false, refreshable: false, obtainBy: 'workload-identity', needsClientId: false, option: 'workload identity (--workload-token-file)' },
};

/** Whether a grant gets tokens without a user (and so is simply repeated instead of refreshed). */
export function isMachineGrant(grant: LoginGrant): boolean {
  return !GRANTS[grant].user;
}

/** The scopes of issuer mode when nothing else names any: who the user is. */
const DEFAULT_ISSUER_SCOPES = ['openid', 'profile', 'email'];

/** Options for {@link chooseScopes}. */
export interface ScopeChoice {
  grant: LoginGrant;
  /** `--scopes`. */
  explicit: string[] | undefined;
  /** The scope of the server's challenge. */
  challenged: string | undefined;
  /** The protected-resource metadata's `scopes_supported`. */
  advertised: string[] | undefined;
  /** The authorization server's `scopes_supported`. */
  offered: string[] | undefined;
  /** Issuer mode (`--issuer`). */
  issuerMode: boolean;
  /** A step-up's union of scopes, which wins. */
  union?: string[] | undefined;
}

/** The scopes to ask for: a step-up's union, else explicit, else challenged, else advertised; plus offline_access when offered. */
export function chooseScopes(o: ScopeChoice): string[] {
  let scopes = o.union ?? o.explicit ?? o.challenged?.split(' ').filter(Boolean) ?? o.advertised;
  // A machine has no user to identify (openid …) and gets no refresh token (offline_access).
  if (isMachineGrant(o.grant)) return scopes ?? [];
  if (!scopes || scopes.length === 0) scopes = o.issuerMode ? DEFAULT_ISSUER_SCOPES : [];
  const supported = o.offered ?? [];
  if (supported.includes('offline_access') && !scopes.includes('offline_access')) scopes = [...scopes, 'offline_access'];
  return scopes;
}
