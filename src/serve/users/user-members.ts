/**
 * The servers of one user's `serve` session: the file's servers narrowed to what the user may use (access/), each
 * reached with that user's own credentials — a credential directory of their own (files, 0600 in 0700; the OS
 * keychain belongs to one OS user), their own client registrations, logins answered at the shared callback and
 * bound to them, and one interactive login at a time per user (never another user's queue). User B's session can
 * reach nothing of user A's: not a token, a registration or a login in progress.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { MemberFactory, MemberSpec } from '../../aggregate/types.js';
import { LoginQueue } from '../../auth/login-queue.js';
import type { CallbackHub } from '../../auth/web-callback/hub.js';
import { backendFor } from '../../cli/member-backends.js';
import type { LoadedServer } from '../../config/file/types.js';
import type { Runtime } from '../../config/runtime.js';
import type { ProcessConfig, ServerConfig } from '../../config/types.js';
import { linkServer, type ServerLink } from '../../cli/server-link.js';
import type { Logger } from '../../log.js';
import type { GroupGuardian } from '../../upstream/stdio/guardian.js';
import type { AccessPolicy } from '../access/policy.js';
import { SharedUpstreams } from '../shared-upstream/shared-upstreams.js';
import type { UserStores } from './user-stores.js';

/** The credential directory of `user` under `configDir`: named by a hash, so no user name reaches the file system. */
export function userConfigDir(configDir: string, user: string): string {
  return join(configDir, 'users', createHash('sha256').update(user, 'utf8').digest('hex').slice(0, 32));
}

/** Who `/readyz`'s monitor is, as a user: a credential directory of its own, never a person's. */
export const MONITOR_USER = '\0readyz';

/** Sessions do not hold the upstream back: each has its own, and an HTTP client's pace is its streams'. */
const noWait = (): undefined => undefined;

/** `server` as `user` reaches it: their credential directory, files only, logins redirected to the shared callback. */
export function userServerConfig(server: ServerConfig, configDir: string, callbackUrl: string): ServerConfig {
  if (server.auth.kind !== 'oauth') return server;
  return { ...server, auth: { ...server.auth, tokenStore: 'file', configDir, redirectUrl: callbackUrl } };
}

/** What {@link UserMembers} serves from. */
export interface UserMembersOptions {
  /** The file's servers by name. */
  servers: ReadonlyMap<string, LoadedServer>;
  /** The file's servers as the aggregator sees them, in order. */
  specs: readonly MemberSpec[];
  access: AccessPolicy;
  process: ProcessConfig;
  runtime: Runtime;
  guardian: GroupGuardian;
  logger: Logger;
  /** The shared login callback and its public URL (`<public URL>/oauth/callback`, known once serve listens). */
  hub: CallbackHub;
  callbackUrl: () => string;
  /** Where every user's credential directory is made ({@link userConfigDir}). */
  configDir: string;
  /** The link a user's MCP client is given for a login of theirs at `url` (default: `url` itself). */
  wrapLoginLink?: (owner: string, url: string) => string;
  /** Where each user's credentials are kept (user-stores.ts). Default: files in the user's directory. */
  stores?: UserStores;
}

/** A new configuration for {@link UserMembers.reconfigure}. */
export interface UserMembersChange {
  servers: ReadonlyMap<string, LoadedServer>;
  specs: readonly MemberSpec[];
  access: AccessPolicy;
  /** Names of servers whose entry changed or that are gone: every user's link to them is dropped. */
  restarted: ReadonlySet<string>;
}

/** Builds each user's servers; see the module comment. */
export class UserMembers {
  #o: UserMembersOptions;
  readonly #queues = new Map<string, LoginQueue>();
  /** By `user\0server`: the link and the server it is to. */
  readonly #links = new Map<string, { server: string; link: Promise<ServerLink> }>();
  /** Local servers with `"sessions": "shared"`: one process per (user, server). */
  readonly #shared: SharedUpstreams;

  constructor(options: UserMembersOptions) {
    this.#o = options;
    this.#shared = new SharedUpstreams({ logger: options.logger });
  }

