/**
 * The Authorizer keeps one MCP server's login alive: it finds a stored login for the server, hands out access
 * tokens (refreshing proactively near expiry), and, when the server says 401 or 403 `insufficient_scope`, refreshes
 * or logs in — once per process (single-flight) and once across processes (a lock per server and authorization
 * server), so parallel bridges open one browser tab and never spend a rotated refresh token twice.
 *
 * How it logs in is the `grant` option, each in its own module: the browser login (authorization code + PKCE,
 * login.ts), the device authorization grant (device-login.ts), client credentials (client-credentials.ts) or
 * cross-app access (cross-app-access.ts). The last two need no user and get no refresh token: their tokens are
 * requested again, under the same lock, when they near their end (the refresh rule) and on 401.
 */
import { createHash } from 'node:crypto';
import {
  processRefreshTokenResponse,
  refreshTokenGrantRequest,
  type AuthorizationServer,
  type TokenEndpointResponse,
} from 'oauth4webapi';
import { BridgeError, ErrorCode, isBridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import {
  acquireLock,
  registrationKey,
  tokenKey,
  type CredentialStore,
  type LoginGrant,
  type LoginMetadata,
  type StoredLogin,
} from '../store/index.js';
import type { BrowserOpener } from './browser.js';
import { CallbackServer } from './callback-server.js';
import { bearerChallenge, type BearerChallenge } from './challenge.js';
import { requestClientCredentials } from './client-credentials.js';
import type { ClientKey } from './client-key.js';
import { DEVICE_REGISTRATION_URI, preRegisteredClient, resolveClient, type ResolvedClient } from './client.js';
import { describeOAuthError, OAuthError, oauthErrorCode } from './oauth-errors.js';
import { runCrossAppAccess, type EnterpriseIdp } from './cross-app-access.js';
import { assertDeviceFlowSupported, runDeviceLogin } from './device-login.js';
import { discoverAuthorizationServer, fetchResourceMetadata } from './discovery.js';
import { chooseIssuer, sameIssuer, serverMovedError } from './issuer-trust.js';
import { LoginGuard, type ServerRefusal, type TokenOrigin } from './login-guard.js';
import { runLogin, type LoginResult } from './login.js';
import { oauthOptions, type OAuthHttp } from './oauth-http.js';
import { findUnadvertisedAuthorizationServer, readRefusal, type RefusalEvidence } from './unadvertised-auth.js';
import { expiresAtOf, grantedScopes, isExpired, secretsOf, shouldRefresh } from './tokens.js';

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
   * `client_credentials` (`--client-credentials`; needs `clientId` and a secret or key) or `jwt_bearer` (cross-app
   * access; needs `enterpriseIdp` and `clientId`).
   */
  grant?: LoginGrant;
  /** The enterprise identity provider, for `grant: 'jwt_bearer'` (SEP-990 cross-app access). */
  enterpriseIdp?: EnterpriseIdp;
  /** Scopes the user asked for (`--scopes`); otherwise the server's challenge or metadata decides. */
  scopes?: string[];
  /** RFC 8707 resource override (`--resource`). */
  resource?: string;
  /** False with `--no-resource`: the parameter is never sent. */
  sendResource: boolean;
  /** Extra authorization request parameters (`--authorize-param`). */
  extraParams: Record<string, string>;
  /** How long a login may take, and how long another bridge's login is waited for. */
  authTimeoutMs: number;
  /** Fixed redirect URI (`--redirect-url`); otherwise a loopback one is chosen. */
  redirectUrl?: string;
  /** Callback host (`--callback-host`): `127.0.0.1` (default) or `localhost`. */
  callbackHost?: string;
  /** Callback port (`--callback-port`); otherwise a stable port per server, or a free one. */
  callbackPort?: number;
  /** Opens the login URL; undefined prints it only. */
  opener: BrowserOpener | undefined;
  /** Opens the credential store on first use. */
  openStore: () => Promise<CredentialStore>;
  /** Config directory for locks (`--config-dir`). */
  configDir?: string;
  http: OAuthHttp;
  now: () => number;
  logger: Logger;
  /** How long no new interactive login starts after the server refused a fresh one (login-guard.ts). Default 5 min. */
  loginBackoffMs?: number;
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

/** The loopback port a server's logins use unless told otherwise: stable per (issuer, resource), in 28000–28999. */
export function stableCallbackPort(issuer: string, resource: string): number {
  const h = createHash('sha256').update(`${issuer}\n${resource}`).digest();
  return 28000 + (h.readUInt16BE(0) % 1000);
}

interface Context {
  as: AuthorizationServer;
  /** The resource value (sent unless `--no-resource`); also part of the credential key. */
  resource: string;
  scopesSupported: string[] | undefined;
}

interface Current {
  key: string;
  login: StoredLogin;
}

const DEFAULT_ISSUER_SCOPES = ['openid', 'profile', 'email'];
/** Logins for more scopes per process, so a server that keeps asking cannot loop the user forever. */
const MAX_STEP_UPS = 2;

/** Whether a grant gets tokens without a user (and so is simply repeated instead of refreshed). */
export function isMachineGrant(grant: LoginGrant): boolean {
  return grant === 'client_credentials' || grant === 'jwt_bearer';
}

/** Keeps one server's login alive; see the module comment. */
export class Authorizer {
  readonly #o: AuthorizerOptions;
  readonly #log: Logger;
  readonly #grant: LoginGrant;
  #store: Promise<CredentialStore> | undefined;
  #loaded: Promise<void> | undefined;
  #ctx: Context | undefined;
  #current: Current | undefined;
  #busy: Promise<void> | undefined;
  /** Whether the operation under way may log in (its failure is then the answer for requests that waited). */
  #busyInteractive = false;
  #stepUps = 0;
  #lastAccount: string | undefined;
  /** Client ids that completed a login in this process. */
  readonly #usedClients = new Set<string>();
  #pendingLoginUrl: string | undefined;
  /** The access token read from the store at start-up (untried until a request carries it). */
  #storedToken: string | undefined;
  /** Whether an interactive login may start now (no login storms against a server that refuses every token). */
  readonly #guard: LoginGuard;

  constructor(options: AuthorizerOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#grant = options.grant ?? 'authorization_code';
    if (isMachineGrant(this.#grant) && !options.clientId) {
      throw new BridgeError(ErrorCode.Usage, `${this.#grant === 'client_credentials' ? '--client-credentials' : 'cross-app access (--idp-issuer)'} needs --client-id`);
    }
    if (this.#grant === 'jwt_bearer' && !options.enterpriseIdp) throw new BridgeError(ErrorCode.Internal, 'the jwt_bearer grant needs an enterprise IdP');
    this.#guard = new LoginGuard({
      serverLabel: options.serverUrl.host,
      serverUrl: options.serverUrl.href,
      ...(options.loginBackoffMs !== undefined ? { backoffMs: options.loginBackoffMs } : {}),
      now: options.now,
    });
  }

  /**
   * The server refused `usedToken` on the request that waited for it to be obtained. When it came from a login that
   * just finished, no new login starts for a while (login-guard.ts) and the returned error, quoting the server, is
   * the answer for that request; otherwise undefined (the request's own answer stands).
   */
  refusedAfterRenewal(usedToken: string | undefined, refusal: ServerRefusal): BridgeError | undefined {
    const error = this.#guard.refusedAfterRenewal(usedToken, refusal);
    if (error) this.#log.warn(error.message);
    return error;
  }

  /** How `token` was obtained in this process (a login or a refresh), if it was. */
  tokenOrigin(token: string | undefined): TokenOrigin | undefined {
    return this.#guard.originOf(token);
  }

  /** The URL of the browser login under way, if one is (for messages to requests that wait for it). */
  get pendingLoginUrl(): string | undefined {
    return this.#pendingLoginUrl;
  }

  /**
   * An access token for the next request, refreshed first when near its end; undefined when there is no login yet
   * (the request then goes without one and the server's 401 starts the login). The credential store is not
   * touched until a server first asks for authorization, so a server without auth costs nothing.
   */
  async accessToken(): Promise<string | undefined> {
    if (!this.#loaded) return undefined;
    await this.#loaded;
    if (this.#busy) {
      const interactive = this.#busyInteractive;
      await this.#busy.catch((error: unknown) => {
        // A request that waited for a login that failed fails with it, instead of starting another login.
        if (interactive) throw error;
      });
    }
    const current = this.#current;
    if (!current) return undefined;
    const meta = current.login.metadata;
    if (shouldRefresh(meta, this.#o.now())) {
      const token = current.login.secrets.accessToken;
      if (current.login.secrets.refreshToken) {
        await this.#exclusive(() => this.#refresh(token), false).catch((error: unknown) => {
          this.#log.warn(`could not refresh the access token: ${(error as Error).message}`);
        });
      } else if (isMachineGrant(this.#grant)) {
        // No refresh token by design: ask for a new access token the same way, before this one runs out.
        await this.#exclusive(() => this.#login({ challenge: undefined, usedToken: token }, undefined), false).catch((error: unknown) => {
          this.#log.warn(`could not renew the access token: ${(error as Error).message}`);
        });
      }
    }
    const now = this.#current;
    if (!now || isExpired(now.login.metadata, this.#o.now())) return undefined;
    return now.login.secrets.accessToken;
  }

  /** Reads the stored login for this server now (the bridge does when one exists), so requests carry it from the start. */
  async preload(): Promise<void> {
    this.#loaded ??= this.#loadStored().catch((error: unknown) => {
      this.#log.warn(`could not read stored credentials: ${(error as Error).message}`);
    });
    await this.#loaded;
  }

  /**
   * The server answered 401: use a stored login, refresh once if that can help, else log in. Rejects when none
   * worked, and while the server's refusal of a fresh login holds (login-guard.ts) unless another process stored a
   * newer login meanwhile. Resolves what it did ({@link UnauthorizedOutcome}).
   */
  async onUnauthorized(rejection: Rejection): Promise<UnauthorizedOutcome> {
    await this.preload();
    let outcome: UnauthorizedOutcome = 'replaced';
    await this.#exclusive(async () => {
      const current = this.#current;
      if (current && current.login.secrets.accessToken !== rejection.usedToken && !isExpired(current.login.metadata, this.#o.now())) {
        // Someone already replaced the rejected token — or the request had none and this is the stored one.
        outcome = rejection.usedToken === undefined && current.login.secrets.accessToken === this.#storedToken ? 'stored' : 'replaced';
        return;
      }
      if (await this.#refusedLoginHolds(rejection, undefined)) {
        outcome = 'adopted';
        return;
      }
      // A token refreshed a moment ago and refused at once: refreshing again would not help.
      if (current?.login.secrets.refreshToken && this.#guard.originOf(rejection.usedToken) !== 'refresh') {
        try {
          await this.#refresh(rejection.usedToken);
          outcome = 'refreshed';
          return;
        } catch (error) {
          this.#log.info(`refreshing did not help (${(error as Error).message}); logging in again`);
        }
      }
      await this.#login(rejection, undefined);
      outcome = 'logged-in';
    });
    return outcome;
  }

  /**
   * While the server's refusal of a fresh login holds: adopts a login another process stored after it (resolves
   * true), or throws the refusal. Resolves false when no refusal holds.
   */
  async #refusedLoginHolds(rejection: Rejection, scopes: string[] | undefined): Promise<boolean> {
    const permission = this.#guard.mayLogin();
    if (permission.allowed) return false;
    const ctx = await this.#context(rejection.challenge);
    if (await this.#adoptNewer(ctx, rejection.usedToken, scopes, permission.refusal.at)) return true;
    throw permission.error;
  }

  /**
   * Logs in now (the `login` command): reuses a stored login that is still good unless `force`, else asks the
   * server for its challenge with `probe` (an unauthenticated request) and runs the login it calls for.
   */
  async loginNow(options: { force?: boolean; probe: () => Promise<Response> }): Promise<LoginSummary> {
    this.#loaded ??= this.#loadStored();
    await this.#loaded;
    if (!options.force && this.#current) {
      if (shouldRefresh(this.#current.login.metadata, this.#o.now()) && this.#current.login.secrets.refreshToken) {
        const token = this.#current.login.secrets.accessToken;
        await this.#exclusive(() => this.#refresh(token), false).catch((error: unknown) => {
          this.#log.info(`the stored login could not be refreshed (${(error as Error).message}); logging in again`);
        });
      }
      if (this.#current && !isExpired(this.#current.login.metadata, this.#o.now())) return this.#summary(true);
    }
    const response = await options.probe();
    const refusal = await readRefusal(response);
    if (response.status !== 401 && !this.#o.issuer) {
      throw new BridgeError(ErrorCode.Auth, `${this.#o.serverUrl.host} did not ask for authorization (HTTP ${response.status}): there is nothing to log in to`, {
        hint: 'the bridge can use this server as it is; if it validates tokens from a provider without saying so, pass --issuer and --client-id',
      });
    }
    const challenge = response.status === 401 ? bearerChallenge(response) : undefined;
    await this.#exclusive(() => this.#login({ challenge, usedToken: undefined, refusal }, undefined, options.force === true));
    return this.#summary(false);
  }

  #summary(reused: boolean): LoginSummary {
    const meta = this.#current!.login.metadata;
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
      account: reused ? undefined : this.#lastAccount,
      reused,
    };
  }

  /** The server answered 403 `insufficient_scope`: log in again for the union of scopes, a bounded number of times. */
  async onInsufficientScope(rejection: Rejection): Promise<void> {
    await this.#exclusive(async () => {
      const wanted = (rejection.challenge?.scope ?? '').split(' ').filter(Boolean);
      const have = this.#current?.login.metadata.scopes ?? [];
      if (this.#current && this.#current.login.secrets.accessToken !== rejection.usedToken) return;
      if (await this.#refusedLoginHolds(rejection, [...new Set([...have, ...wanted])])) return;
      const union = [...new Set([...have, ...wanted])];
      if (wanted.length > 0 && wanted.every((s) => have.includes(s))) {
        throw new BridgeError(ErrorCode.Auth, `the server refused access although the login has the scopes it asked for (${wanted.join(' ')})`, {
          hint: 'your account may lack the permission; ask the server operator',
        });
      }
      if (this.#stepUps >= MAX_STEP_UPS) {
        throw new BridgeError(ErrorCode.Auth, `the server keeps asking for more scopes (${wanted.join(' ') || 'unspecified'}); not logging in again`, {
          hint: 'restart the bridge to try again, or pass the scopes you need with --scopes',
        });
      }
      this.#stepUps++;
      this.#log.info(`the server needs more permissions (${wanted.join(' ') || 'unspecified'}); logging in again`);
      await this.#login(rejection, union);
    });
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────────────

  /** Whether no stored login, and no login in this process, has used this client id yet. */
  async #neverUsed(clientId: string): Promise<boolean> {
    if (this.#usedClients.has(clientId)) return false;
    const { logins } = await (await this.#openStore()).list();
    return !logins.some((l) => l.metadata.clientId === clientId);
  }

  /** Runs `work` alone in this process; concurrent callers wait for the one under way instead of starting another. */
  async #exclusive(work: () => Promise<void>, interactive = true): Promise<void> {
    if (this.#busy) {
      await this.#busy;
      return;
    }
    const run = work().finally(() => {
      if (this.#busy === run) this.#busy = undefined;
    });
    this.#busy = run;
    this.#busyInteractive = interactive;
    await run;
  }

  #openStore(): Promise<CredentialStore> {
    this.#store ??= this.#o.openStore();
    return this.#store;
  }

  /** Finds the newest stored login for this server (and the issuer/client the options name). */
  async #loadStored(): Promise<void> {
    const store = await this.#openStore();
    const { logins } = await store.list();
    const server = this.#o.serverUrl.href;
    const match = logins
      .filter((l) => l.metadata.serverUrl === server && this.#sameKind(l.metadata))
      .filter((l) => !this.#o.issuer || sameIssuer(l.metadata.issuer, this.#o.issuer))
      .filter((l) => !this.#o.clientId || l.metadata.clientId === this.#o.clientId)
      .sort((a, b) => b.metadata.obtainedAt - a.metadata.obtainedAt)[0];
    if (!match) return;
    const login = await store.getTokens(match.key);
    if (!login) return;
    this.#remember(login);
    this.#current = { key: match.key, login };
    this.#storedToken = login.secrets.accessToken;
    this.#log.debug(`using the stored login for ${server} (${login.metadata.store})`);
  }

  /**
   * Whether a stored login may serve this bridge: a machine's tokens (client credentials, cross-app access) only a
   * bridge configured for the same grant; a user's (browser or device login) any user-login bridge.
   */
  #sameKind(meta: LoginMetadata): boolean {
    const stored = meta.grant ?? 'authorization_code';
    return isMachineGrant(this.#grant) || isMachineGrant(stored) ? stored === this.#grant : true;
  }

  #remember(login: StoredLogin): void {
    this.#log.secret(login.secrets.accessToken);
    this.#log.secret(login.secrets.refreshToken);
    this.#log.secret(login.secrets.idToken);
  }

  /** Discovery: from the stored issuer, the `--issuer`, or the server's challenge and metadata. */
  async #context(challenge: BearerChallenge | undefined, refusal?: RefusalEvidence): Promise<Context> {
    if (this.#ctx) return this.#ctx;
    const http = this.#o.http;
    let issuer = this.#o.issuer;
    let resource = this.#o.resource;
    let scopesSupported: string[] | undefined;
    if (!issuer) {
      const prm = await fetchResourceMetadata({ serverUrl: this.#o.serverUrl, challenge, http });
      if (!prm) {
        // A server of the 2025-03-26 authorization spec, if it really has an authorization server at its origin;
        // else one that wants an API key or names no provider (the error quotes its answer and names both fixes).
        const legacy = await findUnadvertisedAuthorizationServer({ serverUrl: this.#o.serverUrl, refusal, http });
        this.#log.info(
          `${this.#o.serverUrl.host} publishes no protected-resource metadata; using ${legacy.defaults ? 'the default endpoints' : 'the authorization server metadata'} at its origin (MCP 2025-03-26)`,
        );
        this.#ctx = { as: legacy.as, resource: resource ?? this.#o.serverUrl.href, scopesSupported: undefined };
        return this.#ctx;
      } else {
        // The login's own authorization server when the server still names it, so its refresh token stays usable.
        issuer = chooseIssuer(prm.authorizationServers, this.#current?.login.metadata.issuer);
        resource ??= prm.resource;
        scopesSupported = prm.scopesSupported;
      }
    }
    // PKCE (and an authorization endpoint) matter only to the browser login.
    const as = await discoverAuthorizationServer({ issuer, http, checkPkce: this.#grant === 'authorization_code' });
    this.#ctx = { as, resource: resource ?? this.#o.serverUrl.href, scopesSupported };
    return this.#ctx;
  }

  /** A lock key per (issuer, resource): logins and refreshes for one server never overlap across processes. */
  #lockKey(ctx: Context): string {
    return tokenKey({ issuer: ctx.as.issuer, resource: ctx.resource, clientId: '*' });
  }

  async #withLock<T>(ctx: Context, work: () => Promise<T>): Promise<T> {
    const lock = await acquireLock(this.#lockKey(ctx), {
      ...(this.#o.configDir ? { configDir: this.#o.configDir } : {}),
      timeoutMs: this.#o.authTimeoutMs + 30_000,
      staleAfterMs: this.#o.authTimeoutMs + 30_000,
      logger: this.#log,
    });
    try {
      return await work();
    } finally {
      await lock.release();
    }
  }

  /**
   * Adopts a login another process stored meanwhile, when it is newer than the rejected token (and obtained after
   * `newerThan`, when given: a login the user made after the server refused this process's).
   */
  async #adoptNewer(ctx: Context, rejectedToken: string | undefined, scopes: string[] | undefined, newerThan?: number): Promise<boolean> {
    const store = await this.#openStore();
    const { logins } = await store.list();
    const candidates = logins
      .filter((l) => l.metadata.serverUrl === this.#o.serverUrl.href && sameIssuer(l.metadata.issuer, ctx.as.issuer) && l.metadata.resource === ctx.resource)
      .filter((l) => this.#sameKind(l.metadata))
      .filter((l) => !this.#o.clientId || l.metadata.clientId === this.#o.clientId)
      .filter((l) => newerThan === undefined || l.metadata.obtainedAt > newerThan)
      .sort((a, b) => b.metadata.obtainedAt - a.metadata.obtainedAt);
    for (const c of candidates) {
      if (isExpired(c.metadata, this.#o.now())) continue;
      if (scopes && !scopes.every((s) => c.metadata.scopes.includes(s))) continue;
      const login = await store.getTokens(c.key);
      if (!login || login.secrets.accessToken === rejectedToken) continue;
      this.#remember(login);
      this.#current = { key: c.key, login };
      this.#guard.reset();
      this.#log.info('using the login another mcp-auth-bridge process just completed');
      return true;
    }
    return false;
  }

  async #refresh(rejectedToken: string | undefined): Promise<void> {
    const current = this.#current;
    if (!current?.login.secrets.refreshToken) throw new BridgeError(ErrorCode.Auth, 'no refresh token');
    const ctx = await this.#context(undefined);
    const meta = current.login.metadata;
    if (!sameIssuer(ctx.as.issuer, meta.issuer)) {
      // The refresh token (and a pre-registered client's secret) belong to the login's issuer: never sent elsewhere.
      throw serverMovedError({ serverLabel: this.#o.serverUrl.host, trusted: meta.issuer, now: ctx.as.issuer });
    }
    await this.#withLock(ctx, async () => {
      const store = await this.#openStore();
      // Another process may have refreshed (and rotated the refresh token) while this one waited for the lock.
      const latest = await store.getTokens(current.key);
      if (latest && latest.secrets.accessToken !== rejectedToken && !shouldRefresh(latest.metadata, this.#o.now())) {
        this.#remember(latest);
        this.#current = { ...current, login: latest };
        return;
      }
      const refreshToken = latest?.secrets.refreshToken ?? current.login.secrets.refreshToken!;
      const client = await this.#clientFor(ctx, current.login.metadata);
      let tokens: TokenEndpointResponse;
      try {
        const response = await refreshTokenGrantRequest(ctx.as, client.client, client.auth, refreshToken, {
          ...oauthOptions(this.#o.http, new URL(ctx.as.token_endpoint!)),
          ...(this.#sendsResource() ? { additionalParameters: { resource: ctx.resource } } : {}),
        });
        tokens = await processRefreshTokenResponse(ctx.as, client.client, response);
      } catch (error) {
        const code = oauthErrorCode(error);
        if (code === OAuthError.InvalidGrant || code === OAuthError.InvalidClient) {
          await store.deleteTokens(current.key);
          this.#current = undefined;
          if (code === OAuthError.InvalidClient && client.registrationKey) {
            await store.deleteRegistration(client.registrationKey);
            this.#log.info('the authorization server no longer knows this client; it will be registered again');
          }
        }
        throw new BridgeError(ErrorCode.Auth, `refreshing the login failed: ${describeOAuthError(error)}`, { cause: error });
      }
      const saved = await this.#save(ctx, current.key, {
        clientId: current.login.metadata.clientId,
        source: current.login.metadata.clientIdSource,
        grant: current.login.metadata.grant ?? 'authorization_code',
        tokens,
        requested: current.login.metadata.scopes,
        previous: latest?.secrets ?? current.login.secrets,
        redirectUri: current.login.metadata.redirectUri,
      });
      this.#current = { ...current, login: saved };
      this.#guard.obtained(saved.secrets.accessToken, 'refresh');
      this.#log.info(`refreshed the access token for ${this.#o.serverUrl.origin}`);
    });
  }

  async #save(ctx: Context, key: string, what: SaveInput): Promise<StoredLogin> {
    const { clientId, source, grant, tokens, requested, previous, redirectUri } = what;
    this.#log.secret(tokens.access_token);
    this.#log.secret(tokens.refresh_token);
    this.#log.secret(tokens.id_token);
    const now = this.#o.now();
    const expiresAt = expiresAtOf(tokens, now);
    const store = await this.#openStore();
    const saved = await store.setTokens(key, {
      metadata: {
        serverUrl: this.#o.serverUrl.href,
        issuer: ctx.as.issuer,
        resource: ctx.resource,
        clientId,
        clientIdSource: source,
        ...(grant !== 'authorization_code' ? { grant } : {}),
        scopes: grantedScopes(tokens, requested),
        obtainedAt: now,
        ...(expiresAt !== undefined ? { expiresAt } : {}),
        ...(redirectUri ? { redirectUri } : {}),
      },
      secrets: secretsOf(tokens, previous),
    });
    return saved;
  }

  /** The client for refreshing a stored login: options for pre-registered ones, the stored registration for dynamic. */
  async #clientFor(ctx: Context, meta: LoginMetadata): Promise<ResolvedClient> {
    const store = await this.#openStore();
    return resolveClient({
      as: ctx.as,
      redirectUri: meta.redirectUri ?? this.#redirectUri(ctx, this.#stablePort(ctx)),
      scopes: meta.scopes,
      mayRegister: false,
      ...(meta.clientIdSource === 'pre-registered'
        ? {
            clientId: meta.clientId,
            ...(this.#o.clientSecret ? { clientSecret: this.#o.clientSecret } : {}),
            ...(this.#o.clientKey ? { clientKey: this.#o.clientKey } : {}),
          }
        : {}),
      ...(meta.clientIdSource === 'metadata-document' ? { clientMetadataUrl: meta.clientId } : {}),
      store,
      http: this.#o.http,
      now: this.#o.now,
      logger: this.#log,
    });
  }

  /** The scopes to ask for: explicit, else challenged, else advertised; plus offline_access when offered. */
  #scopes(ctx: Context, challenge: BearerChallenge | undefined, union: string[] | undefined): string[] {
    let scopes = union ?? this.#o.scopes ?? challenge?.scope?.split(' ').filter(Boolean) ?? ctx.scopesSupported;
    // A machine has no user to identify (openid …) and gets no refresh token (offline_access).
    if (isMachineGrant(this.#grant)) return scopes ?? [];
    if (!scopes || scopes.length === 0) scopes = this.#o.issuer ? DEFAULT_ISSUER_SCOPES : [];
    const supported = ctx.as.scopes_supported ?? [];
    if (supported.includes('offline_access') && !scopes.includes('offline_access')) scopes = [...scopes, 'offline_access'];
    return scopes;
  }

  #stablePort(ctx: Context): number {
    return this.#o.callbackPort ?? stableCallbackPort(ctx.as.issuer, ctx.resource);
  }

  #redirectUri(ctx: Context, port: number): string {
    if (this.#o.redirectUrl) return this.#o.redirectUrl;
    const host = this.#o.callbackHost ?? '127.0.0.1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}/callback`;
  }

  /** Binds the callback: the fixed redirect's port, else the stable port, else any free port (a new redirect URI). */
  async #bindCallback(ctx: Context): Promise<{ server: CallbackServer; redirectUri: string }> {
    if (this.#o.redirectUrl) {
      const url = new URL(this.#o.redirectUrl);
      const port = Number(url.port || 80);
      const server = await CallbackServer.listen({ host: url.hostname, port, path: url.pathname, logger: this.#log });
      return { server, redirectUri: this.#o.redirectUrl };
    }
    const host = this.#o.callbackHost ?? '127.0.0.1';
    const stable = this.#stablePort(ctx);
    try {
      const server = await CallbackServer.listen({ host, port: stable, path: '/callback', logger: this.#log });
      return { server, redirectUri: this.#redirectUri(ctx, server.port) };
    } catch (error) {
      if (this.#o.callbackPort !== undefined || !isBridgeError(error, ErrorCode.Auth)) throw error;
      this.#log.info(`callback port ${stable} is in use; using a free port for this login`);
      const server = await CallbackServer.listen({ host, port: 0, path: '/callback', logger: this.#log });
      return { server, redirectUri: this.#redirectUri(ctx, server.port) };
    }
  }

  /** Logs in by the configured grant, under the cross-process lock, unless another process just did. */
  async #login(rejection: Rejection, union: string[] | undefined, force = false): Promise<void> {
    const ctx = await this.#context(rejection.challenge, rejection.refusal);
    const scopes = this.#scopes(ctx, rejection.challenge, union);
    if (this.#grant === 'device_code') assertDeviceFlowSupported(ctx.as);
    if (!force) await this.#assertClientBelongs(ctx);
    await this.#withLock(ctx, async () => {
      if (!force && (await this.#adoptNewer(ctx, rejection.usedToken, union))) return;
      if (isMachineGrant(this.#grant)) return this.#machineLogin(ctx, scopes);
      const permission = this.#guard.mayLogin();
      if (!permission.allowed) throw permission.error;
      return this.#userLogin(ctx, scopes);
    });
  }

  /**
   * A pre-registered client (`--client-id`, its secret or key) is used only with the issuer the user named
   * (`--issuer`) or, in discovered mode, the one its stored logins for this server were made with; see
   * issuer-trust.ts. The first login trusts the issuer the server names (and says so); `login --force` re-trusts.
   */
  async #assertClientBelongs(ctx: Context): Promise<void> {
    const clientId = this.#o.clientId;
    if (!clientId || this.#o.issuer) return;
    const { logins } = await (await this.#openStore()).list();
    const own = logins
      .filter((l) => l.metadata.serverUrl === this.#o.serverUrl.href && l.metadata.clientIdSource === 'pre-registered' && l.metadata.clientId === clientId)
      .sort((a, b) => b.metadata.obtainedAt - a.metadata.obtainedAt);
    if (own.some((l) => sameIssuer(l.metadata.issuer, ctx.as.issuer))) return;
    if (own.length > 0) throw serverMovedError({ serverLabel: this.#o.serverUrl.host, trusted: own[0]!.metadata.issuer, now: ctx.as.issuer, clientId });
    if (this.#o.clientSecret || this.#o.clientKey) {
      this.#log.info(`using the client ${clientId} with ${ctx.as.issuer}, the authorization server ${this.#o.serverUrl.host} names; its credentials will go only there (name it yourself with --issuer)`);
    }
  }

  /**
   * Whether to send the RFC 8707 `resource` parameter: not with `--no-resource`; in issuer mode only with
   * `--resource` (the server declared no resource identifier, and providers that honour the parameter would issue
   * tokens for an audience the server does not check for — Entra refuses it outright, AADSTS9010010).
   */
  #sendsResource(): boolean {
    return this.#o.sendResource && (!this.#o.issuer || this.#o.resource !== undefined);
  }

  /** A user's login: in the browser (authorization code + PKCE) or on another device (RFC 8628). */
  async #userLogin(ctx: Context, scopes: string[]): Promise<void> {
    const store = await this.#openStore();
    const device = this.#grant === 'device_code';
    for (let attempt = 0; attempt < 2; attempt++) {
      const bound = device ? undefined : await this.#bindCallback(ctx);
      const redirectUri = bound?.redirectUri ?? DEVICE_REGISTRATION_URI;
      let client: ResolvedClient | undefined;
      try {
        client = await resolveClient({
          as: ctx.as,
          redirectUri,
          scopes,
          registerScopes: ctx.scopesSupported ?? [],
          // A device login finds out itself: its first request is refused with invalid_client (then: register again).
          ...(device ? {} : { verifyStored: (clientId: string) => this.#neverUsed(clientId) }),
          ...(this.#o.clientId ? { clientId: this.#o.clientId } : {}),
          ...(this.#o.clientSecret ? { clientSecret: this.#o.clientSecret } : {}),
          ...(this.#o.clientKey ? { clientKey: this.#o.clientKey } : {}),
          ...(this.#o.clientMetadataUrl ? { clientMetadataUrl: this.#o.clientMetadataUrl } : {}),
          store,
          http: this.#o.http,
          now: this.#o.now,
          logger: this.#log,
        });
        const common = {
          as: ctx.as,
          client,
          scopes,
          resource: this.#sendsResource() ? ctx.resource : undefined,
          timeoutMs: this.#o.authTimeoutMs,
          http: this.#o.http,
          logger: this.#log,
          serverLabel: this.#o.serverUrl.host,
        };
        const pending = (url: string) => {
          this.#pendingLoginUrl = url;
        };
        const login: Promise<LoginResult> = bound
          ? runLogin({ ...common, redirectUri, callback: bound.server, extraParams: this.#o.extraParams, opener: this.#o.opener, onUrl: pending })
          : runDeviceLogin({ ...common, onPrompt: (p) => pending(p.verificationUriComplete ?? p.verificationUri) });
        const { tokens, account } = await login.finally(() => (this.#pendingLoginUrl = undefined));
        const key = tokenKey({ issuer: ctx.as.issuer, resource: ctx.resource, clientId: client.client.client_id });
        const used = client;
        const saved = await this.#save(ctx, key, { clientId: used.client.client_id, source: used.source, grant: this.#grant, tokens, requested: scopes, previous: undefined, redirectUri });
        this.#current = { key, login: saved };
        this.#guard.obtained(saved.secrets.accessToken, 'login');
        this.#lastAccount = account;
        this.#usedClients.add(used.client.client_id);
        this.#log.info(`logged in to ${this.#o.serverUrl.host}${account ? ` as ${account}` : ''}${device ? ' on another device' : ''}; credentials stored in ${store.description}`);
        return;
      } catch (error) {
        const code = oauthErrorCode((error as { cause?: unknown }).cause);
        const registration = registrationKey({ issuer: ctx.as.issuer, redirectUri });
        if (code === OAuthError.InvalidClient && client?.registeredNow) {
          // Registering again would be refused the same way, after another login: say so instead.
          throw new BridgeError(ErrorCode.Auth, `the authorization server ${ctx.as.issuer} refused the client it registered moments ago (invalid_client)`, {
            cause: error,
            hint: 'the server does not accept its own registrations from this client; register a client with the provider yourself and pass --client-id',
          });
        }
        if (attempt === 0 && code === OAuthError.InvalidClient && !this.#o.clientId && !this.#o.clientMetadataUrl && (await store.deleteRegistration(registration))) {
          this.#log.info('the authorization server no longer knows this client; registering again');
          continue;
        }
        // No login URL here: the login has ended and its callback is closed, so the link would be dead.
        throw error;
      } finally {
        bound?.server.close();
      }
    }
  }

  /**
   * A machine's tokens, with no user: client credentials (SEP-1046) or cross-app access (SEP-990), as the
   * pre-registered client. Stored like a login; the client secret or key never is.
   */
  async #machineLogin(ctx: Context, scopes: string[]): Promise<void> {
    const clientId = this.#o.clientId!;
    const client = await preRegisteredClient(ctx.as, clientId, {
      ...(this.#o.clientSecret ? { secret: this.#o.clientSecret } : {}),
      ...(this.#o.clientKey ? { key: this.#o.clientKey } : {}),
    });
    this.#log.secret(this.#o.clientSecret);
    const resource = this.#sendsResource() ? ctx.resource : undefined;
    const http = this.#o.http;
    const tokens =
      this.#grant === 'client_credentials'
        ? await requestClientCredentials({ as: ctx.as, client, scopes, resource, http, logger: this.#log })
        : await runCrossAppAccess({ as: ctx.as, client, idp: this.#o.enterpriseIdp!, scopes, resource, http, logger: this.#log, now: this.#o.now });
    const key = tokenKey({ issuer: ctx.as.issuer, resource: ctx.resource, clientId });
    const saved = await this.#save(ctx, key, { clientId, source: 'pre-registered', grant: this.#grant, tokens, requested: scopes, previous: undefined, redirectUri: undefined });
    this.#current = { key, login: saved };
    this.#lastAccount = undefined;
    const how = this.#grant === 'client_credentials' ? `with the client credentials of ${clientId}` : `through cross-app access from ${this.#o.enterpriseIdp!.issuer}`;
    this.#log.info(`obtained an access token for ${this.#o.serverUrl.host} ${how}; stored in ${(await this.#openStore()).description}`);
  }
}

/** What {@link Authorizer} saves after a token response. */
interface SaveInput {
  clientId: string;
  source: ResolvedClient['source'];
  grant: LoginGrant;
  tokens: TokenEndpointResponse;
  /** The scopes asked for (stored when the response names none). */
  requested: string[];
  /** The secrets being replaced (their refresh and ID tokens are kept when the response has none). */
  previous: StoredLogin['secrets'] | undefined;
  redirectUri: string | undefined;
}

