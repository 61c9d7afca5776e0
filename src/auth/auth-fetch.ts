/**
 * `authFetch`: the one place where auth reaches HTTP (see docs/architecture.md). It sits below the upstream seam:
 * every request to the MCP server gets the current access token; a 401 makes the {@link Authorizer} refresh or
 * log in, then the request is sent again once (twice when the first retry carried a stored token that turns out to
 * be refused too); a 403 `insufficient_scope` makes it log in for more scopes
 * (bounded), then the request is sent again once. Requests wait while a login is under way. When the token of a
 * login that just finished is refused on that replay, the request fails with the server's words and no new login
 * starts for a while (login-guard.ts): no login storms.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Authorizer } from './authorizer.js';
import { OAuthError } from './oauth-errors.js';
import { redact } from '../log.js';
import { bearerChallenge } from './challenge.js';
import { refusalWords } from './login-guard.js';
import { readRefusal } from './unadvertised-auth.js';

/** Options for {@link createAuthFetch}. */
export interface AuthFetchOptions {
  /** The fetch below (the bounded network fetch). */
  fetch: FetchLike;
  /**
   * Makes the Authorizer when a server first asks for authorization. It is loaded lazily: a bridge whose server
   * never says 401 never parses the OAuth engine or opens the credential store.
   */
  authorizer: () => Promise<Authorizer>;
  /**
   * Resolves true when a login for this server is stored: the Authorizer is then loaded at once and the first
   * request already carries the token, instead of going without one and learning from a 401.
   */
  storedLogin?: Promise<boolean>;
}

function withBearer(init: RequestInit | undefined, token: string | undefined): RequestInit | undefined {
  if (!token) return init;
  const headers = new Headers(init?.headers);
  headers.set('authorization', `Bearer ${token}`);
  return { ...init, headers };
}

/**
 * After a renewal (a login, a refresh, a step-up), the request was sent again and refused again (401 or 403): when
 * the token came from a login that just finished, the server has refused the user; the Authorizer records it
 * (login-guard.ts) and the request fails with the server's words instead of starting another login.
 */
async function checkRenewedRefusal(authorizer: Authorizer, used: string | undefined, response: Response): Promise<void> {
  if ((response.status !== 401 && response.status !== 403) || authorizer.tokenOrigin(used) !== 'login') return;
  const challenge = bearerChallenge(response);
  const body = redact((await readRefusal(response)).body, used ? [used] : []);
  const words = refusalWords({ error: challenge?.error, errorDescription: challenge?.errorDescription, body });
  const error = authorizer.refusedAfterRenewal(used, { status: response.status, words });
  if (error) throw error;
}

/** Creates the auth fetch; see the module comment. */
export function createAuthFetch(options: AuthFetchOptions): FetchLike {
  const { fetch: inner } = options;
  let authorizer: Authorizer | undefined;
  let loading: Promise<Authorizer> | undefined;
  const load = async () => {
    loading ??= options.authorizer();
    authorizer = await loading;
    return authorizer;
  };
  let preloading: Promise<void> | undefined = options.storedLogin
    ?.then(async (stored) => {
      if (stored) await (await load()).preload();
    })
    .catch(() => undefined);
  return async (input, init) => {
    if (preloading) await preloading;
    // A DPoP-bound token goes with a proof (dpop/resource-proof.ts, loaded with the Authorizer); others as Bearer.
    const send = async (token: string | undefined): Promise<Response> => {
      const proof = token ? await authorizer?.dpopSender(token) : undefined;
      return proof ? proof(input, init, inner) : inner(input, withBearer(init, token));
    };
    const token = await authorizer?.accessToken();
    let response = await send(token);
    let used = token;
    if (response.status === 401) {
      const authorizer = await load();
      // Bounded: two rounds at most.
      for (let round = 0; round < 2; round++) {
        const challenge = bearerChallenge(response);
        const refusal = await readRefusal(response); // bounded; quoted if the server names no way to log in
        const outcome = await authorizer.onUnauthorized({ challenge, usedToken: used, refusal });
        used = await authorizer.accessToken();
        response = await send(used);
        if (response.status !== 401) break;
        // Once more when the refused token is one no request had tried (a stored one), or was refreshed a moment ago.
        if (outcome !== 'stored' && authorizer.tokenOrigin(used) !== 'refresh') break;
      }
      // A 403 insufficient_scope now is a step-up (below), not a refusal of the login.
      if (!isInsufficientScope(response)) {
        await checkRenewedRefusal(authorizer, used, response);
        return response;
      }
    }
    if (isInsufficientScope(response)) {
      const authorizer = await load();
      const challenge = bearerChallenge(response);
      await response.body?.cancel().catch(() => undefined);
      await authorizer.onInsufficientScope({ challenge, usedToken: used });
      used = await authorizer.accessToken();
      response = await send(used);
      await checkRenewedRefusal(authorizer, used, response);
    }
    return response;
  };
}

function isInsufficientScope(response: Response): boolean {
  return response.status === 403 && bearerChallenge(response)?.error === OAuthError.InsufficientScope;
}
