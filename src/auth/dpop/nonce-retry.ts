/**
 * RFC 9449 §8: an authorization server may refuse a token request whose proof has no (or an old) nonce with
 * `use_dpop_nonce` and a `DPoP-Nonce` header. oauth4webapi remembers that nonce (per origin, in the proof handle);
 * the request is then sent once more, and its new proof carries it. Bounded: one retry.
 */
import { isDPoPNonceError } from 'oauth4webapi';

/** Whether `error` (or the oauth4webapi error it wraps) is a `use_dpop_nonce` refusal. */
export function isNonceRefusal(error: unknown): boolean {
  return isDPoPNonceError(error) || isDPoPNonceError((error as { cause?: unknown } | undefined)?.cause);
}

/** Runs `request` (a token request and the processing of its answer), once more after a `use_dpop_nonce` refusal. */
export async function withDPoPNonce<T>(bound: boolean, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (!bound || !isNonceRefusal(error)) throw error;
    return request();
  }
}
