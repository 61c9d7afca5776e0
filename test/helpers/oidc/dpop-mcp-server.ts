/**
 * A real MCP server that accepts only DPoP-bound JWT access tokens (RFC 9449 §7) from the provider fixture, as a
 * resource server must check them: `Authorization: DPoP <token>`, and a proof (jose) with `typ` dpop+jwt, an
 * asymmetric `alg`, a public `jwk`, a valid signature, `htm` = the method, `htu` = the endpoint (no query or
 * fragment), a fresh `iat`, a `jti` never seen before, `ath` = the token's SHA-256, the key's thumbprint = the token's
 * `cnf.jkt`; optionally the server's current nonce (§9, `use_dpop_nonce`), which it can rotate. Unauthenticated
 * requests get `WWW-Authenticate: DPoP algs="ES256", resource_metadata="…"`; it serves RFC 9728 metadata with
 * `dpop_bound_access_tokens_required`. Every request is recorded (never a token or proof).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { calculateJwkThumbprint, createRemoteJWKSet, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { closeAfterTest } from '../cleanup.js';
import { startStreamableServer } from '../streamable-server.js';
import { createProtectedMcpServer } from './protected-tools.js';

/** Options for {@link startDPoPMcpServer}. */
export interface DPoPMcpServerOptions {
  /** The issuer whose tokens are accepted, e.g. `provider.issuer`. */
  issuer: string;
  /** Require the server's nonce in every proof. Default false. */
  nonce?: boolean;
}

/** One request the fixture received (never the token or the proof). */
export interface DPoPRequest {
  method: string;
  /** `dpop`, `bearer`, or `none`. */
  scheme: string;
  /** Whether a DPoP header came with it. */
  proof: boolean;
  /** `ok`, or why it was refused. */
  outcome: string;
  /** The proof's `jti` and `nonce`, when it had them. */
  jti?: string;
  nonce?: string;
  /** The key thumbprint, when the proof verified. */
  jkt?: string;
}

/** A running DPoP-protected MCP server. */
export interface DPoPMcpServer {
  url: string;
  resourceMetadataUrl: string;
  requests: DPoPRequest[];
  /** The nonce proofs must carry now (with `nonce`). */
  readonly currentNonce: string;
  /** Issues a new nonce: the next request with the old one gets `use_dpop_nonce`. */
  rotateNonce(): void;
  close(): Promise<void>;
}

const PROOF_ALGS = ['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA'];

/** Starts it on 127.0.0.1; see the module comment. */
export async function startDPoPMcpServer(options: DPoPMcpServerOptions): Promise<DPoPMcpServer> {
  const keys = createRemoteJWKSet(new URL(`${options.issuer}/jwks`));
  const requests: DPoPRequest[] = [];
  const seen = new Set<string>();
  let nonce = randomUUID();
  let url = '';
  let metadataUrl = '';

  const refuse = (res: ServerResponse, entry: DPoPRequest, error: string | undefined, description: string) => {
    entry.outcome = error ?? 'no token';
    const parameters = [...(error ? [`error="${error}"`, `error_description="${description}"`] : []), 'algs="ES256"', `resource_metadata="${metadataUrl}"`];
    res.writeHead(401, {
      'content-type': 'application/json',
      'www-authenticate': `DPoP ${parameters.join(', ')}`,
      ...(options.nonce ? { 'dpop-nonce': nonce } : {}),
    });
    res.end(JSON.stringify({ error: error ?? 'unauthorized', error_description: description }));
  };

  const admit = async (req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse): Promise<boolean> => {
    const header = req.headers.authorization ?? '';
    const [scheme = '', token = ''] = header.split(/ +/, 2);
    const proofHeader = req.headers.dpop;
    const entry: DPoPRequest = { method: req.method ?? 'GET', scheme: header ? scheme.toLowerCase() : 'none', proof: proofHeader !== undefined, outcome: 'ok' };
    requests.push(entry);
    if (!header) return (refuse(res, entry, undefined, 'access token required'), false);
    if (entry.scheme !== 'dpop' || !token) return (refuse(res, entry, 'invalid_token', 'a DPoP-bound token needs the DPoP scheme'), false);
    if (typeof proofHeader !== 'string' || proofHeader.includes(',')) return (refuse(res, entry, 'invalid_dpop_proof', 'one DPoP proof required'), false);
    let claims: Record<string, unknown>;
    let jwk: JWK;
    try {
      const protectedHeader = decodeProtectedHeader(proofHeader);
      if (protectedHeader.typ !== 'dpop+jwt') throw new Error('typ must be dpop+jwt');
      if (!protectedHeader.alg || !PROOF_ALGS.includes(protectedHeader.alg)) throw new Error('unsupported alg');
      jwk = protectedHeader.jwk as JWK;
      if (!jwk || jwk.d !== undefined) throw new Error('jwk must be a public key');
      claims = (await jwtVerify(proofHeader, await importJWK(jwk, protectedHeader.alg), { algorithms: PROOF_ALGS })).payload;
    } catch (error) {
      return (refuse(res, entry, 'invalid_dpop_proof', (error as Error).message), false);
    }
    entry.jti = typeof claims.jti === 'string' ? claims.jti : undefined;
    entry.nonce = typeof claims.nonce === 'string' ? claims.nonce : undefined;
    const problem =
      !entry.jti ? 'jti missing'
      : seen.has(entry.jti) ? 'jti replayed'
      : claims.htm !== req.method ? 'htm mismatch'
      : claims.htu !== url ? `htu mismatch (${String(claims.htu)})`
      : typeof claims.iat !== 'number' || Math.abs(Date.now() / 1000 - claims.iat) > 60 ? 'iat not fresh'
      : claims.ath !== createHash('sha256').update(token).digest('base64url') ? 'ath mismatch'
      : undefined;
    if (problem) return (refuse(res, entry, 'invalid_dpop_proof', problem), false);
    seen.add(entry.jti!);
    if (options.nonce && entry.nonce !== nonce) return (refuse(res, entry, 'use_dpop_nonce', 'use the server nonce'), false);
    entry.jkt = await calculateJwkThumbprint(jwk);
    let payload: Record<string, unknown>;
    try {
      payload = (await jwtVerify(token, keys, { issuer: options.issuer, audience: url, typ: 'at+jwt' })).payload;
    } catch (error) {
      return (refuse(res, entry, 'invalid_token', (error as Error).message), false);
    }
    if ((payload.cnf as { jkt?: unknown } | undefined)?.jkt !== entry.jkt) return (refuse(res, entry, 'invalid_token', 'the proof key is not the token key'), false);
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    req.auth = { token, clientId: String(payload.client_id ?? ''), scopes, expiresAt: Number(payload.exp), extra: { sub: payload.sub } };
    return true;
  };

  const mcp = await startStreamableServer({
    path: '/mcp',
    createServer: createProtectedMcpServer,
    layer: {
      route(req, res, pathname) {
        if (pathname !== '/.well-known/oauth-protected-resource/mcp' || req.method !== 'GET') return false;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ resource: url, authorization_servers: [options.issuer], scopes_supported: ['mcp:read'], dpop_bound_access_tokens_required: true, dpop_signing_alg_values_supported: ['ES256'] }));
        return true;
      },
      admit,
    },
  });
  url = mcp.url;
  metadataUrl = `${new URL(url).origin}/.well-known/oauth-protected-resource/mcp`;
  return {
    url,
    resourceMetadataUrl: metadataUrl,
    requests,
    get currentNonce() {
      return nonce;
    },
    rotateNonce() {
      nonce = randomUUID();
    },
    close: closeAfterTest(() => mcp.close()),
  };
}
