/**
 * The answers to a request whose credentials are missing or wrong (RFC 6750 §3), each with its `WWW-Authenticate`
 * challenge: `resource_metadata` pointing at serve's protected-resource metadata when it publishes one (RFC 9728
 * §5.1), so that spec-following clients find the issuer and log in; `error`, `error_description` and `scope` as
 * RFC 6750 §3.1 says. Descriptions are fixed text of ours: never the token, never a claim's value.
 */
import type { InboundRefusal } from './types.js';

/** What every refusal needs to know about the server. */
export interface ChallengeContext {
  /** The URL of serve's protected-resource metadata, when it publishes one (JWT configured). */
  resourceMetadataUrl?: string | undefined;
}

/** A request without credentials: 401 with the bare challenge (RFC 6750 §3.1: no error code then). */
export function missingCredentials(ctx: ChallengeContext): InboundRefusal {
  return refusal(401, ctx, { error: 'invalid_request', description: 'this server needs credentials: send "Authorization: Bearer <token>"', inChallenge: false });
}

/** A token that is not valid (unknown, expired, for another audience, badly signed, or without a user): 401. */
export function invalidToken(ctx: ChallengeContext, description: string): InboundRefusal {
  return refusal(401, ctx, { error: 'invalid_token', description, inChallenge: true });
}

/** A valid token without the scopes this server requires: 403 with the scopes needed (RFC 6750 §3.1). */
export function insufficientScope(ctx: ChallengeContext, required: readonly string[]): InboundRefusal {
  const description = `the token lacks a scope this server requires (it requires: ${required.join(' ')})`;
  return refusal(403, ctx, { error: 'insufficient_scope', description, inChallenge: true, scope: required.join(' ') });
}

/** Tokens cannot be checked now (the issuer's metadata or keys cannot be read): 503, to retry later. */
export function validationUnavailable(ctx: ChallengeContext, retryAfterSeconds: number): InboundRefusal {
  const answer = refusal(503, ctx, { error: 'temporarily_unavailable', description: 'tokens cannot be checked now: the issuer cannot be reached; retry later', inChallenge: false });
  answer.headers['retry-after'] = String(retryAfterSeconds);
  return answer;
}

function refusal(
  status: InboundRefusal['status'],
  ctx: ChallengeContext,
  o: { error: string; description: string; inChallenge: boolean; scope?: string },
): InboundRefusal {
  const params: string[] = [];
  if (ctx.resourceMetadataUrl !== undefined) params.push(`resource_metadata=${quoted(ctx.resourceMetadataUrl)}`);
  if (o.inChallenge) params.push(`error=${quoted(o.error)}`, `error_description=${quoted(o.description)}`);
  if (o.scope !== undefined) params.push(`scope=${quoted(o.scope)}`);
  const challenge = params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
  return {
    status,
    headers: { 'www-authenticate': challenge, 'cache-control': 'no-store', 'content-type': 'application/json' },
    body: { error: o.error, error_description: o.description },
  };
}

/** An RFC 9110 §5.6.4 quoted-string. */
function quoted(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
