/**
 * Stores a token response as a login: the metadata (issuer, resource, client, grant, granted scopes, expiry,
 * redirect URI) beside the secrets, with the secrets registered with the logger first so no log line shows them.
 */
import type { TokenEndpointResponse } from 'oauth4webapi';
import type { Logger } from '../log.js';
import type { ClientIdSource, CredentialStore, LoginGrant, StoredLogin } from '../store/index.js';
import { expiresAtOf, grantedScopes, refreshExpiresAtOf, secretsOf } from './tokens.js';

/** What {@link saveLogin} stores. */
export interface SaveInput {
  serverUrl: URL;
  issuer: string;
  resource: string;
  clientId: string;
  source: ClientIdSource;
  grant: LoginGrant;
  tokens: TokenEndpointResponse;
  /** The scopes asked for (stored when the response names none). */
  requested: string[];
  /** The secrets being replaced (their refresh and ID tokens are kept when the response has none). */
  previous: StoredLogin['secrets'] | undefined;
  redirectUri: string | undefined;
  /** The DPoP key of a new login whose tokens are bound to it (a refresh keeps the previous one). */
  dpopKey?: string | undefined;
}

/** Stores `what` under `key`; resolves the login as stored. */
export async function saveLogin(store: CredentialStore, key: string, what: SaveInput, o: { now: number; logger: Logger }): Promise<StoredLogin> {
  const { tokens } = what;
  o.logger.secret(tokens.access_token);
  o.logger.secret(tokens.refresh_token);
  o.logger.secret(tokens.id_token);
  const expiresAt = expiresAtOf(tokens, o.now);
  const refreshExpiresAt = refreshExpiresAtOf(tokens as Record<string, unknown>, o.now);
  return store.setTokens(key, {
    metadata: {
      serverUrl: what.serverUrl.href,
      issuer: what.issuer,
      resource: what.resource,
      clientId: what.clientId,
      clientIdSource: what.source,
      ...(what.grant !== 'authorization_code' ? { grant: what.grant } : {}),
      scopes: grantedScopes(tokens, what.requested),
      obtainedAt: o.now,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      ...(refreshExpiresAt !== undefined ? { refreshExpiresAt } : {}),
      ...(what.redirectUri ? { redirectUri: what.redirectUri } : {}),
    },
    secrets: secretsOf(tokens, what.previous, what.dpopKey),
  });
}
