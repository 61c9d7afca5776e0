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
import type { ProcessConfig } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { GroupGuardian } from '../../upstream/stdio/guardian.js';
import type { AccessPolicy } from '../access/policy.js';

/** The credential directory of `user` under `configDir`: named by a hash, so no user name reaches the file system. */
export function userConfigDir(configDir: string, user: string): string {
  return join(configDir, 'users', createHash('sha256').update(user, 'utf8').digest('hex').slice(0, 32));
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
  /** The shared login callback and its public URL (`<public URL>/oauth/callback`). */
  hub: CallbackHub;
  callbackUrl: string;
  /** Where every user's credential directory is made ({@link userConfigDir}). */
  configDir: string;
}

/** Builds each user's servers; see the module comment. */
export class UserMembers {
  readonly #o: UserMembersOptions;
  readonly #queues = new Map<string, LoginQueue>();

  constructor(options: UserMembersOptions) {
    this.#o = options;
  }

  /** The servers `user` may use, each with the user's tool filter; empty when the user may use none. */
  specsFor(user: string): MemberSpec[] {
    return this.#o.access.specsFor(user, this.#o.specs);
  }

  /** Makes the members of one session of `user`; `clientReady` is that session's backpressure. */
  factoryFor(user: string, clientReady: () => Promise<void> | undefined): MemberFactory {
    const o = this.#o;
    const runtime: Runtime = { ...o.runtime, interactiveLogins: this.#queueOf(user), openBrowser: async () => undefined, prompt: () => undefined };
    const configDir = userConfigDir(o.configDir, user);
    return (spec) => {
      const server = o.servers.get(spec.name);
      if (!server) throw new Error(`no server named ${spec.name}`);
      return backendFor({
        server,
        process: o.process,
        store: { tokenStore: 'file', configDir },
        runtime,
        guardian: o.guardian,
        root: o.logger,
        log: o.logger.child({ name: spec.name }),
        clientReady,
        web: { hub: o.hub, owner: user, redirectUrl: o.callbackUrl },
      });
    };
  }

  #queueOf(user: string): LoginQueue {
    let queue = this.#queues.get(user);
    if (!queue) this.#queues.set(user, (queue = new LoginQueue()));
    return queue;
  }
}
