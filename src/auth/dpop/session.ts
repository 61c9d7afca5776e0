/**
 * The DPoP side of one server's logins: whether the next login binds its tokens (policy.ts), the key it binds them
 * to (key.ts), the oauth4webapi proof handle of each stored login's key (made once per key and kept), and the
 * latest nonce each origin gave (RFC 9449 §8, §9), remembered here for every key of the session, so that a new
 * login's first proof already carries it. The Authorizer holds one; the grants see the handle only through
 * {@link OAuthHttp.dpop} ({@link DPoPSession.tokenHttp}), and the requests to the MCP server through
 * {@link DPoPSession.sender}.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { DPoP, modifyAssertion, type AuthorizationServer, type DPoPHandle, type TokenEndpointResponse } from 'oauth4webapi';
import type { StoredLogin } from '../../store/index.js';
import type { OAuthHttp } from '../oauth-http.js';
import { loadProofKey, newProofKey, type ProofKey } from './key.js';
import { isBound, wantsDPoP, type DPoPMode } from './policy.js';
import { proofSender, type ProofSender } from './resource-proof.js';

/** A key with its proof handle. */
export interface Binding {
  key: ProofKey;
  handle: DPoPHandle;
}

/** See the module comment. */
export class DPoPSession {
  readonly #mode: DPoPMode;
  /** Proof handles by stored key. */
  readonly #handles = new Map<string, Promise<Binding>>();
  /** The latest `DPoP-Nonce` by origin. */
  readonly #nonces = new Map<string, string>();

  constructor(mode: DPoPMode = 'auto') {
    this.#mode = mode;
  }

  /** A handle for `key` whose proofs carry the origin's latest nonce when the handle itself has none yet. */
  #handle(key: ProofKey): DPoPHandle {
    return DPoP({}, key.keyPair, {
      [modifyAssertion]: (_header, payload) => {
        if (payload.nonce !== undefined || typeof payload.htu !== 'string') return;
        const nonce = this.#nonces.get(new URL(payload.htu).origin);
        if (nonce) payload.nonce = nonce;
      },
    });
  }

  /** `fetch` that remembers the `DPoP-Nonce` of each response by origin. */
  #learning(fetch: FetchLike): FetchLike {
    return async (input, init) => {
      const response = await fetch(input, init);
      const nonce = response.headers.get('dpop-nonce');
      if (nonce) this.#nonces.set(new URL(typeof input === 'string' ? input : input.href).origin, nonce);
      return response;
    };
  }

  #bind(key: ProofKey): Binding {
    const binding = { key, handle: this.#handle(key) };
    this.#handles.set(key.stored, Promise.resolve(binding));
    return binding;
  }

  /** The binding of a stored login, if its tokens are bound. */
  forLogin(login: StoredLogin | undefined): Promise<Binding | undefined> {
    const stored = login?.secrets.dpopKey;
    if (!stored) return Promise.resolve(undefined);
    let binding = this.#handles.get(stored);
    if (!binding) {
      binding = loadProofKey(stored).then((key) => ({ key, handle: this.#handle(key) }));
      this.#handles.set(stored, binding);
    }
    return binding;
  }

  /** A new key for a login about to be made, when its tokens should be bound (policy.ts); undefined otherwise. */
  async forNewLogin(as: AuthorizationServer, challenged: boolean): Promise<Binding | undefined> {
    if (!wantsDPoP({ mode: this.#mode, as, challenged })) return undefined;
    return this.#bind(await newProofKey());
  }

  /** The key to store with `tokens` obtained with `binding`'s proofs: none when the server did not bind them. */
  storedKey(binding: Binding | undefined, tokens: TokenEndpointResponse, issuer: string): string | undefined {
    return binding && isBound(tokens, this.#mode, issuer) ? binding.key.stored : undefined;
  }

  /** The sender for requests that carry `token` of `login`, when its tokens are bound. */
  async sender(login: StoredLogin | undefined, token: string): Promise<ProofSender | undefined> {
    if (!login || login.secrets.accessToken !== token) return undefined;
    const binding = await this.forLogin(login);
    if (!binding) return undefined;
    const send = proofSender(binding.handle, token);
    return (input, init, next) => send(input, init, this.#learning(next));
  }

  /** `http` with `binding`'s proofs on its token requests (and the nonces of their answers remembered). */
  tokenHttp(http: OAuthHttp, binding: Binding | undefined): OAuthHttp {
    return binding ? { ...http, dpop: binding.handle, fetch: this.#learning(http.fetch) } : http;
  }
}
