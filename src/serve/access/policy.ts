/**
 * Who may use what in `serve` (issue 11, "per-user access"): for each user, the servers of the configuration they
 * may see and, per server, a tool filter on top of the server's own. Enforced where everything else is: a session's
 * aggregate has only the user's servers, and each carries the user's filter (aggregate/catalog.ts applies it to
 * every list and every call).
 *
 * Without rules everyone may use everything the configuration serves. With rules, a user not named falls back to
 * the `"*"` entry, and without one may use nothing.
 */
import { matchesGlob } from '../../config/file/tool-filter.js';
import type { ToolFilter } from '../../config/file/types.js';
import type { MemberSpec } from '../../aggregate/types.js';

/** What one user may use. */
export interface UserAccess {
  /** Server names or globs (`*`, `?`); a server must match one. */
  servers: readonly string[];
  /** Per server name: the user's tool filter on top of the server's own. */
  tools: Readonly<Record<string, ToolFilter>>;
}

/** The rules: by user name, `"*"` for everyone else; undefined: everyone may use everything. */
export type AccessRules = ReadonlyMap<string, UserAccess> | undefined;

/** Decides per user; see the module comment. */
export class AccessPolicy {
  readonly #rules: AccessRules;

  constructor(rules: AccessRules) {
    this.#rules = rules;
  }

  /** Whether any rule is configured. */
  get restricted(): boolean {
    return this.#rules !== undefined;
  }

  /** The rule that applies to `user`; undefined when rules exist and none applies (the user may use nothing). */
  #ruleOf(user: string): UserAccess | 'everything' | undefined {
    if (!this.#rules) return 'everything';
    return this.#rules.get(user) ?? this.#rules.get('*');
  }

  /** Whether `user` may use the server `name` at all. */
  mayUse(user: string, name: string): boolean {
    const rule = this.#ruleOf(user);
    return rule === 'everything' || (rule !== undefined && rule.servers.some((pattern) => matchesGlob(pattern, name)));
  }

  /**
   * The servers of `user`'s session, each with the user's tool filter: `specs` narrowed to those the user may use.
   * Empty when the user may use nothing.
   */
  specsFor(user: string, specs: readonly MemberSpec[]): MemberSpec[] {
    const rule = this.#ruleOf(user);
    if (rule === 'everything') return [...specs];
    if (rule === undefined) return [];
    return specs
      .filter((spec) => rule.servers.some((pattern) => matchesGlob(pattern, spec.name)))
      .map((spec) => {
        const userFilter = rule.tools[spec.name];
        return userFilter ? { ...spec, userFilter } : spec;
      });
  }
}
