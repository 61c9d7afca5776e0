/**
 * When the bridge asks for DPoP-bound tokens (RFC 9449), from `--dpop`:
 *
 * - `auto` (default): when the server's 401 challenged with the `DPoP` scheme (RFC 9449 §7.1) and its authorization
 *   server lists ES256 in `dpop_signing_alg_values_supported` (RFC 9449 §5.1). A server that challenges with Bearer
 *   only gets Bearer tokens, even from an authorization server that could bind them: it might not accept DPoP.
 * - `required`: always; an authorization server that does not list ES256, or that answers with a Bearer token, is an
 *   error.
 * - `off`: never.
 *
 * And what a token response must say when a proof went with the request (`token_type` DPoP, RFC 9449 §5).
 */
import type { AuthorizationServer } from 'oauth4webapi';
import { BridgeError, ErrorCode } from '../../errors.js';
import { DPOP_ALG } from './key.js';

/** The `--dpop` choices. */
export type DPoPMode = 'auto' | 'required' | 'off';

/** Every {@link DPoPMode}, for validation and help. */
export const DPOP_MODES: readonly DPoPMode[] = ['auto', 'required', 'off'];

/** Options for {@link wantsDPoP}. */
export interface DPoPChoice {
  mode: DPoPMode;
  as: AuthorizationServer;
  /** Whether the server's 401 offered the DPoP scheme. */
  challenged: boolean;
}

/**
 * Whether to bind the next login's tokens to a key.
 * @throws BridgeError `AUTH` in `required` mode when the authorization server cannot bind them with ES256
 */
export function wantsDPoP(o: DPoPChoice): boolean {
  if (o.mode === 'off') return false;
  const algs = o.as.dpop_signing_alg_values_supported;
  const supported = Array.isArray(algs) && algs.includes(DPOP_ALG);
  if (o.mode === 'required' && !supported) {
    throw new BridgeError(ErrorCode.Auth, `the authorization server ${o.as.issuer} does not offer DPoP with ${DPOP_ALG} (dpop_signing_alg_values_supported: ${Array.isArray(algs) ? algs.join(' ') || 'empty' : 'absent'})`, {
      hint: 'drop --dpop required to use Bearer tokens, or ask the server operator to enable DPoP',
    });
  }
  return supported && (o.mode === 'required' || o.challenged);
}

/**
 * Whether the tokens are bound: `token_type` DPoP. A Bearer answer to a proof is accepted in `auto` mode (the
 * tokens are then used as Bearer tokens) and refused in `required` mode.
 * @throws BridgeError `AUTH` in `required` mode for a token that is not DPoP-bound
 */
export function isBound(tokens: { token_type: string }, mode: DPoPMode, issuer: string): boolean {
  const bound = String(tokens.token_type).toLowerCase() === 'dpop';
  if (!bound && mode === 'required') {
    throw new BridgeError(ErrorCode.Auth, `the authorization server ${issuer} answered the DPoP proof with a ${String(tokens.token_type)} token, not a DPoP-bound one`, {
      hint: 'drop --dpop required to accept Bearer tokens, or ask the server operator to enable DPoP for this client',
    });
  }
  return bound;
}
