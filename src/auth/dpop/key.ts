/**
 * The key a login's tokens are bound to (RFC 9449 DPoP): one ES256 (P-256) key pair per login, made when the login
 * is, stored with its tokens as a private JWK (a secret: keychain or 0600 file, like the tokens) so that refreshes
 * and later runs prove possession of the same key. Only the public half ever leaves the process (in each proof's
 * `jwk` header). oauth4webapi signs the proofs; this module only makes, saves and loads the key.
 */
import { generateKeyPair } from 'oauth4webapi';
import { BridgeError, ErrorCode } from '../../errors.js';

/** The one proof algorithm the bridge signs with (RFC 9449 §4.2; ES256 is what servers are required to support widely). */
export const DPOP_ALG = 'ES256';

/** A proof key: the pair oauth4webapi signs with, and its private JWK as stored with the login. */
export interface ProofKey {
  keyPair: CryptoKeyPair;
  /** The private JWK as JSON: what {@link LoginSecrets.dpopKey} holds. */
  stored: string;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** Makes a new key pair for a login. */
export async function newProofKey(): Promise<ProofKey> {
  const pair = await generateKeyPair(DPOP_ALG, { extractable: true });
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  // Kept non-extractable in memory from here on; the public half must be extractable (its JWK goes in every proof).
  return loadProofKey(JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d }));
}

/**
 * Loads a stored key.
 * @throws BridgeError `AUTH` when the stored value is not a P-256 private JWK (the login must then be made again)
 */
export async function loadProofKey(stored: string): Promise<ProofKey> {
  try {
    const jwk = JSON.parse(stored) as JsonWebKey;
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') throw new Error('not a P-256 private key');
    const { d: _private, ...publicJwk } = jwk;
    const [privateKey, publicKey] = await Promise.all([
      crypto.subtle.importKey('jwk', jwk, EC, false, ['sign']),
      crypto.subtle.importKey('jwk', publicJwk, EC, true, ['verify']),
    ]);
    return { keyPair: { privateKey, publicKey }, stored };
  } catch (error) {
    throw new BridgeError(ErrorCode.Auth, 'the stored login\'s DPoP key cannot be read', { cause: error, hint: 'log in again (mcp-auth-bridge login --force <url>)' });
  }
}
