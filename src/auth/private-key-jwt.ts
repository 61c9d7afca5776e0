/**
 * `private_key_jwt` client authentication (RFC 7523 §2.2, OpenID Connect Core §9) with a {@link ClientKey}: the
 * oauth4webapi `ClientAuth` that signs a fresh assertion for every token request — `iss` = `sub` = the client id,
 * `aud` = the authorization server's issuer, a random `jti`, `iat`/`nbf` now and `exp` 60 s later, and `kid` in the
 * header when `--client-key-id` gave one.
 */
import { modifyAssertion, PrivateKeyJwt, type AuthorizationServer, type ClientAuth } from 'oauth4webapi';
import { BridgeError, ErrorCode } from '../errors.js';
import type { ClientKey, ClientKeyAlgorithm } from './client-key.js';

function subtleAlgorithm(alg: ClientKeyAlgorithm): AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams {
  switch (alg) {
    case 'RS256':
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    case 'ES256':
      return { name: 'ECDSA', namedCurve: 'P-256' };
    case 'ES384':
      return { name: 'ECDSA', namedCurve: 'P-384' };
    case 'ES512':
      return { name: 'ECDSA', namedCurve: 'P-521' };
    case 'EdDSA':
      return { name: 'Ed25519' };
  }
}

/**
 * The `private_key_jwt` client authentication for `as`. Refuses, with a hint, an authorization server whose
 * metadata lists its token endpoint auth methods or signing algorithms without this one. An Ed25519 key signs with
 * `alg: EdDSA`, or with the fully-specified `Ed25519` when the server lists only that.
 */
export async function privateKeyJwt(clientKey: ClientKey, as: AuthorizationServer): Promise<ClientAuth> {
  const methods = as.token_endpoint_auth_methods_supported;
  if (Array.isArray(methods) && !methods.includes('private_key_jwt')) {
    throw new BridgeError(ErrorCode.Auth, `the authorization server ${as.issuer} does not accept private_key_jwt client authentication`, {
      hint: `it accepts ${methods.join(', ') || 'none'}; use --client-secret instead of --client-key if the client has a secret`,
    });
  }
  const algs = as.token_endpoint_auth_signing_alg_values_supported;
  let alg: string = clientKey.alg;
  if (alg === 'EdDSA' && Array.isArray(algs) && !algs.includes('EdDSA') && algs.includes('Ed25519')) alg = 'Ed25519';
  if (Array.isArray(algs) && !algs.includes(alg)) {
    throw new BridgeError(ErrorCode.Auth, `the authorization server ${as.issuer} does not accept ${alg} client assertions (the key in ${clientKey.source})`, {
      hint: `it accepts ${algs.join(', ')}; give a key of one of those types`,
    });
  }
  const der = clientKey.key.export({ format: 'der', type: 'pkcs8' });
  const key = await crypto.subtle.importKey('pkcs8', der, subtleAlgorithm(clientKey.alg), false, ['sign']);
  return PrivateKeyJwt(
    { key, ...(clientKey.kid ? { kid: clientKey.kid } : {}) },
    {
      [modifyAssertion]: (header) => {
        if (clientKey.alg === 'EdDSA') header.alg = alg;
      },
    },
  );
}
