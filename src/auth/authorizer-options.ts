/**
 * What the Authorizer is configured with and what it reports: its options, a rejected request, what it did about
 * a 401, and the summary of a login for the `login` command.
 */
import type { CallbackHub } from './web-callback/hub.js';
import type { LoginGrant, LoginMetadata, CredentialStore } from '../store/index.js';
import type { Logger } from '../log.js';
import type { BrowserOpener } from './browser.js';
import type { BearerChallenge } from './challenge.js';
import type { ClientKey } from './client-key.js';
import type { EnterpriseIdp } from './cross-app-access.js';
import type { DPoPMode } from './dpop/policy.js';
import type { WorkloadToken } from './grants/workload-identity.js';
import type { InteractiveLogins } from './login-queue.js';
import type { OAuthHttp } from './oauth-http.js';
import type { RefusalEvidence } from './unadvertised-auth.js';

/** Options for {@link Authorizer}. */
export interface AuthorizerOptions {
  /** The MCP server URL as the user gave it. */
  serverUrl: URL;
  /** Issuer mode: the authorization server to use, for servers that do not advertise one. */
  issuer?: string;
  clientId?: string;
  clientSecret?: string;
  /** The pre-registered client's private key (`--client-key`): it authenticates with `private_key_jwt`. */
  clientKey?: ClientKey;
  clientMetadataUrl?: string;
  /**
   * How to log in: `authorization_code` (default; the browser), `device_code` (`--device-code`),
   * `client_credentials` (`--client-credentials`; needs `clientId` and a secret or key), `jwt_bearer` (cross-app
   * access; needs `enterpriseIdp` and `clientId`) or `workload_identity` (needs `workloadToken`).
   */
  grant?: LoginGrant;
  /** The enterprise identity provider, for `grant: 'jwt_bearer'` (SEP-990 cross-app access). */
  enterpriseIdp?: EnterpriseIdp;
  /** When logins bind their tokens to a DPoP key (`--dpop`, dpop/policy.ts). Default `auto`. */
  dpop?: DPoPMode;
  /** Where the workload's platform JWT is, for `grant: 'workload_identity'` (SEP-1933). */
  workloadToken?: WorkloadToken;
  /** Scopes the user asked for (`--scopes`); otherwise the server's challenge or metadata decides. */
  scopes?: string[];
  /** RFC 8707 resource override (`--resource`). */
  resource?: string;
  /** False with `--no-resource`: the parameter is never sent. */
  sendResource: boolean;
  /** Extra authorization request parameters (`--authorize-param`). */
  extraParams: Record<string, string>;
  /** How long a login may take, and how long another bridge's login is waited for; 0 = no time limit. */
  authTimeoutMs: number;
  /** Fixed redirect URI (`--redirect-url`); otherwise a loopback one is chosen. */
  redirectUrl?: string;
  /** Callback host (`--callback-host`): `127.0.0.1` (default) or `localhost`. */
  callbackHost?: string;
  /** Callback port (`--callback-port`); otherwise a stable port per server, or a free one. */
  callbackPort?: number;
  /**
   * `serve`: browser logins receive their authorization response at the shared endpoint of web-callback/hub.ts,
   * bound to the user `owner`, instead of a loopback server; {@link redirectUrl} is that endpoint's URL.
   */
  webCallback?: { hub: CallbackHub; owner: string };
  /** Opens the login URL; undefined prints it only. */
  opener: BrowserOpener | undefined;
  /** Shows the user what to do to log in (the login URL, a device login's code). Default: stderr. */
  prompt?: (text: string) => void;
  /** Opens the credential store on first use. */
  openStore: () => Promise<CredentialStore>;
  /** Config directory for locks (`--config-dir`). */
  configDir?: string;
  http: OAuthHttp;
  now: () => number;
  logger: Logger;
  /** How long no new interactive login starts after the server refused a fresh one (login-guard.ts). Default 5 min. */
  loginBackoffMs?: number;
  /**
   * The process's interactive logins (login-queue.ts), shared by the Authorizers of every server the process fronts:
   * a browser or device login waits for its turn there. Default: a queue of this Authorizer's own.
   */
  interactiveLogins?: InteractiveLogins;
}

/**
 * What {@link Authorizer.onUnauthorized} did about a 401: `stored` — the answer is a token read from the store that
 * no request has tried yet (if the server refuses it too, call again with it); `replaced` — another request or
 * process had already replaced the rejected token; `refreshed`; `logged-in`; `adopted` — a login another process
 * stored after the server refused this one's (the user acted).
 */
export type UnauthorizedOutcome = 'stored' | 'replaced' | 'refreshed' | 'logged-in' | 'adopted';

/** What a request that was answered 401 or 403 tells the authorizer. */
export interface Rejection {
  challenge: BearerChallenge | undefined;
  /** The access token the rejected request carried, if any. */
  usedToken: string | undefined;
  /** What the 401 said (status, challenge, start of the body), quoted when the server names no way to log in. */
  refusal?: RefusalEvidence;
}

/** What a login left behind, for the `login` command's report. Never a secret. */
export interface LoginSummary {
  serverUrl: string;
  issuer: string;
  clientId: string;
  clientIdSource: LoginMetadata['clientIdSource'];
  /** How the tokens were obtained. */
  grant: LoginGrant;
  scopes: string[];
  expiresAt: number | undefined;
  hasRefreshToken: boolean;
  store: LoginMetadata['store'];
  /** Who logged in, when the ID token said. */
  account: string | undefined;
  /** True when a stored login was still good and no new one was made. */
  reused: boolean;
}

/** The summary of a stored login; `account` only for one made now. */
export function loginSummary(meta: LoginMetadata, reused: boolean, account: string | undefined): LoginSummary {
  return {
    serverUrl: meta.serverUrl,
    issuer: meta.issuer,
    clientId: meta.clientId,
    clientIdSource: meta.clientIdSource,
    grant: meta.grant ?? 'authorization_code',
    scopes: meta.scopes,
    expiresAt: meta.expiresAt,
    hasRefreshToken: meta.hasRefreshToken,
    store: meta.store,
    account: reused ? undefined : account,
    reused,
  };
}
