/**
 * What the status page shows and does for one user, outside any MCP session: each server's state from the user's
 * own credential directory (connected until when, expired, needs a login, no login needed), a login started on
 * request (Connect: an Authorizer for that user and server whose browser step answers at the shared callback; the
 * page sends the browser to its link), and a login removed (Disconnect). An MCP session of the same user finds a
 * login made here in the store on its next refusal (the Authorizer adopts a newer stored login).
 */
import type { Authorizer } from '../../auth/authorizer.js';
import { bridgeLoginCriteria, selectLogins } from '../../auth/stored-logins.js';
import type { CallbackHub } from '../../auth/web-callback/hub.js';
import { chooseFetches, createAuthorizer } from '../../cli/auth-wiring.js';
import { initializeProbe } from '../../cli/probe.js';
import type { LoadedServer } from '../../config/file/types.js';
import type { Runtime } from '../../config/runtime.js';
import { oauthOf, type ProcessConfig } from '../../config/types.js';
import { BridgeError, describeError, ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import { type CredentialStore, openFileStore } from '../../store/index.js';
import { userConfigDir, userServerConfig } from './user-members.js';
import type { UserStores } from './user-stores.js';

/** A server's state for one user. */
export interface ServerStatus {
  name: string;
  state: 'connected' | 'expired' | 'needs-login' | 'login-in-progress' | 'no-login-needed' | 'local' | 'error';
  /** When the access token ends (epoch ms), for a connected server that says. */
  expiresAt?: number;
  /** Whether it renews itself (a refresh token is stored). */
  renews?: boolean;
  /** Why, for `error`: the last login attempt's failure. */
  reason?: string;
}

/** What {@link UserLogins} works with. */
export interface UserLoginsOptions {
  servers: ReadonlyMap<string, LoadedServer>;
  process: ProcessConfig;
  runtime: Runtime;
  logger: Logger;
  hub: CallbackHub;
  /** The shared callback's public URL (known once serve listens). */
  callbackUrl: () => string;
  configDir: string;
  /** Where each user's credentials are kept (user-stores.ts). Default: files in the user's directory. */
  stores?: UserStores;
}

/** Longest wait for a started login's link. */
const LINK_WAIT_MS = 15_000;

/** See the module comment. */
export class UserLogins {
  readonly #o: UserLoginsOptions;
  /** Logins started from the page, by user and server, while they run. */
  readonly #running = new Map<string, Authorizer>();
  /** The last failure of a login started from the page, by user and server. */
  readonly #failed = new Map<string, string>();

  constructor(options: UserLoginsOptions) {
    this.#o = options;
  }

  /** The state of each of `names` for `user`. */
  async statuses(user: string, names: readonly string[]): Promise<ServerStatus[]> {
    const store = await this.#store(user);
    const { logins } = await store.list();
    const now = this.#o.runtime.now();
    return names.map((name): ServerStatus => {
      const server = this.#o.servers.get(name);
      if (!server) return { name, state: 'error', reason: 'not in the configuration any more' };
      if (server.kind === 'local') return { name, state: 'local' };
      const auth = oauthOf(server.config);
      if (!auth) return { name, state: 'no-login-needed' };
      const key = `${user}\0${name}`;
      if (this.#running.get(key)?.pendingLoginUrl) return { name, state: 'login-in-progress' };
      const [newest] = selectLogins(logins, bridgeLoginCriteria({ serverUrl: server.config.url, grant: auth.grant, issuer: auth.issuer, clientId: auth.clientId }));
      const failed = this.#failed.get(key);
      if (!newest) return failed ? { name, state: 'error', reason: failed } : { name, state: 'needs-login' };
      const meta = newest.metadata;
      const ended = meta.expiresAt !== undefined && meta.expiresAt <= now;
      if (ended && !meta.hasRefreshToken) return { name, state: 'expired' };
      return { name, state: 'connected', ...(meta.expiresAt !== undefined ? { expiresAt: meta.expiresAt } : {}), renews: meta.hasRefreshToken };
    });
  }

  /**
   * Starts a login of `user` to the server `name` and resolves with the link the browser should open.
   * @throws BridgeError when the server needs no login, or the login could not start (the reason is shown)
   */
  async connect(user: string, name: string): Promise<string> {
    const server = this.#o.servers.get(name);
    const auth = server?.kind === 'remote' ? oauthOf(server.config) : undefined;
    if (!server || server.kind !== 'remote' || !auth) throw new BridgeError(ErrorCode.BadInput, `server "${name}" needs no login`);
    const key = `${user}\0${name}`;
    const running = this.#running.get(key)?.pendingLoginUrl;
    if (running) return running;
    const config = userServerConfig(server.config, userConfigDir(this.#o.configDir, user), this.#o.callbackUrl());
    const log = this.#o.logger.child({ name });
    const runtime = { ...this.#o.runtime, openBrowser: async () => undefined, prompt: () => undefined };
    const fetches = await chooseFetches({ server: config, process: this.#o.process }, log, runtime);
    const openStore = this.#o.stores?.openerFor(user, userConfigDir(this.#o.configDir, user));
    const authorizer = await createAuthorizer({ server: config, auth: oauthOf(config)!, log, oauthFetch: fetches.oauth, runtime, webCallback: { hub: this.#o.hub, owner: user }, ...(openStore ? { openStore } : {}) });
    this.#running.set(key, authorizer);
    this.#failed.delete(key);
    const done = authorizer.loginNow({ force: true, probe: () => initializeProbe(config, fetches.upstream) }).then(
      () => undefined,
      (error: unknown) => {
        this.#failed.set(key, describeError(error));
        return error;
      },
    );
    void done.finally(() => this.#running.delete(key));
    const deadline = this.#o.runtime.now() + LINK_WAIT_MS;
    while (!authorizer.pendingLoginUrl) {
      const failure = await Promise.race([done, new Promise<'wait'>((resolve) => setTimeout(() => resolve('wait'), 50))]);
      if (failure !== 'wait') {
        throw failure instanceof BridgeError ? failure : new BridgeError(ErrorCode.Auth, `the login to "${name}" ${failure === undefined ? 'finished without a browser step' : `failed: ${describeError(failure)}`}`);
      }
      if (this.#o.runtime.now() > deadline) throw new BridgeError(ErrorCode.Auth, `the login to "${name}" did not start within ${LINK_WAIT_MS / 1000} s`);
    }
    return authorizer.pendingLoginUrl;
  }

  /** Removes `user`'s stored logins for the server `name`; resolves how many were removed. */
  async disconnect(user: string, name: string): Promise<number> {
    const server = this.#o.servers.get(name);
    const auth = server?.kind === 'remote' ? oauthOf(server.config) : undefined;
    if (!server || server.kind !== 'remote' || !auth) return 0;
    const store = await this.#store(user);
    const { logins } = await store.list();
    const mine = selectLogins(logins, bridgeLoginCriteria({ serverUrl: server.config.url, grant: auth.grant, issuer: auth.issuer, clientId: auth.clientId }));
    let removed = 0;
    for (const login of mine) if (await store.deleteTokens(login.key)) removed++;
    this.#failed.delete(`${user}\0${name}`);
    return removed;
  }

  #store(user: string): Promise<CredentialStore> {
    const configDir = userConfigDir(this.#o.configDir, user);
    return this.#o.stores?.openerFor(user, configDir)?.() ?? openFileStore({ configDir });
  }
}
