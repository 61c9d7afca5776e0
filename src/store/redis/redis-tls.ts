/**
 * TLS to Redis (`--store rediss://…`) beyond the defaults: the CA that signed the server's certificate when it is not
 * one Node trusts (`--store-tls-ca`; Node's own `NODE_EXTRA_CA_CERTS` works too), and a client certificate for Redis
 * servers that ask for one (`--store-tls-cert` with `--store-tls-key`, Redis's `tls-auth-clients`). Certificate and
 * host name checks stay on: there is no option to turn them off. Also tells, from the TLS error's code, why a start
 * failed: a server certificate that is not trusted, one for another name, or a client certificate Redis wants.
 */
import { readFileSync } from 'node:fs';
import { BridgeError, ErrorCode } from '../../errors.js';

/** The files as the options name them. */
export interface RedisTlsFiles {
  /** `--store-tls-ca`: PEM certificates of the CA(s) to trust for the Redis server, instead of Node's defaults. */
  caFile?: string | undefined;
  /** `--store-tls-cert`: the client certificate (PEM), for Redis servers that ask for one. */
  certFile?: string | undefined;
  /** `--store-tls-key`: the client certificate's private key (PEM). */
  keyFile?: string | undefined;
}

/** What the TLS connection is given (the files' contents); empty when no option was given. */
export interface RedisTlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
}

/** Why a TLS connection to Redis failed, as far as its error code tells. */
export interface RedisTlsFailure {
  kind: 'untrusted' | 'wrong-name' | 'expired' | 'client-certificate';
  /** The error code that told, e.g. `SELF_SIGNED_CERT_IN_CHAIN`. */
  code: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
const PEM_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;

/**
 * Reads and checks the files. Each option needs a `rediss://` store; the certificate and its key come together.
 * @param tls whether the store URL asks for TLS (`rediss://`)
 * @throws {BridgeError} `ErrorCode.Usage` for an option without `rediss://` or a certificate without its key (or the
 *   reverse); `ErrorCode.Config` for a file that cannot be read or holds no PEM of the expected kind.
 */
export function loadRedisTls(tls: boolean, files: RedisTlsFiles): RedisTlsMaterial {
  const given = (
    [
      ['--store-tls-ca', files.caFile],
      ['--store-tls-cert', files.certFile],
      ['--store-tls-key', files.keyFile],
    ] as const
  ).filter(([, file]) => file !== undefined);
  if (given.length === 0) return {};
  if (!tls) {
    const flag = given[0]![0];
    throw new BridgeError(ErrorCode.Usage, `${flag} is for --store rediss://… (TLS)`, { hint: `use --store rediss://host:6380, or remove ${flag}` });
  }
  if ((files.certFile === undefined) !== (files.keyFile === undefined)) {
    throw new BridgeError(ErrorCode.Usage, '--store-tls-cert and --store-tls-key go together', { hint: 'give the client certificate and its private key, or neither' });
  }
  const material: RedisTlsMaterial = {};
  if (files.caFile !== undefined) material.ca = readPem('--store-tls-ca', files.caFile, PEM_CERTIFICATE, 'PEM certificate');
  if (files.certFile !== undefined) material.cert = readPem('--store-tls-cert', files.certFile, PEM_CERTIFICATE, 'PEM certificate');
  if (files.keyFile !== undefined) material.key = readPem('--store-tls-key', files.keyFile, PEM_KEY, 'PEM private key');
  return material;
}

function readPem(flag: string, file: string, shape: RegExp, what: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BridgeError(ErrorCode.Config, `${flag}: cannot read ${file}${code ? ` (${code})` : ''}`, { cause: error, hint: `check the path and that this user may read it` });
  }
  if (!shape.test(text)) throw new BridgeError(ErrorCode.Config, `${flag}: ${file} holds no ${what}`, { hint: `give a file with a ${what} ("-----BEGIN …")` });
  return text;
}

/** Node's (OpenSSL's) verification codes for a chain that does not end at a trusted CA. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
/** TLS alerts a server sends when it wants a client certificate it trusts (TLS 1.3 and 1.2). */
const CLIENT_CERTIFICATE = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
]);

/**
 * Why `error` (or an error it wraps: `cause`, and the client's `socketError` / `originalError`) is a TLS failure,
 * decided on the error codes alone; undefined when none is.
 */
export function redisTlsFailure(error: unknown): RedisTlsFailure | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 10) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (UNTRUSTED.has(code)) return { kind: 'untrusted', code };
      if (EXPIRED.has(code)) return { kind: 'expired', code };
      if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return { kind: 'wrong-name', code };
      if (CLIENT_CERTIFICATE.has(code)) return { kind: 'client-certificate', code };
    }
    const nested = e as { cause?: unknown; socketError?: unknown; originalError?: unknown };
    queue.push(nested.cause, nested.socketError, nested.originalError);
  }
  return undefined;
}
