/**
 * `authFetch`: the one place where auth reaches HTTP (see ../shared/DESIGN.md). It sits below the upstream seam:
 * every request to the MCP server gets the current access token; a 401 makes the {@link Authorizer} refresh or
 * log in, then the request is sent again once (twice when the first retry carried a stored token that turns out to
 * be refused too); a 403 `insufficient_scope` makes it log in for more scopes
 * (bounded), then the request is sent again once. Requests wait while a login is under way.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Authorizer } from './authorizer.js';
import { bearerChallenge } from './challenge.js';
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
    const token = await authorizer?.accessToken();
    let response = await inner(input, withBearer(init, token));
    if (response.status === 401) {
      const authorizer = await load();
      let used = token;
      // Bounded: a second round only when the first replay carried a stored token no request had tried yet.
      for (let round = 0; round < 2; round++) {
        const challenge = bearerChallenge(response);
        const refusal = await readRefusal(response); // bounded; quoted if the server names no way to log in
        const untried = await authorizer.onUnauthorized({ challenge, usedToken: used, refusal });
        used = await authorizer.accessToken();
        response = await inner(input, withBearer(init, used));
        if (response.status !== 401 || !untried) break;
      }
      return response;
    }
    if (response.status === 403) {
      const challenge = bearerChallenge(response);
      if (challenge?.error === 'insufficient_scope') {
        const authorizer = await load();
        await response.body?.cancel().catch(() => undefined);
        await authorizer.onInsufficientScope({ challenge, usedToken: token });
        return inner(input, withBearer(init, await authorizer.accessToken()));
      }
    }
    return response;
  };
}
