/**
 * Requests to the MCP server with a DPoP-bound token (RFC 9449 §7): `Authorization: DPoP <token>` and a fresh proof
 * (`htm`, `htu` without query or fragment, `iat`, a unique `jti`, `ath` = the token's hash, the latest nonce the
 * server gave this origin). oauth4webapi's `protectedResourceRequest` makes the headers and remembers the server's
 * `DPoP-Nonce`; the request itself goes down the bridge's own fetch stack unchanged (its body, signal and marks).
 * A `use_dpop_nonce` challenge (RFC 9449 §9) is answered once, with the nonce it carried.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { allowInsecureRequests, customFetch, protectedResourceRequest, type DPoPHandle } from 'oauth4webapi';
import { parseChallenges } from '../challenge.js';

/** Sends one request with `token` bound to `handle`. */
export type ProofSender = (input: string | URL, init: RequestInit | undefined, next: FetchLike) => Promise<Response>;

/** Whether the server asked for a (new) nonce: 401 with `WWW-Authenticate: DPoP error="use_dpop_nonce"`. */
export function isNonceChallenge(response: Response): boolean {
  if (response.status !== 401) return false;
  return parseChallenges(response.headers.get('www-authenticate')).some((c) => c.scheme === 'dpop' && c.params.error === 'use_dpop_nonce');
}

async function sendOnce(handle: DPoPHandle, token: string, input: string | URL, init: RequestInit | undefined, next: FetchLike): Promise<Response> {
  const url = new URL(typeof input === 'string' ? input : input.href);
  const headers = new Headers(init?.headers);
  headers.delete('authorization');
  const hadAgent = headers.has('user-agent');
  let response: Response | undefined;
  try {
    await protectedResourceRequest(token, init?.method ?? 'GET', url, headers, null, {
      DPoP: handle,
      [allowInsecureRequests]: url.protocol === 'http:',
      [customFetch]: (async (_url: string, signed: { headers: Record<string, string> }) => {
        const sent = new Headers(signed.headers);
        if (!hadAgent) sent.delete('user-agent');
        response = await next(input, { ...init, headers: sent });
        return response;
      }) as never,
    });
  } catch (error) {
    // A WWW-Authenticate challenge in the answer: the auth layer above reads it from the response.
    if (response) return response;
    throw error;
  }
  return response!;
}

/** The sender for a login bound to `handle`; see the module comment. */
export function proofSender(handle: DPoPHandle, token: string): ProofSender {
  return async (input, init, next) => {
    const response = await sendOnce(handle, token, input, init, next);
    if (!isNonceChallenge(response)) return response;
    await response.body?.cancel().catch(() => undefined);
    return sendOnce(handle, token, input, init, next);
  };
}
