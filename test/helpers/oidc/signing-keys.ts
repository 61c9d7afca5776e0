/**
 * Signing keys for the provider fixture. Supplying our own JWKS keeps oidc-provider from using (and warning about)
 * its built-in development keys. One RSA key (RS256: ID tokens default to it) is generated per name and worker
 * process and shared by every provider started in it with that name; RSA generation is the slow part of starting a
 * provider. A second name gives a provider keys of its own (an enterprise IdP next to an MCP authorization server).
 */
import { exportJWK, generateKeyPair, type JWK } from 'jose';

const cached = new Map<string, Promise<JWK>>();

/** A private RS256 signing JWK with `kid`, `alg` and `use`, generated once per process for `name`. */
export function signingKey(name = 'default'): Promise<JWK> {
  let key = cached.get(name);
  if (!key) {
    key = (async () => {
      const { privateKey } = await generateKeyPair('RS256', { extractable: true });
      const jwk = await exportJWK(privateKey);
      return { ...jwk, kid: name === 'default' ? 'fixture-rs256' : `fixture-${name}-rs256`, alg: 'RS256', use: 'sig' };
    })();
    cached.set(name, key);
  }
  return key;
}
