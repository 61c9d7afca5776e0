/**
 * Applying a new `--config` file to a running `serve` (issue 11, "reload on SIGHUP and on file change without
 * dropping sessions of servers that did not change"). The new file is compared with the one in force
 * (config/file/diff.ts): servers added join every open session that may use them, servers removed leave, servers
 * whose entry changed restart (every user's link to them rebuilt), the others keep their upstream sessions;
 * `serve.users` applies to new sessions and narrows or widens the open ones; `serve.auth` swaps the authenticator
 * for new requests. Everything that can fail is checked before anything changes: a file that cannot be applied
 * changes nothing and is logged ("configuration not applied: …").
 */
import type { MemberSpec } from '../../aggregate/types.js';
import { diffConfigs, sameValue, type ConfigDiff } from '../../config/file/diff.js';
import type { LoadedConfig } from '../../config/file/types.js';
import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { InboundAuthenticator } from '../inbound-auth/types.js';
import type { UserSide } from '../users/user-side.js';
import type { SwappableAuthenticator } from './swappable-authenticator.js';

/** What a reload changes in the open sessions. */
export interface SessionsChange {
  /** Names of servers whose entry changed: restarted in every session that keeps them. */
  changed: ReadonlySet<string>;
  /** The new separator, when it changed. */
  separator?: string;
  /** The new `listTimeout`. */
  listTimeoutMs: number;
}

/** The open sessions, which a reload reconfigures (cli/serve-backends.ts). */
export interface ReconfigurableSessions {
  /** Applies the configuration the user side now holds to every open session and to `/readyz`. */
  reconfigure(change: SessionsChange): Promise<void>;
}

/** What asked for a reload, for the log. */
export type ReloadCause = 'SIGHUP' | 'file saved';

/** Options for {@link ConfigReload}. */
export interface ConfigReloadOptions {
  /** The configuration in force at start. */
  current: LoadedConfig;
  /** The servers of a configuration as sessions see them. @throws BridgeError when the configuration cannot be served */
  specsOf: (loaded: LoadedConfig) => MemberSpec[];
  side: UserSide;
  sessions: ReconfigurableSessions;
  /**
   * The authenticator in force and how to make one for a configuration (its `serve.auth`, else the command line's);
   * absent when the authenticator is not the file's to change. `authenticatorOf` throws when the new inbound auth
   * cannot be served (a non-loopback address left without any, a JWT issuer without a public URL).
   */
  auth?: { swappable: SwappableAuthenticator; authenticatorOf: (loaded: LoadedConfig) => InboundAuthenticator };
  logger: Logger;
}

/** Applies new configurations, one at a time; see the module comment. */
export class ConfigReload {
  readonly #o: ConfigReloadOptions;
  #current: LoadedConfig;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ConfigReloadOptions) {
    this.#o = options;
    this.#current = options.current;
  }

  /** The configuration in force. */
  get current(): LoadedConfig {
    return this.#current;
  }

  /**
   * Applies `next` (after any reload under way): resolves true when it is in force, false when it changed nothing
   * (the same configuration, or one that cannot be applied: then the reason is logged).
   */
  apply(next: LoadedConfig, why: ReloadCause): Promise<boolean> {
    const run = this.#queue.then(() => this.#apply(next, why));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Logs that `problem` kept a new configuration from being applied. */
  refuse(problem: unknown): void {
    this.#o.logger.warn(`configuration not applied: ${describeError(problem)}`);
  }

  async #apply(next: LoadedConfig, why: ReloadCause): Promise<boolean> {
    const o = this.#o;
    const diff = diffConfigs(this.#current, next);
    const authChanged = !sameValue(this.#current.serve?.auth, next.serve?.auth);
    const usersChanged = !sameValue(this.#current.serve?.users, next.serve?.users);
    const listChanged = this.#current.listTimeoutMs !== next.listTimeoutMs;
    const serversChanged = diff.added.length + diff.removed.length + diff.changed.length > 0 || diff.separatorChanged;
    if (!serversChanged && !authChanged && !usersChanged && !listChanged) {
      o.logger.info(`configuration unchanged (${why})`);
      return false;
    }
    // Everything that may fail, before anything changes.
    let specs: MemberSpec[];
    let authenticator: InboundAuthenticator | undefined;
    try {
      specs = o.specsOf(next);
      if (authChanged && o.auth) authenticator = o.auth.authenticatorOf(next);
    } catch (error) {
      this.refuse(error);
      return false;
    }
    const changed = new Set(diff.changed.map((s) => s.name));
    const restarted = new Set([...changed, ...diff.removed]);
    o.side.reconfigure({ servers: new Map(next.servers.map((s) => [s.name, s])), specs, rules: next.serve?.users, restarted });
    if (authenticator) o.auth!.swappable.swap(authenticator);
    this.#current = next;
    o.logger.info(`configuration applied (${why}): ${describeChange(diff, { auth: authChanged && authenticator !== undefined, users: usersChanged })}`);
    await o.sessions.reconfigure({ changed, listTimeoutMs: next.listTimeoutMs, ...(diff.separatorChanged ? { separator: next.separator } : {}) });
    return true;
  }
}

/** A change in words, for the log: servers added, removed and restarted, and what else changed. */
export function describeChange(diff: ConfigDiff, also: { auth: boolean; users: boolean }): string {
  const parts = [
    diff.added.length > 0 ? `added ${diff.added.map((s) => s.name).join(', ')}` : '',
    diff.removed.length > 0 ? `removed ${diff.removed.join(', ')}` : '',
    diff.changed.length > 0 ? `restarting ${diff.changed.map((s) => s.name).join(', ')}` : '',
    diff.separatorChanged ? `separator now "${diff.config.separator}"` : '',
    also.users ? 'users\' access rules replaced' : '',
    also.auth ? 'inbound auth replaced (for new requests)' : '',
  ].filter(Boolean);
  return parts.join('; ') || 'list timeout changed';
}
