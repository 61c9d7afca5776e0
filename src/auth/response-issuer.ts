/**
 * The authorization response's `iss` (RFC 9207) as MCP 2026-07-28 applies it, checked before anything else in the
 * response is used — its `code`, and its `error` too (on a mismatch the error is neither acted on nor shown):
 *
 * | metadata `authorization_response_iss_parameter_supported` | `iss` | verdict                        |
 * | ---------------------------------------------------------- | ----- | ------------------------------ |
 * | `true`                                                     | there | must equal the recorded issuer |
 * | `true`                                                     | none  | refused                        |
 * | `false` or absent                                          | there | must equal the recorded issuer |
 * | `false` or absent                                          | none  | accepted                       |
 *
 * "Equal" is simple string comparison after form-decoding (RFC 3986 §6.2.1): no case folding of scheme or host, no
 * default port, trailing slash or percent-encoding normalization. The recorded issuer is the `issuer` of the
 * metadata document the login was started with, which discovery has already checked against the URL it was
 * fetched for (RFC 8414 §3.3).
 */
import type { AuthorizationServer } from 'oauth4webapi';
import { BridgeError, ErrorCode } from '../errors.js';
import { terminalSafe } from '../log.js';

/** Why a response was refused; the page and the message say it in words. */
export type IssuerRefusal = 'missing' | 'mismatch' | 'repeated';

/** A refused authorization response: the error for the request, and the reason for the browser page. */
export interface ResponseIssuerVerdict {
  reason: IssuerRefusal;
  error: BridgeError;
}

/** At most this much of a server's `iss` value goes into a message. */
const SHOWN = 120;

function shown(value: string): string {
  const one = value.length > SHOWN ? `${value.slice(0, SHOWN)}…` : value;
  return JSON.stringify(terminalSafe(one));
}

/**
 * Checks the response's `iss` against `as.issuer`; undefined when the response may be used, else the refusal.
 * `params` are the callback's query parameters as received (form-decoded by `URLSearchParams`).
 */
export function checkResponseIssuer(as: AuthorizationServer, params: URLSearchParams): ResponseIssuerVerdict | undefined {
  const all = params.getAll('iss');
  const hint = 'the answer to the login did not come from the authorization server the login was sent to; start the login again, and if this repeats, contact the server operator';
  if (all.length > 1) {
    return {
      reason: 'repeated',
      error: new BridgeError(ErrorCode.Auth, `refused the login response: it names its issuer ${all.length} times (RFC 9207)`, { hint }),
    };
  }
  const iss = all[0];
  if (iss === undefined) {
    if (as.authorization_response_iss_parameter_supported !== true) return undefined;
    return {
      reason: 'missing',
      error: new BridgeError(ErrorCode.Auth, `refused the login response: it does not name its issuer, although ${as.issuer} says its responses do (RFC 9207)`, { hint }),
    };
  }
  if (iss === as.issuer) return undefined;
  return {
    reason: 'mismatch',
    error: new BridgeError(ErrorCode.Auth, `refused the login response: it names the issuer ${shown(iss)}, not ${as.issuer} (RFC 9207)`, { hint }),
  };
}
