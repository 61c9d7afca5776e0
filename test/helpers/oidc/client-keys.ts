/**
 * Client key pairs for `private_key_jwt` (RFC 7523 §2.2): one RSA (RS256), one EC P-256 (ES256) and one Ed25519
 * (EdDSA) key, generated once per worker process, each as the PKCS#8 PEM a user would give the bridge
 * (`--client-key`) and the public JWK the authorization server holds; and the static client metadata of a
 * machine client registered with those public keys (for the provider's `extraClients`).
 */
import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, type JWK } from 'jose';

/** Which key. */
export type ClientKeyKind = 'RS256' | 'ES256' | 'EdDSA';

/** One key pair. */
export interface ClientKeyPair {
  /** The private key, PKCS#8 PEM. */
  pem: string;
  /** The public key as registered at the provider, with `kid`, `alg` and `use`. */
  publicJwk: JWK;
  kid: string;
}

/** The id of the fixture's private_key_jwt client. */
export const JWT_CLIENT_ID = 'fixture-jwt-client';

let cached: Promise<Record<ClientKeyKind, ClientKeyPair>> | undefined;

async function pair(kind: ClientKeyKind): Promise<ClientKeyPair> {
  const { privateKey, publicKey } =
    kind === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : kind === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  const kid = `fixture-client-${kind.toLowerCase()}`;
  return {
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: kind, use: 'sig' },
    kid,
  };
}

/** The three key pairs (generated on first use, then shared within the worker). */
export function clientKeyPairs(): Promise<Record<ClientKeyKind, ClientKeyPair>> {
  cached ??= (async () => ({ RS256: await pair('RS256'), ES256: await pair('ES256'), EdDSA: await pair('EdDSA') }))();
  return cached;
}

/**
 * Static metadata of a machine client authenticating with `private_key_jwt` (any of the three keys), allowed the
 * client credentials grant (and `grantTypes` besides).
 */
export async function jwtClientMetadata(options: { clientId?: string; grantTypes?: readonly string[] } = {}): Promise<Record<string, unknown>> {
  const keys = await clientKeyPairs();
  return {
    client_id: options.clientId ?? JWT_CLIENT_ID,
    client_name: 'Fixture private_key_jwt client',
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: Object.values(keys).map((k) => k.publicJwk) },
    grant_types: ['client_credentials', ...(options.grantTypes ?? [])],
    response_types: [],
    redirect_uris: [],
  };
}
