/**
 * The OAuth error codes the bridge decides on, as a closed set of constants, and the two helpers every grant
 * shares to read them from oauth4webapi's errors: {@link oauthErrorCode} (for decisions) and
 * {@link describeOAuthError} (for messages). Decisions compare a code with {@link OAuthError}; they never read an
 * error's message text.
 */

/**
 * OAuth error codes the bridge acts on: RFC 6749 §5.2 (token endpoint), RFC 6750 §3.1 (resource server), RFC 8628
 * §3.5 (device polling), RFC 8707 §2 (`invalid_target`), RFC 7591 §3.2.2 (registration).
 */
export const OAuthError = {
  InvalidRequest: 'invalid_request',
  InvalidClient: 'invalid_client',
  InvalidGrant: 'invalid_grant',
  UnauthorizedClient: 'unauthorized_client',
  UnsupportedGrantType: 'unsupported_grant_type',
  InvalidScope: 'invalid_scope',
  InvalidTarget: 'invalid_target',
  AccessDenied: 'access_denied',
  InvalidToken: 'invalid_token',
  InsufficientScope: 'insufficient_scope',
  AuthorizationPending: 'authorization_pending',
  SlowDown: 'slow_down',
  ExpiredToken: 'expired_token',
  InvalidClientMetadata: 'invalid_client_metadata',
  InvalidRedirectUri: 'invalid_redirect_uri',
} as const;

/** One of the {@link OAuthError} codes. */
export type OAuthErrorCode = (typeof OAuthError)[keyof typeof OAuthError];

const KNOWN: ReadonlySet<string> = new Set(Object.values(OAuthError));

/** Whether `code` is one of the {@link OAuthError} codes (a server may send others; they decide nothing). */
export function isOAuthErrorCode(code: unknown): code is OAuthErrorCode {
  return typeof code === 'string' && KNOWN.has(code);
}

/**
 * The OAuth error of a token endpoint answer that came with a `WWW-Authenticate` challenge (oauth4webapi's
 * `WWWAuthenticateChallengeError`): RFC 6749 §5.2 lets a server answer a failed client authentication with 401 and a
 * challenge; its `error` parameter, or `invalid_client` for a bare 401 challenge.
 */
function challengeError(error: unknown): { error: string; description?: string } | undefined {
  const e = error as { code?: unknown; cause?: unknown; status?: unknown };
  if (e?.code !== 'OAUTH_WWW_AUTHENTICATE_CHALLENGE' || !Array.isArray(e.cause)) return undefined;
  for (const challenge of e.cause as { parameters?: Record<string, unknown> }[]) {
    const p = challenge?.parameters ?? {};
    if (typeof p.error === 'string') return { error: p.error, ...(typeof p.error_description === 'string' ? { description: p.error_description } : {}) };
  }
  return e.status === 401 ? { error: OAuthError.InvalidClient } : undefined;
}

/** A one-line description of an oauth4webapi error: the OAuth `error` code when there is one. Never a secret. */
export function describeOAuthError(error: unknown): string {
  const e = error as { error?: unknown; error_description?: unknown; status?: unknown; message?: string; code?: string };
  if (typeof e?.error === 'string') {
    return `${e.error}${typeof e.error_description === 'string' ? ` (${e.error_description.slice(0, 200)})` : ''}`;
  }
  const challenged = challengeError(error);
  if (challenged) return `${challenged.error}${challenged.description ? ` (${challenged.description.slice(0, 200)})` : ''}`;
  return e?.message ?? String(error);
}

/**
 * The OAuth `error` code of an oauth4webapi error (in its body or its `WWW-Authenticate`), when it is one of the
 * {@link OAuthError} codes; undefined otherwise (an unknown code is shown by {@link describeOAuthError}, never acted on).
 */
export function oauthErrorCode(error: unknown): OAuthErrorCode | undefined {
  const code = (error as { error?: unknown })?.error;
  const found = typeof code === 'string' ? code : challengeError(error)?.error;
  return isOAuthErrorCode(found) ? found : undefined;
}
