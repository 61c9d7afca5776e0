/**
 * The DPoP side of one server's logins: whether the next login binds its tokens (policy.ts), the key it binds them
 * to (key.ts), and the oauth4webapi proof handle of each stored login's key, made once per key and kept, with the
 * nonces the servers gave it (RFC 9449 §8, §9). The Authorizer holds one; the grants see the handle only through
 * {@link OAuthHttp.dpop}, and the requests to the MCP server through {@link DPoPSession.sender}.
 */
import { DPoP, type AuthorizationServer, type DPoPHandle, type TokenEndpointResponse } from 'oauth4webapi';
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
  /** Proof handles by stored key: a handle keeps the nonces its servers gave it. */
  readonly #handles = new Map<string, Promise<Binding>>();

  constructor(mode: DPoPMode = 'auto') {
    this.#mode = mode;
  }

  #bind(key: ProofKey): Binding {
    const binding = { key, handle: DPoP({}, key.keyPair) };
    this.#handles.set(key.stored, Promise.resolve(binding));
    return binding;
  }

  /** The binding of a stored login, if its tokens are bound. */
  forLogin(login: StoredLogin | undefined): Promise<Binding | undefined> {
    const stored = login?.secrets.dpopKey;
    if (!stored) return Promise.resolve(undefined);
    let binding = this.#handles.get(stored);
    if (!binding) {
      binding = loadProofKey(stored).then((key) => ({ key, handle: DPoP({}, key.keyPair) }));
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
    return binding ? proofSender(binding.handle, token) : undefined;
  }
}

/** `http` with `binding`'s proofs on its token requests. */
export function withProofs(http: OAuthHttp, binding: Binding | undefined): OAuthHttp {
  return binding ? { ...http, dpop: binding.handle } : http;
}
