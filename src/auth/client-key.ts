/**
 * A client's private key for `private_key_jwt` client authentication (RFC 7523 §2.2, OpenID Connect Core §9;
 * SEP-1046 for MCP machine clients): read from a PEM (`--client-key <path>`, or the PEM itself in `MCP_CLIENT_KEY`),
 * its JWS algorithm taken from the key — RSA → RS256, EC P-256/384/521 → ES256/384/512, Ed25519 → EdDSA. Parsed
 * when the command line is read (a bad key stops the bridge at once); private-key-jwt.ts signs with it. The key
 * never leaves the process and is never stored. Only node:crypto here: the OAuth engine loads lazily.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { BridgeError, ErrorCode } from '../errors.js';

/** The JWS algorithms a client key may sign with. */
export type ClientKeyAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

/** A parsed client private key. */
export interface ClientKey {
  /** The private key. */
  key: KeyObject;
  /** The JWS algorithm its type implies. */
  alg: ClientKeyAlgorithm;
  /** `kid` to put in the assertion header (`--client-key-id`), if any. */
  kid?: string;
  /** Where it came from, for messages (a path, or the variable's name). Never the key. */
  source: string;
}

const CURVES: Record<string, ClientKeyAlgorithm> = {
  prime256v1: 'ES256',
  'P-256': 'ES256',
  secp384r1: 'ES384',
  'P-384': 'ES384',
  secp521r1: 'ES512',
  'P-521': 'ES512',
};

/** Whether `text` is a PEM document rather than a path (so `MCP_CLIENT_KEY` may hold either). */
export function looksLikePem(text: string): boolean {
  return /^\s*-----BEGIN [A-Z0-9 ]+-----/.test(text);
}

/**
 * Parses a PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC) and picks its algorithm.
 * @param pem the PEM text
 * @param options `source` names it in errors (e.g. the path or `MCP_CLIENT_KEY`); `kid` is `--client-key-id`
 * @throws BridgeError `USAGE` when it is not an unencrypted private key of a supported type
 */
export function parseClientKey(pem: string, options: { source: string; kid?: string }): ClientKey {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    // Decided on the PEM's own header and Node's error code, never on the message text.
    const encrypted = /ENCRYPTED/.test(pem) || code === 'ERR_MISSING_PASSPHRASE';
    throw new BridgeError(ErrorCode.Usage, `--client-key: ${options.source} is not ${encrypted ? 'an unencrypted' : 'a PEM'} private key${code ? ` (${code})` : ''}`, {
      hint: encrypted
        ? 'decrypt it first, e.g. openssl pkey -in key.pem -out key-plain.pem, and keep that file private (chmod 600)'
        : 'give a PEM file with "-----BEGIN PRIVATE KEY-----" (PKCS#8), an RSA or an EC private key',
    });
  }
  let alg: ClientKeyAlgorithm | undefined;
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
      throw new BridgeError(ErrorCode.Usage, `--client-key: the RSA key in ${options.source} is shorter than 2048 bits`, { hint: 'use a key of 2048 bits or more' });
    }
    alg = 'RS256';
  } else if (type === 'ec') {
    alg = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
  } else if (type === 'ed25519') {
    alg = 'EdDSA';
  }
  if (!alg) {
    throw new BridgeError(ErrorCode.Usage, `--client-key: ${options.source} holds a ${type ?? 'unknown'}${type === 'ec' ? ` (${key.asymmetricKeyDetails?.namedCurve})` : ''} key, which cannot sign client assertions here`, {
      hint: 'use an RSA (RS256), EC P-256 (ES256) or Ed25519 (EdDSA) key',
    });
  }
  return { key, alg, source: options.source, ...(options.kid ? { kid: options.kid } : {}) };
}
