/**
 * Which login another process or instance stored an Authorizer may adopt instead of making one, and since when.
 * "Since" is never decided by comparing this process's clock with the writer's (instances behind one Redis may run
 * on machines whose clocks differ by minutes): it is a snapshot of what the store held at that moment
 * (stored-logins.ts `snapshotLogins`), and a login not in it is newer. Two moments matter: when a forced login began
 * waiting for the lock (a login the holder shares and the user completes is adopted), and when the server's refusal
 * of a fresh login was recorded (a login the user made since ends the refusal, login-guard.ts).
 */
import type { CredentialStore, LoginGrant, StoredLogin } from '../store/index.js';
import type { AuthContext } from './discovery-context.js';
import type { RecordedRefusal } from './login-guard.js';
import { bridgeLoginCriteria, readUsableLogin, snapshotLogins, type LoginCriteria, type LoginSnapshot } from './stored-logins.js';

/** What an adopted login must be newer than; nothing given: any other than the rejected one. */
export interface AdoptedSince {
  /** Stored since this snapshot. */
  changedSince?: LoginSnapshot | undefined;
  /** Obtained after this time by this process's clock (only where no snapshot could be read). */
  newerThan?: number;
}

/** Options for {@link AdoptableLogins}. */
export interface AdoptableLoginsOptions {
  serverUrl: URL;
  grant: LoginGrant;
  clientId: string | undefined;
  openStore: () => Promise<CredentialStore>;
  now: () => number;
}

/** See the module comment. One per Authorizer. */
export class AdoptableLogins {
  readonly #o: AdoptableLoginsOptions;
  /** The refusal in force when it was recorded, and the stored logins then (undefined: they could not be read). */
  #refused: { refusal: RecordedRefusal; logins: Promise<LoginSnapshot | undefined> } | undefined;

  constructor(options: AdoptableLoginsOptions) {
    this.#o = options;
  }

  /** The stored logins that may serve for `ctx` (for any issuer and resource without one). */
  criteria(ctx: AuthContext | undefined): LoginCriteria {
    const criteria = bridgeLoginCriteria({ serverUrl: this.#o.serverUrl, grant: this.#o.grant, clientId: this.#o.clientId });
    return ctx ? { ...criteria, issuer: ctx.as.issuer, resource: ctx.resource } : criteria;
  }

  /** What the store holds for `ctx` now. */
  async snapshot(ctx: AuthContext): Promise<LoginSnapshot> {
    return snapshotLogins(await this.#o.openStore(), this.criteria(ctx));
  }

  /** The guard just recorded `refusal`: reads what the store holds now (in the background), once per refusal. */
  refusalRecorded(refusal: RecordedRefusal): void {
    if (this.#refused?.refusal === refusal) return;
    const logins = this.#o
      .openStore()
      .then((store) => snapshotLogins(store, this.criteria(undefined)))
      .catch(() => undefined);
    this.#refused = { refusal, logins };
  }

  /** What a login must be newer than to end `refusal`: stored since it was recorded (by the clock if unread). */
  async sinceRefusal(refusal: RecordedRefusal): Promise<AdoptedSince> {
    const held = this.#refused?.refusal === refusal ? await this.#refused.logins : undefined;
    return held ? { changedSince: held } : { newerThan: refusal.at };
  }

  /** The newest usable stored login for `ctx` with another token than the rejected one and newer than `since`. */
  async find(ctx: AuthContext, rejectedToken: string | undefined, scopes: string[] | undefined, since: AdoptedSince = {}): Promise<{ key: string; login: StoredLogin } | undefined> {
    const criteria = { ...this.criteria(ctx), ...(since.newerThan !== undefined ? { newerThan: since.newerThan } : {}) };
    return readUsableLogin(await this.#o.openStore(), criteria, { now: this.#o.now(), rejectedToken, scopes, changedSince: since.changedSince });
  }
}
