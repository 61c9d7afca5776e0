/**
 * Everything per user in `serve`, made once at start: the access rules, each user's servers and links
 * (user-members.ts), the logins of the status page (user-logins.ts), the shared login callback (web-callback/hub.ts)
 * and the browser pages (the callback and the status page). Each user's credentials live in files of their own
 * under `<config dir>/users/` (the OS keychain belongs to one OS user), or in Redis with `--store` (user-stores.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { MemberSpec } from '../../aggregate/types.js';
import { CallbackHub, type CallbackHubOptions } from '../../auth/web-callback/hub.js';
import type { LoadedServer } from '../../config/file/types.js';
import type { Runtime } from '../../config/runtime.js';
import type { ProcessConfig } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { GroupGuardian } from '../../upstream/stdio/guardian.js';
import { AccessPolicy, type AccessRules } from '../access/policy.js';
import { BrowserDoor } from '../browser-session/browser-door.js';
import type { BrowserSignInMethods } from '../inbound-auth/types.js';
import { CsrfTokens } from '../status/csrf.js';
import { handleStatusRoute } from '../status/status-routes.js';
import type { WebRoutes } from '../types.js';
import { answerCallback, CALLBACK_PATH } from './callback-route.js';
import { UserLogins } from './user-logins.js';
import { UserMembers } from './user-members.js';
import type { UserStores } from './user-stores.js';

/** What {@link createUserSide} builds from. */
export interface UserSideOptions {
  /** The servers by name (one for `serve <url>`). */
  servers: ReadonlyMap<string, LoadedServer>;
  /** The servers as the aggregator sees them, in order (empty for `serve <url>`). */
  specs: readonly MemberSpec[];
  rules: AccessRules;
  process: ProcessConfig;
  runtime: Runtime;
  guardian: GroupGuardian;
  logger: Logger;
  /** Where the users' credential directories are made. */
  configDir: string;
  /** Where each user's credentials are kept (user-stores.ts). Default: files in the user's directory. */
  stores?: UserStores;
  /** The public origin (`https://mcp.example.com`), known once serve listens. */
  origin: () => string;
  /** How browsers may sign in, by the inbound auth in force (none: only as the front knows them). */
  signIn?: () => BrowserSignInMethods | undefined;
  /** The other instances on the same Redis, told where each login waits (cluster/login-sharing.ts). */
  loginSharing?: CallbackHubOptions['sharing'];
}

/** A new configuration for {@link UserSide.reconfigure}. */
export interface UserSideChange {
  servers: ReadonlyMap<string, LoadedServer>;
  specs: readonly MemberSpec[];
  rules: AccessRules;
  /** Names of servers changed or removed: every user's link to them is dropped (logins to the others stay). */
  restarted: ReadonlySet<string>;
}

/** Per user: their servers and the browser pages. */
export interface UserSide {
  users: UserMembers;
  web: WebRoutes;
  hub: CallbackHub;
  /** Browser sign-in and the login links given to MCP clients. */
  door: BrowserDoor;
  /** Applies a new configuration (serve's reload) to new sessions and to the status page. */
  reconfigure(change: UserSideChange): void;
}

/** Builds the per-user side; see the module comment. */
export function createUserSide(o: UserSideOptions): UserSide {
  const hub = new CallbackHub({ logger: o.logger, ...(o.loginSharing ? { sharing: o.loginSharing } : {}) });
  const callbackUrl = () => `${o.origin()}${CALLBACK_PATH}`;
  let access = new AccessPolicy(o.rules);
  // One map, refilled in place on a reload: the status page's logins read the servers in force.
  const servers = new Map(o.servers);
  let specs = o.specs;
  // Keys and records of the browser pages: this process's, or shared by every instance on the Redis store.
  const state = o.stores?.browserState;
  const csrf = new CsrfTokens(o.origin, ...(state ? [state.macKey('status-page-forms')] : []));
  const door = new BrowserDoor({ signIn: o.signIn ?? (() => undefined), origin: o.origin, csrf, logger: o.logger, ...(state ? { state } : {}) });
  const common = { servers, process: o.process, runtime: o.runtime, logger: o.logger, hub, callbackUrl, configDir: o.configDir, ...(o.stores ? { stores: o.stores } : {}) };
  // The login links MCP clients get lead through serve, which lets only the user they are for on (login-links.ts).
  const users = new UserMembers({ ...common, specs: o.specs, access, guardian: o.guardian, wrapLoginLink: (owner, url) => door.links.wrap(owner, url) });
  const logins = new UserLogins(common);
  const routes = {
    logins,
    serversOf: (user: string) => (specs.length > 0 ? users.specsFor(user).map((s) => s.name) : [...servers.keys()].filter((n) => access.mayUse(user, n))),
    csrf,
    logger: o.logger,
    hasSession: (req: IncomingMessage) => door.hasSession(req),
  };
  return {
    users,
    hub,
    door,
    reconfigure(change) {
      access = new AccessPolicy(change.rules);
      servers.clear();
      for (const [name, server] of change.servers) servers.set(name, server);
      specs = change.specs;
      users.reconfigure({ servers: change.servers, specs: change.specs, access, restarted: change.restarted });
    },
    web: {
      callback: (res, query, caller) => answerCallback(hub, res, query, caller),
      waitsFor: (state) => hub.waits(state),
      page: (req, res, path, user) => handleStatusRoute(routes, req, res, path, user),
      browser: door,
    },
  };
}
