/**
 * Resource-server side of OAuth for the protected MCP fixture: JWT access-token validation (RFC 9068, with `jose`)
 * and the `WWW-Authenticate: Bearer` challenges of RFC 6750 §3, with RFC 9728's `resource_metadata` parameter as
 * the MCP authorization spec asks.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';

/** A validated access token (never holds the token itself). */
export interface ValidToken {
  sub: string;
  clientId?: string;
  scopes: string[];
  /** `exp`, seconds since the epoch. */
  expiresAt: number;
  audience: string[];
}

/** Why a presented token was refused. */
export interface TokenRefusal {
  /** jose's error code, e.g. `ERR_JWT_EXPIRED`, `ERR_JWT_CLAIM_VALIDATION_FAILED`, `ERR_JWS_INVALID`. */
  code: string;
  /** A short human description (e.g. `"aud" claim check failed`). */
  description: string;
}

/** Validates JWT access tokens from one issuer for one audience. */
export interface TokenValidator {
  validate(token: string): Promise<{ ok: true; token: ValidToken } | { ok: false; refusal: TokenRefusal }>;
}

/**
 * A validator checking signature (keys from `jwksUri`), `iss` = `issuer`, `aud` ∋ `audience`, `typ` = `at+jwt`,
 * and expiry (no clock tolerance).
 */
export function createTokenValidator(options: { issuer: string; jwksUri: string; audience: string }): TokenValidator {
  const keys = createRemoteJWKSet(new URL(options.jwksUri));
  return {
    async validate(token) {
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience: options.audience,
          typ: 'at+jwt',
        });
        if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') {
          return { ok: false, refusal: { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', description: 'sub and exp are required' } };
        }
        const audience = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
        const valid: ValidToken = {
          sub: payload.sub,
          scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
          expiresAt: payload.exp,
          audience,
        };
        if (typeof payload.client_id === 'string') valid.clientId = payload.client_id;
        return { ok: true, token: valid };
      } catch (error) {
        if (error instanceof joseErrors.JOSEError) {
          return { ok: false, refusal: { code: error.code, description: error.message } };
        }
        throw error;
      }
    },
  };
}

/** The parameters of one `Bearer` challenge. */
export interface BearerChallenge {
  /** `invalid_request`, `invalid_token` or `insufficient_scope` (RFC 6750 §3.1); absent when no token was sent. */
  error?: string;
  errorDescription?: string;
  /** Space-separated scopes needed. */
  scope?: string;
  /** RFC 9728 §5.1: where the protected resource metadata is. */
  resourceMetadata?: string;
}

/** Formats a `WWW-Authenticate` value: `Bearer` alone, or `Bearer k="v", …` in a fixed, readable order. */
export function formatBearerChallenge(challenge: BearerChallenge): string {
  const parameters: [string, string | undefined][] = [
    ['error', challenge.error],
    ['error_description', challenge.errorDescription],
    ['scope', challenge.scope],
    ['resource_metadata', challenge.resourceMetadata],
  ];
  // RFC 6750 §3: values are quoted strings without `"` or `\` (error_description: NQSCHAR only), so no escaping.
  const present = parameters
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([name, value]) => `${name}="${value.replace(/"/g, "'").replace(/\\/g, '')}"`);
  return present.length === 0 ? 'Bearer' : `Bearer ${present.join(', ')}`;
}

/** The token of an `Authorization: Bearer <token>` header; undefined when absent or of another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header ?? '');
  return match?.[1];
}