  /** Every server of the file, without any user's rules (the readiness monitor's). */
  allSpecs(): MemberSpec[] {
    return [...this.#o.specs];
  }

  /** The servers `user` may use, each with the user's tool filter; empty when the user may use none. */
  specsFor(user: string): MemberSpec[] {
    return this.#o.access.specsFor(user, this.#o.specs);
  }

  /**
   * Makes the members of one session of `user`: each remote server over the user's own link to it (one per user and
   * server, shared by the user's sessions: one login), each local server a process of the session's own — or, with
   * `"sessions": "shared"`, one process for all of the user's sessions (serve/shared-upstream/).
   */
  factoryFor(user: string, logger: Logger): MemberFactory {
    const configDir = userConfigDir(this.#o.configDir, user);
    return (spec) => {
      // Read at each call: after a reload, a restarted or added server is made from its new entry.
      const o = this.#o;
      const server = o.servers.get(spec.name);
      if (!server) throw new Error(`no server named ${spec.name}`);
      const link = this.linkFor(user, server);
      const make = (log: Logger) =>
        backendFor({
          server,
          process: o.process,
          store: { tokenStore: 'file', configDir },
          runtime: this.#runtimeOf(user),
          guardian: o.guardian,
          root: o.logger,
          log: log.child({ name: spec.name }),
          clientReady: noWait,
          ...(link ? { link } : {}),
        });
      if (server.kind === 'local' && server.sessions === 'shared') {
        return this.#shared.backendFor({ user, server: server.name, make: () => make(o.logger), logger: logger.child({ name: spec.name }) });
      }
      return make(logger);
    };
  }

  /** Ends what outlives sessions: the shared local servers' processes (serve's shutdown). */
  async close(): Promise<void> {
    await this.#shared.close();
  }

  /**
   * Takes a new configuration (serve's reload): the servers, their order and the access rules apply from now on,
   * and the (user, server) links of every server in `change.restarted` are dropped, so the next session of each user
   * makes a new one from the new entry (so are the shared processes of those servers: the sessions still on one keep
   * it until they leave). Links to the other servers, and the logins they hold, stay.
   */
  reconfigure(change: UserMembersChange): void {
    this.#o = { ...this.#o, servers: change.servers, specs: change.specs, access: change.access };
    for (const [key, { server }] of this.#links) if (change.restarted.has(server)) this.#links.delete(key);
    this.#shared.forget(change.restarted);
  }

  /** The access rules in force. */
  get access(): AccessPolicy {
    return this.#o.access;
  }

  /** The link of `user` to the remote `server` (undefined for a local one): made once, then shared. */
  linkFor(user: string, server: LoadedServer): Promise<ServerLink> | undefined {
    if (server.kind !== 'remote') return undefined;
    const key = `${user}\0${server.name}`;
    let link = this.#links.get(key)?.link;
    if (!link) {
      const o = this.#o;
      const own = userServerConfig(server.config, userConfigDir(o.configDir, user), o.callbackUrl());
      // The readiness monitor's login is never finished by anyone: it waits without a time limit, so the server
      // stays "waiting for login" (reachable) instead of failing each time a login times out.
      const config = user === MONITOR_USER && own.auth.kind === 'oauth' ? { ...own, auth: { ...own.auth, authTimeoutMs: 0 } } : own;
      const log = o.logger.child({ name: server.name });
      const runtime = this.#runtimeOf(user);
      // The user's store from the factory (files by default, or Redis), and their memory of the server's era. The
      // monitor's stay in this instance's files: its login never ends, and in a shared store it would hold the
      // (user, server) lease for good, so every other instance's monitor would wait for it and never be ready.
      const shared = user === MONITOR_USER ? undefined : o.stores;
      const openStore = shared?.openerFor(user, userConfigDir(o.configDir, user));
      const eraMemory = shared?.eraMemoryFor(user, config.url, runtime);
      const stored = { ...(openStore ? { openStore } : {}), ...(eraMemory ? { eraMemory } : {}) };
      link = linkServer({ server: config, process: o.process, runtime, log, clientReady: noWait, webCallback: { hub: o.hub, owner: user }, ...stored });
      const wrap = o.wrapLoginLink;
      if (wrap) link = link.then((l) => withWrappedLinks(l, (url) => wrap(user, url)));
      link.catch(() => undefined);
      this.#links.set(key, { server: server.name, link });
    }
    return link;
  }

  #runtimeOf(user: string): Runtime {
    return { ...this.#o.runtime, interactiveLogins: this.#queueOf(user), openBrowser: async () => undefined, prompt: () => undefined };
  }

  #queueOf(user: string): LoginQueue {
    let queue = this.#queues.get(user);
    if (!queue) this.#queues.set(user, (queue = new LoginQueue()));
    return queue;
  }
}

/** `link` with its login URL, and the URL in what it says it waits for, replaced by `wrap(url)`. */
function withWrappedLinks(link: ServerLink, wrap: (url: string) => string): ServerLink {
  const { waitingFor } = link;
  return {
    ...link,
    loginUrl: () => {
      const url = link.loginUrl();
      return url === undefined ? undefined : wrap(url);
    },
    waitingFor: waitingFor
      ? () => {
          const text = waitingFor();
          const url = link.loginUrl();
          return text !== undefined && url !== undefined ? text.split(url).join(wrap(url)) : text;
        }
      : undefined,
  };
}
