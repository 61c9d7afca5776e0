/**
 * Signing keys for the provider fixture. Supplying our own JWKS keeps oidc-provider from using (and warning about)
 * its built-in development keys. One RSA key (RS256: ID tokens default to it) is generated per worker process and
 * shared by every provider started in it; RSA generation is the slow part of starting a provider.
 */
import { exportJWK, generateKeyPair, type JWK } from 'jose';

let cached: Promise<JWK> | undefined;

/** A private RS256 signing JWK with `kid`, `alg` and `use`, generated once per process. */
export function signingKey(): Promise<JWK> {
  cached ??= (async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    return { ...jwk, kid: 'fixture-rs256', alg: 'RS256', use: 'sig' };
  })();
  return cached;
}
