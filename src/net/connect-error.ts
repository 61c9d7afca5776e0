/**
 * What a failed connection means for the user: a network error thrown by a fetch (DNS, refused, reset, TLS) becomes
 * a `CONNECT` {@link BridgeError} whose hint says what to do. Decided on the error's `code` (Node's and OpenSSL's),
 * never on its message text. Used by the upstream path and by the `login` / `doctor` probes.
 */
import { BridgeError, ErrorCode } from '../errors.js';

/** OpenSSL and Node error codes that mean the server's certificate is not trusted. */
export const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/;

/** Turns a thrown network error for `url` into a CONNECT {@link BridgeError} that says what to do. */
export function connectError(url: URL, error: unknown): BridgeError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  const what = code ?? cause?.message ?? (error as Error).message;
  let hint = 'check the URL, your network, and that the server is running';
  if (code && TLS_CODES.test(code)) {
    hint = 'the server certificate is not trusted; if a corporate proxy or private CA signs it, set NODE_EXTRA_CA_CERTS=/path/to/ca.pem';
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    hint = `the host name ${url.hostname} does not resolve; check the URL, or use --use-env-proxy behind a proxy`;
  }
  return new BridgeError(ErrorCode.Connect, `cannot reach ${url.origin}: ${what}`, { cause: error, hint });
}
