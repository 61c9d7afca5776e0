/**
 * The Authorizer keeps one MCP server's login alive: it finds a stored login for the server, hands out access
 * tokens (refreshing proactively near expiry), and, when the server says 401 or 403 `insufficient_scope`, refreshes
 * or logs in — once per process (single-flight) and once across processes (a lock per server and authorization
 * server), so parallel bridges open one browser tab and never spend a rotated refresh token twice.
 *
 * It keeps the token state machine, the single-flight, the lock and the step-up bound; each other job is a module
 * beside it, and `login` and `doctor` use the same ones: where logins are made (discovery-context.ts), which stored
 * login serves (stored-logins.ts) and which one another process stored may be adopted (adoptable-logins.ts), which
 * issuer credentials may go to (issuer-trust.ts), whether a browser may open (login-guard.ts), the grants and what
 * each one is (grants.ts, obtain-tokens.ts), the refresh grant (refresh-grant.ts) and the callback address
 * (callback-address.ts). Machine grants (client credentials, cross-app access) get no refresh token: their tokens are
 * requested again, under the same lock, when they near their end and on 401.
 */
import { BridgeError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { tokenKey, type CredentialStore, type LoginGrant, type StoredLogin } from '../store/index.js';
import { loginSummary, type AuthorizerOptions, type LoginSummary, type Rejection, type UnauthorizedOutcome } from './authorizer-options.js';
import { AdoptableLogins, type AdoptedSince } from './adoptable-logins.js';
import { callbackAddress } from './callback-address.js';
import type { BearerChallenge } from './challenge.js';
import { assertDeviceFlowSupported } from './device-login.js';
import { discoverContext, sendsResource, type AuthContext } from './discovery-context.js';
import type { ProofSender } from './dpop/resource-proof.js';
import { DPoPSession } from './dpop/session.js';
import { chooseScopes, GRANTS, isMachineGrant } from './grants.js';
import { sameIssuer, serverMovedError } from './issuer-trust.js';
import { LoginGuard, type ServerRefusal, type TokenOrigin } from './login-guard.js';
import { LoginQueue, LoginTurn } from './login-queue.js';
import { obtainTokens } from './obtain-tokens.js';
import { loginRevoked, refreshStoredLogin } from './refresh-grant.js';
import { saveLogin, type SaveInput } from './save-login.js';
import { LockWait, type LockedWork } from './lock-wait.js';
import { SingleFlight } from './single-flight.js';
import { assertStoredClientBelongs, bridgeLoginCriteria, readNewestLogin } from './stored-logins.js';
import { isExpired, shouldRefresh } from './tokens.js';
import type { RefusalEvidence } from './unadvertised-auth.js';
import { loginStartOf } from './login-probe.js';
import { stepUpScopes } from './step-up.js';

export type { AuthorizerOptions, LoginSummary, Rejection, UnauthorizedOutcome };

interface Current {
  key: string;
  login: StoredLogin;
}

/** Keeps one server's login alive; see the module comment. */
export class Authorizer {
  readonly #o: AuthorizerOptions;
  readonly #log: Logger;
  readonly #grant: LoginGrant;
  #store: Promise<CredentialStore> | undefined;
  #loaded: Promise<void> | undefined;
  #ctx: AuthContext | undefined;
  #current: Current | undefined;
  /** One refresh or login at a time in this process. */
  readonly #flight = new SingleFlight();
  #stepUps = 0;
  #lastAccount: string | undefined;
  /** Client ids that completed a login in this process. */
  readonly #usedClients = new Set<string>();
  #pendingLoginUrl: string | undefined;
  /** The wait for the cross-process lock, and the login its holder shares meanwhile (lock-wait.ts). */
  readonly #lockWait: LockWait;
  /** This server's place in the process's queue of interactive logins (login-queue.ts). */
  readonly #turn: LoginTurn;
  /** The access token read from the store at start-up (untried until a request carries it). */
  #storedToken: string | undefined;
  /** Whether an interactive login may start now (no login storms against a server that refuses every token). */
  readonly #guard: LoginGuard;
  /** Which login another process stored may be adopted, and since when (adoptable-logins.ts). */
  readonly #adoptable: AdoptableLogins;
  /** Whether logins bind their tokens to a key, and the proofs of those that do (dpop/). */
  readonly #dpop: DPoPSession;

  constructor(options: AuthorizerOptions) {
    this.#o = options;
    this.#dpop = new DPoPSession(options.dpop);
    this.#log = options.logger;
    this.#lockWait = new LockWait();
    this.#grant = options.grant ?? 'authorization_code';
    this.#adoptable = new AdoptableLogins({ serverUrl: options.serverUrl, grant: this.#grant, clientId: options.clientId, openStore: () => this.#openStore(), now: options.now });
    this.#turn = new LoginTurn({ logins: options.interactiveLogins ?? new LoginQueue(), label: options.serverUrl.href, logger: options.logger });
    if (GRANTS[this.#grant].needsClientId && !options.clientId) throw new BridgeError(ErrorCode.Usage, `${GRANTS[this.#grant].option} needs --client-id`);
    if ((this.#grant === 'jwt_bearer' && !options.enterpriseIdp) || (this.#grant === 'workload_identity' && !options.workloadToken)) throw new BridgeError(ErrorCode.Internal, `the ${this.#grant} grant needs its source`);
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
    if (!error) return undefined;
    this.#log.warn(error.message);
    // A login stored after this (by whichever instance, whatever its clock) is one the user made since.
    const recorded = this.#guard.refusal;
    if (recorded) this.#adoptable.refusalRecorded(recorded);
    return error;
  }

  /** How to send a request carrying `token` when the login's tokens are DPoP-bound (RFC 9449 §7); else undefined. */
  dpopSender(token: string): Promise<ProofSender | undefined> {
    return this.#dpop.sender(this.#current?.login, token);
  }

  /** How `token` was obtained in this process (a login or a refresh), if it was. */
  tokenOrigin(token: string | undefined): TokenOrigin | undefined {
    return this.#guard.originOf(token);
  }

  /**
   * The URL of the browser login under way, if one is (for messages to requests that wait for it): this process's,
   * or, while another holder of a shared store's lock runs the login, the one it shared. Finishing either serves here.
   */
  get pendingLoginUrl(): string | undefined {
    return this.#pendingLoginUrl ?? this.#lockWait.sharedLoginUrl;
  }

  /**
   * While this server's login waits for another server's interactive login to end (login-queue.ts), the label of
   * that one; else undefined. {@link pendingLoginUrl} stays undefined until this login's turn.
   */
  get waitingForTurn(): string | undefined {
    return this.#turn.waitingFor;
  }

  /**
   * An access token for the next request, refreshed first when near its end; undefined when there is no login yet
   * (the request then goes without one and the server's 401 starts the login). The credential store is not
   * touched until a server first asks for authorization, so a server without auth costs nothing.
   */
  async accessToken(): Promise<string | undefined> {
    if (!this.#loaded) return undefined;
    await this.#loaded;
    await this.#flight.settled();
    const current = this.#current;
    if (!current) return undefined;
    const meta = current.login.metadata;
    if (shouldRefresh(meta, this.#o.now())) {
      const token = current.login.secrets.accessToken;
      if (current.login.secrets.refreshToken) {
        await this.#flight.run(() => this.#refresh(token), false).catch((error: unknown) => {
          this.#log.warn(`could not refresh the access token: ${(error as Error).message}`);
        });
      } else if (isMachineGrant(this.#grant)) {
        // No refresh token by design: ask for a new access token the same way, before this one runs out.
        await this.#flight.run(() => this.#login({ challenge: undefined, usedToken: token }, undefined), false).catch((error: unknown) => {
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
    await this.#flight.run(async () => {
      const current = this.#current;
      if (current && current.login.secrets.accessToken !== rejection.usedToken && !isExpired(current.login.metadata, this.#o.now())) {
        // Someone already replaced the rejected token — or the request had none and this is the stored one.
        outcome = rejection.usedToken === undefined && current.login.secrets.accessToken === this.#storedToken ? 'stored' : 'replaced';
        return;
      }
      // A refused token: the server may have moved to another authorization server (SEP-2352); discover again.
      if (rejection.usedToken !== undefined && !this.#o.issuer) this.#ctx = undefined;
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
    if (await this.#adoptNewer(ctx, rejection.usedToken, scopes, await this.#adoptable.sinceRefusal(permission.refusal))) return true;
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
        await this.#flight.run(() => this.#refresh(token), false).catch((error: unknown) => {
          this.#log.info(`the stored login could not be refreshed (${(error as Error).message}); logging in again`);
        });
      }
      if (this.#current && !isExpired(this.#current.login.metadata, this.#o.now())) return loginSummary(this.#current.login.metadata, true, undefined);
    }
    const { challenge, refusal } = await loginStartOf(await options.probe(), { serverUrl: this.#o.serverUrl, issuerMode: !!this.#o.issuer });
    await this.#flight.run(() => this.#login({ challenge, usedToken: undefined, refusal }, undefined, options.force === true));
    return loginSummary(this.#current!.login.metadata, false, this.#lastAccount);
  }

  /** The server answered 403 `insufficient_scope`: log in again for the union of scopes, a bounded number of times. */
  async onInsufficientScope(rejection: Rejection): Promise<void> {
    await this.#flight.run(async () => {
      const wanted = (rejection.challenge?.scope ?? '').split(' ').filter(Boolean);
      const have = this.#current?.login.metadata.scopes ?? [];
      if (this.#current && this.#current.login.secrets.accessToken !== rejection.usedToken) return;
      if (await this.#refusedLoginHolds(rejection, [...new Set([...have, ...wanted])])) return;
      const union = stepUpScopes({ wanted, have, done: this.#stepUps });
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

  #openStore(): Promise<CredentialStore> {
    this.#store ??= this.#o.openStore();
    return this.#store;
  }

  /** Finds the newest stored login for this server (and the issuer/client the options name): stored-logins.ts. */
  async #loadStored(): Promise<void> {
    const found = await readNewestLogin(await this.#openStore(), bridgeLoginCriteria({ ...this.#o, grant: this.#grant }));
    if (!found) return;
    this.#remember(found.login);
    this.#current = found;
    this.#storedToken = found.login.secrets.accessToken;
    this.#log.debug(`using the stored login for ${this.#o.serverUrl.href} (${found.login.metadata.store})`);
  }

  #remember(login: StoredLogin): void {
    this.#log.secret(login.secrets.accessToken);
    this.#log.secret(login.secrets.refreshToken);
    this.#log.secret(login.secrets.idToken);
  }

  /** Discovery (discovery-context.ts): `--issuer`, or the server's challenge and metadata; again after a refusal. */
  async #context(challenge: BearerChallenge | undefined, refusal?: RefusalEvidence): Promise<AuthContext> {
    const { serverUrl, issuer, resource, http } = this.#o;
    const loginIssuer = this.#current?.login.metadata.issuer;
    // PKCE (and an authorization endpoint) matter only to the browser login.
    const checkPkce = GRANTS[this.#grant].browser;
    this.#ctx ??= await discoverContext({ serverUrl, issuer, resource, challenge, refusal, loginIssuer, http, checkPkce, logger: this.#log });
    return this.#ctx;
  }

  /** The RFC 8707 resource to send, if any (discovery-context.ts). */
  #resourceParam(ctx: AuthContext): string | undefined {
    return sendsResource(this.#o) ? ctx.resource : undefined;
  }

  /**
   * Runs `work` under the cross-process lock of (issuer, resource), or the store's own exclusion (server-lock.ts).
   * While another holder has it, the login that holder shares is this Authorizer's {@link pendingLoginUrl}.
   */
  async #withLock<T>(ctx: AuthContext, work: LockedWork<T>): Promise<T> {
    const { authTimeoutMs, configDir } = this.#o;
    const store = await this.#openStore();
    return this.#lockWait.run({ issuer: ctx.as.issuer, resource: ctx.resource, authTimeoutMs, configDir, logger: this.#log, store }, work);
  }

  /**
   * Adopts a login another process stored meanwhile, when it holds another token than the rejected one and is newer
   * than `since` (adoptable-logins.ts).
   */
  async #adoptNewer(ctx: AuthContext, rejectedToken: string | undefined, scopes: string[] | undefined, since?: AdoptedSince): Promise<boolean> {
    const found = await this.#adoptable.find(ctx, rejectedToken, scopes, since);
    if (!found) return false;
    this.#remember(found.login);
    this.#current = found;
    this.#guard.reset();
    this.#log.info('using the login another mcp-auth-bridge process just completed');
    return true;
  }

  /** Refreshes the current login (refresh-grant.ts) under the lock, unless another process already did. */
  async #refresh(rejectedToken: string | undefined): Promise<void> {
    const current = this.#current;
    if (!current?.login.secrets.refreshToken) throw new BridgeError(ErrorCode.Auth, 'no refresh token');
    const ctx = await this.#context(undefined);
    const meta = current.login.metadata;
    if (!sameIssuer(ctx.as.issuer, meta.issuer)) {
      // The refresh token (and a pre-registered client's secret) belong to the login's issuer: never sent elsewhere.
      throw serverMovedError({ serverLabel: this.#o.serverUrl.host, trusted: meta.issuer, now: ctx.as.issuer });
    }
    const store = await this.#openStore();
    const fallbackRedirectUri = callbackAddress(this.#o, ctx.as.issuer, ctx.resource).redirectUri;
    const http = this.#dpop.tokenHttp(this.#o.http, await this.#dpop.forLogin(current.login));
    const refreshing = { ...this.#o, http, ctx, key: current.key, current: current.login, rejectedToken, resource: this.#resourceParam(ctx), fallbackRedirectUri };
    const outcome = await this.#withLock(ctx, () => refreshStoredLogin({ ...refreshing, store, logger: this.#log })).catch((error: unknown) => {
      if (loginRevoked(error)) this.#current = undefined;
      throw error;
    });
    this.#remember(outcome.login);
    this.#current = { ...current, login: outcome.login };
    if (outcome.by === 'other-process') return;
    this.#guard.obtained(outcome.login.secrets.accessToken, 'refresh');
    this.#log.info(`refreshed the access token for ${this.#o.serverUrl.origin}`);
  }

  async #save(ctx: AuthContext, key: string, what: Omit<SaveInput, 'serverUrl' | 'issuer' | 'resource'>): Promise<StoredLogin> {
    const input = { ...what, serverUrl: this.#o.serverUrl, issuer: ctx.as.issuer, resource: ctx.resource };
    return saveLogin(await this.#openStore(), key, input, { now: this.#o.now(), logger: this.#log });
  }

  /** Logs in by the configured grant (grants.ts, obtain-tokens.ts), under the cross-process lock, unless another process just did. */
  async #login(rejection: Rejection, union: string[] | undefined, force = false): Promise<void> {
    const ctx = await this.#context(rejection.challenge, rejection.refusal);
    const scopes = chooseScopes({
      grant: this.#grant,
      explicit: this.#o.scopes,
      challenged: rejection.challenge?.scope,
      advertised: ctx.scopesSupported,
      offered: ctx.as.scopes_supported,
      issuerMode: !!this.#o.issuer,
      union,
    });
    if (GRANTS[this.#grant].obtainBy === 'device-login') assertDeviceFlowSupported(ctx.as);
    // A pre-registered client goes only to the issuer it belongs to (issuer-trust.ts); `login --force` re-trusts.
    if (!force && this.#o.clientId && !this.#o.issuer) {
      const c = { serverUrl: this.#o.serverUrl, clientId: this.#o.clientId, hasCredentials: !!(this.#o.clientSecret || this.#o.clientKey) };
      await assertStoredClientBelongs(await this.#openStore(), { ...c, issuer: ctx.as.issuer, info: (line) => this.#log.info(line) });
    }
    // A user's login takes its turn first (one browser tab or device code at a time in the process, login-queue.ts),
    // then the cross-process lock: the lock is never held while waiting for the turn, so its bound stays the login's.
    // `force` is answered by a login another holder shares meanwhile only once it is stored: one not among these.
    const before = force ? await this.#adoptable.snapshot(ctx) : undefined;
    const locked = () => this.#withLock(ctx, async (hold, followed) => {
      // A login another holder shared while this one waited was offered here too: when it finished, it is the
      // answer, even to `force` (the user just made it).
      if ((!force || followed) && (await this.#adoptNewer(ctx, rejection.usedToken, union, { changedSince: before }))) return;
      if (GRANTS[this.#grant].user) {
        const permission = this.#guard.mayLogin();
        if (!permission.allowed) throw permission.error;
      }
      const store = await this.#openStore();
      // DPoP (dpop/policy.ts): as the server's challenge says; with none (a machine's renewal), as the login it replaces.
      const challenged = rejection.challenge ? rejection.challenge.dpop === true : !!this.#current?.login.secrets.dpopKey;
      const binding = await this.#dpop.forNewLogin(ctx.as, challenged);
      const obtained = await obtainTokens({
        grant: this.#grant,
        config: { ...this.#o, http: this.#dpop.tokenHttp(this.#o.http, binding) },
        ctx,
        scopes,
        resource: this.#resourceParam(ctx),
        store,
        logger: this.#log,
        neverUsed: (clientId) => this.#neverUsed(clientId),
        onPending: (url) => {
          this.#pendingLoginUrl = url;
          void hold.share(url);
        },
      });
      const key = tokenKey({ issuer: ctx.as.issuer, resource: ctx.resource, clientId: obtained.clientId });
      const { tokens, clientId, source, redirectUri } = obtained;
      const dpopKey = this.#dpop.storedKey(binding, tokens, ctx.as.issuer);
      const saved = await this.#save(ctx, key, { clientId, source, grant: this.#grant, tokens, requested: scopes, previous: undefined, redirectUri, dpopKey });
      this.#current = { key, login: saved };
      this.#lastAccount = obtained.account;
      if (GRANTS[this.#grant].user) {
        this.#guard.obtained(saved.secrets.accessToken, 'login');
        this.#usedClients.add(clientId);
        this.#log.info(`logged in to ${this.#o.serverUrl.host}${obtained.how}; credentials stored in ${store.description}`);
      } else {
        this.#log.info(`obtained an access token for ${this.#o.serverUrl.host}${obtained.how}; stored in ${store.description}`);
      }
    });
    return GRANTS[this.#grant].user ? this.#turn.run(locked) : locked();
  }

}
