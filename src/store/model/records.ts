/**
 * The credential model: what a stored login and a stored client registration contain. Every record is split into
 * non-secret metadata (safe to list, print in `status`, and keep in a plain JSON file) and secrets (kept in the OS
 * keychain, or in the same 0600 file when the file store is in use).
 */

/**
 * Where a record's secrets live: the OS keychain, or the 0600 JSON file beside the metadata, or (serve with
 * `--store redis://…`) an encrypted record in Redis (store/redis/).
 */
export type StoreKind = 'keychain' | 'file' | 'redis';

/**
 * How the OAuth client id was obtained, in the order the Authorizer prefers them: given on the command line
 * (`--client-id`), a client ID metadata document URL (`--client-metadata-url`), or dynamic client registration
 * (RFC 7591).
 */
export type ClientIdSource = 'pre-registered' | 'metadata-document' | 'dynamic';

/** Every {@link ClientIdSource}, for validation. */
export const CLIENT_ID_SOURCES: readonly ClientIdSource[] = ['pre-registered', 'metadata-document', 'dynamic'];

/**
 * How a login's tokens were obtained: a user's login in a browser (authorization code + PKCE) or on another device
 * (RFC 8628 device authorization grant), or a machine's, with no user (RFC 6749 §4.4 client credentials, SEP-1046),
 * or an enterprise IdP's identity assertion (RFC 7523 JWT bearer grant with an ID-JAG, SEP-990), or a workload's
 * platform-issued JWT (the same grant with that JWT, SEP-1933).
 */
export type LoginGrant = 'authorization_code' | 'device_code' | 'client_credentials' | 'jwt_bearer' | 'workload_identity';

/** Every {@link LoginGrant}, for validation. */
export const LOGIN_GRANTS: readonly LoginGrant[] = ['authorization_code', 'device_code', 'client_credentials', 'jwt_bearer', 'workload_identity'];

/** The non-secret half of a stored login. Safe to list and print; never contains a token. */
export interface LoginMetadata {
  /** The MCP server URL the user asked the bridge to connect to. */
  serverUrl: string;
  /** The authorization server's issuer identifier, exactly as validated in its metadata (RFC 8414 §3.3). */
  issuer: string;
  /** The resource indicator sent with the authorization and token requests (RFC 8707). */
  resource: string;
  /** The OAuth client id the tokens were issued to. */
  clientId: string;
  /** How {@link LoginMetadata.clientId} was obtained. */
  clientIdSource: ClientIdSource;
  /** How the tokens were obtained; absent in records written before it existed (they are `authorization_code`). */
  grant?: LoginGrant;
  /** The scopes granted (the token response's `scope`, or the requested scopes when it has none). */
  scopes: string[];
  /** When the access token expires, as absolute epoch milliseconds; absent when the server gave no `expires_in`. */
  expiresAt?: number;
  /**
   * When the refresh token expires (epoch ms), when the server said so (`refresh_expires_in` or
   * `refresh_token_expires_in`, outside RFC 6749 but common); serve's Redis store keeps the login that long.
   */
  refreshExpiresAt?: number;
  /** When the tokens were obtained (login or last refresh), as epoch milliseconds. */
  obtainedAt: number;
  /** The redirect URI of the login, which finds a dynamic client's registration again when refreshing. */
  redirectUri?: string;
  /** Whether a refresh token is stored. Set by the store from the secrets it writes. */
  hasRefreshToken: boolean;
  /** Where the secrets of this login live. Set by the store that wrote it. */
  store: StoreKind;
}

/** The secret half of a stored login. Never logged, never listed, never put in an error message. */
export interface LoginSecrets {
  /** The access token sent as `Authorization: Bearer`. */
  accessToken: string;
  /** The refresh token, when the server issued one. Rotated refresh tokens replace it. */
  refreshToken?: string;
  /** The OpenID Connect ID token, when the server issued one. */
  idToken?: string;
  /**
   * The private key (an ES256 JWK, as JSON) the tokens are bound to (RFC 9449 DPoP), when they are: refreshes and
   * later runs sign their proofs with it. A secret like the tokens.
   */
  dpopKey?: string;
}

/** A login as read back from a store. */
export interface StoredLogin {
  metadata: LoginMetadata;
  secrets: LoginSecrets;
}

/** The metadata a caller supplies when saving a login; the store derives `hasRefreshToken` and `store`. */
export type LoginMetadataInput = Omit<LoginMetadata, 'hasRefreshToken' | 'store'>;

/** A login to save. */
export interface LoginInput {
  metadata: LoginMetadataInput;
  secrets: LoginSecrets;
}

/** The non-secret half of a dynamic client registration (RFC 7591 §3.2.1). */
export interface RegistrationMetadata {
  /** The issuer of the authorization server the client is registered at. */
  issuer: string;
  /** The redirect URI the client was registered with (and the registration is keyed by). */
  redirectUri: string;
  /** The issued `client_id`. */
  clientId: string;
  /** When the registration was made, as epoch milliseconds. */
  registeredAt: number;
  /** `client_id_issued_at`, converted to epoch milliseconds, when the server sent it. */
  clientIdIssuedAt?: number;
  /**
   * When the client secret expires, as absolute epoch milliseconds. Absent when there is no secret or it never
   * expires (RFC 7591 `client_secret_expires_at: 0`).
   */
  clientSecretExpiresAt?: number;
  /** Whether a client secret is stored. Set by the store from the secrets it writes. */
  hasClientSecret: boolean;
  /** Where the secrets of this registration live. Set by the store that wrote it. */
  store: StoreKind;
  /**
   * The other, non-secret fields of the registration response (`token_endpoint_auth_method`, `grant_types`,
   * `registration_client_uri`, …). Fields named like secrets (`client_secret`, `registration_access_token`: any name
   * ending in `secret`, `token`, `password` or `assertion`) are dropped by the store before writing.
   */
  clientMetadata: Record<string, unknown>;
}

/** The secret half of a dynamic client registration. */
export interface RegistrationSecrets {
  /** `client_secret`, for confidential clients. */
  clientSecret?: string;
  /** `registration_access_token` (RFC 7592), to read or update the registration later. */
  registrationAccessToken?: string;
}

/** A registration as read back from a store. */
export interface StoredRegistration {
  metadata: RegistrationMetadata;
  secrets: RegistrationSecrets;
}

/** The metadata a caller supplies when saving a registration; the store derives `hasClientSecret` and `store`. */
export type RegistrationMetadataInput = Omit<RegistrationMetadata, 'hasClientSecret' | 'store'>;

/** A registration to save. */
export interface RegistrationInput {
  metadata: RegistrationMetadataInput;
  secrets: RegistrationSecrets;
}

/** Every secret value of a record's secret half: what the stores register with the logger so it is never logged. */
export function secretValues(secrets: LoginSecrets | RegistrationSecrets): string[] {
  return Object.values(secrets).filter((value): value is string => typeof value === 'string');
}
