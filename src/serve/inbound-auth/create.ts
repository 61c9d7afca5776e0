/**
 * `createInboundAuth`: the configured inbound auth methods combined into one {@link InboundAuthenticator}. The order
 * is fixed: the trusted header from a listed peer wins; else the bearer token, matched against the static tokens,
 * then (when configured) validated as a JWT access token; no credentials at all get a 401 whose challenge leads
 * spec-following clients to serve's protected-resource metadata (RFC 9728 §5.1) when JWTs are accepted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { BridgeError, ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import { presentedCredential } from './bearer.js';
import type { InboundAuthConfig } from './config.js';
import { JwtAccessTokens } from './jwt-access-tokens.js';
import { PeerListError, PeerMatcher } from './peers.js';
import { insufficientScope, invalidToken, missingCredentials, validationUnavailable, type ChallengeContext } from './refusals.js';
import { ResourceMetadataDocument } from './resource-metadata.js';
import { StaticTokens } from './static-tokens.js';
import { TrustedHeader } from './trusted-header.js';
import type { BrowserSignInMethods, InboundAuthenticator, InboundOutcome } from './types.js';

/** What {@link createInboundAuth} needs from the world. */
export interface InboundAuthContext {
  logger: Logger;
  /** serve's public URL (`--public-url`); its `/mcp` is the resource tokens are for. */
  publicUrl: string | URL;
  /** For the issuer's metadata and keys; default the built-in fetch. */
  fetch?: FetchLike | undefined;
  /** The clock, ms since the epoch; default `Date.now`. */
  now?: (() => number) | undefined;
}

/** The resource serve's `/mcp` is, for a public URL (`https://team.example.com/` → `https://team.example.com/mcp`). */
export function mcpResourceOf(publicUrl: string | URL): string {
  const base = new URL(publicUrl);
  base.search = '';
  base.hash = '';
  return new URL('mcp', base.href.endsWith('/') ? base.href : `${base.href}/`).href;
}

/**
 * Builds the authenticator for `config`; `required` is false when no method is configured.
 * @throws BridgeError `CONFIG` for a trusted-header peer or trusted proxy that is not an address or CIDR range
 */
export function createInboundAuth(config: InboundAuthConfig, ctx: InboundAuthContext): InboundAuthenticator {
  const { logger } = ctx;
  const tokens = new StaticTokens(config.tokens ?? []);
  for (const t of config.tokens ?? []) logger.secret(t.token);
  const header = config.trustedHeader === undefined ? undefined : new TrustedHeader({ name: config.trustedHeader.name, peers: peersOf(config.trustedHeader.peers, 'trusted header peers'), logger, now: ctx.now });
  // Whose X-Forwarded-For names a browser's address: the trusted header's proxies, and the balancers listed as such.
  if (config.trustedProxies !== undefined) peersOf(config.trustedProxies, 'trusted proxies');
  const forwarding = [...(config.trustedHeader?.peers ?? []), ...(config.trustedProxies ?? [])];
  const proxies = forwarding.length === 0 ? undefined : peersOf(forwarding, 'trusted proxies');
  const resource = mcpResourceOf(ctx.publicUrl);
  let jwt: JwtAccessTokens | undefined;
  let metadata: ResourceMetadataDocument | undefined;
  if (config.jwt !== undefined) {
    jwt = new JwtAccessTokens({ config: config.jwt, audience: config.jwt.audience ?? resource, logger, fetch: ctx.fetch, now: ctx.now });
    metadata = new ResourceMetadataDocument({ resource, issuer: config.jwt.issuer, scopes: config.jwt.requiredScopes ?? [] });
    jwt.warmUp();
  }
  const challenge: ChallengeContext = { resourceMetadataUrl: metadata?.url };
  const required = tokens.size > 0 || jwt !== undefined || header !== undefined;

  async function authenticate(req: IncomingMessage): Promise<InboundOutcome> {
    const outcome = await decide(req);
    if (!outcome.ok && logger.enabled('debug')) {
      logger.debug(`inbound auth: refused a request from ${req.socket.remoteAddress ?? 'an unknown peer'}: ${outcome.status} ${outcome.body.error} (${outcome.body.error_description})`);
    }
    return outcome;
  }

  async function decide(req: IncomingMessage): Promise<InboundOutcome> {
    if (!required) return { ok: true, identity: { user: 'local', method: 'none' } };
    const byHeader = header?.identify(req);
    if (byHeader?.kind === 'user') return { ok: true, identity: { user: byHeader.user, method: 'header' } };
    const presented = presentedCredential(req);
    if (presented.kind === 'none') return { ok: false, ...missingCredentials(challenge) };
    if (presented.kind === 'malformed') return { ok: false, ...invalidToken(challenge, 'the Authorization header is not "Bearer <token>"') };
    const user = tokens.userOf(presented.token);
    if (user !== undefined) return { ok: true, identity: { user, method: 'token' } };
    if (jwt === undefined) return { ok: false, ...invalidToken(challenge, 'the token is not one this server accepts') };
    const outcome = await jwt.check(presented.token);
    if (outcome.ok) return { ok: true, identity: { user: outcome.user, method: 'jwt', scopes: outcome.scopes } };
    if (outcome.kind === 'scope') return { ok: false, ...insufficientScope(challenge, outcome.required) };
    if (outcome.kind === 'unavailable') return { ok: false, ...validationUnavailable(challenge, outcome.retryAfterSeconds) };
    return { ok: false, ...invalidToken(challenge, outcome.description) };
  }

  const signIn: BrowserSignInMethods = {
    ...(tokens.size > 0 ? { tokenUser: (token: string) => tokens.userOf(token), tokenHolders: new Set((config.tokens ?? []).map((t) => t.user)) } : {}),
    ...(config.jwt?.browserClientId !== undefined
      ? {
          oidc: {
            issuer: config.jwt.issuer,
            clientId: config.jwt.browserClientId,
            ...(config.jwt.browserClientSecret !== undefined ? { clientSecret: config.jwt.browserClientSecret } : {}),
            userClaim: config.jwt.userClaim ?? 'sub',
            allowHttp: config.jwt.allowHttp === true,
          },
        }
      : {}),
    ...(proxies ? { proxies } : {}),
  };
  if (config.jwt?.browserClientSecret !== undefined) logger.secret(config.jwt.browserClientSecret);

  return {
    required,
    signIn,
    authenticate,
    route: (req: IncomingMessage, res: ServerResponse, path: string) => metadata?.route(req, res, path) ?? false,
  };
}

function peersOf(entries: readonly string[], what: 'trusted header peers' | 'trusted proxies'): PeerMatcher {
  try {
    return new PeerMatcher(entries);
  } catch (error) {
    if (!(error instanceof PeerListError)) throw error;
    throw new BridgeError(ErrorCode.Config, `${what}: ${error.message}`, {
      hint: `list addresses (127.0.0.1, ::1) or CIDR ranges (10.0.0.0/8, fd00::/8) of the proxies that ${what === 'trusted proxies' ? 'forward to serve' : 'set the header'}`,
      cause: error,
    });
  }
}
