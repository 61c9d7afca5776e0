/**
 * The `"users"` part of the configuration file's `"serve"` section, read into {@link AccessRules}:
 *
 * ```json
 * "users": {
 *   "alice@example.com": { "servers": ["github", "docs"], "tools": { "github": { "block": ["delete_*"] } } },
 *   "*": { "servers": ["docs"], "readOnly": true }
 * }
 * ```
 *
 * `servers` lists names or globs (default: none); `tools` holds a filter per server, as a server entry's `"tools"`
 * with `allow`/`block` and `readOnly`; a user-level `"readOnly": true` applies to every server of the user. A server
 * named in `tools` that the file does not have, or that the user's `servers` leave out, is refused: it would
 * silently do nothing.
 */
import { BridgeError, ErrorCode } from '../../errors.js';
import type { ToolFilter } from './types.js';
import { matchesGlob } from './tool-filter.js';
import type { AccessRules, UserAccess } from '../../serve/access/policy.js';

/** What {@link readUsersSection} checks names against. */
export interface UsersContext {
  /** The configuration file, for messages. */
  path: string;
  /** The names of the file's servers. */
  servers: readonly string[];
}

const USER_KEYS = new Set(['servers', 'tools', 'readOnly']);
const FILTER_KEYS = new Set(['allow', 'block', 'readOnly']);

/**
 * Reads `"users"`.
 * @throws BridgeError `CONFIG` naming the user, the key and the fix
 */
export function readUsersSection(value: unknown, ctx: UsersContext): AccessRules {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw problem(ctx, undefined, 'should be an object of user names', '"users": { "alice@example.com": { "servers": ["github"] } }');
  const rules = new Map<string, UserAccess>();
  for (const [user, raw] of Object.entries(value)) {
    if (user.trim() === '') throw problem(ctx, user, 'is an empty user name', 'name the user as inbound auth names them, or "*" for everyone else');
    if (!isObject(raw)) throw problem(ctx, user, 'should be an object', '{ "servers": ["github"] }');
    for (const key of Object.keys(raw)) {
      if (!USER_KEYS.has(key)) throw problem(ctx, user, `has an unknown key "${key}"`, 'a user takes "servers", "tools" and "readOnly"');
    }
    const servers = stringList(raw.servers, ctx, user, 'servers');
    for (const pattern of servers) {
      if (!ctx.servers.some((name) => matchesGlob(pattern, name))) throw problem(ctx, user, `names no server of the file with "${pattern}"`, `the file's servers are: ${ctx.servers.join(', ')}`);
    }
    const readOnly = raw.readOnly === undefined ? false : flag(raw.readOnly, ctx, user, 'readOnly');
    const tools: Record<string, ToolFilter> = {};
    if (raw.tools !== undefined) {
      if (!isObject(raw.tools)) throw problem(ctx, user, '"tools" should be an object of server names', '"tools": { "github": { "block": ["delete_*"] } }');
      for (const [server, filter] of Object.entries(raw.tools)) {
        if (!ctx.servers.includes(server)) throw problem(ctx, user, `"tools" names "${server}", which is not a server of the file`, `the file's servers are: ${ctx.servers.join(', ')}`);
        if (!servers.some((pattern) => matchesGlob(pattern, server))) throw problem(ctx, user, `"tools" names "${server}", which the user's "servers" leave out`, `add "${server}" to "servers", or drop its filter`);
        tools[server] = readFilter(filter, ctx, user, server, readOnly);
      }
    }
    if (readOnly) {
      for (const name of ctx.servers) tools[name] ??= { allow: undefined, block: [], readOnly: true };
    }
    rules.set(user, { servers, tools });
  }
  return rules;
}

function readFilter(value: unknown, ctx: UsersContext, user: string, server: string, readOnly: boolean): ToolFilter {
  if (!isObject(value)) throw problem(ctx, user, `"tools.${server}" should be an object`, '{ "allow": ["read_*"], "block": ["delete_*"] }');
  for (const key of Object.keys(value)) {
    if (!FILTER_KEYS.has(key)) throw problem(ctx, user, `"tools.${server}" has an unknown key "${key}"`, 'a filter takes "allow", "block" and "readOnly"');
  }
  const key = `tools.${server}`;
  return {
    allow: value.allow === undefined ? undefined : stringList(value.allow, ctx, user, `${key}.allow`),
    block: value.block === undefined ? [] : stringList(value.block, ctx, user, `${key}.block`),
    readOnly: readOnly || (value.readOnly !== undefined && flag(value.readOnly, ctx, user, `${key}.readOnly`)),
  };
}

function stringList(value: unknown, ctx: UsersContext, user: string, key: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== '')) {
    throw problem(ctx, user, `"${key}" should be a list of names or globs`, `"${key}": ["github", "docs-*"]`);
  }
  return value as string[];
}

function flag(value: unknown, ctx: UsersContext, user: string, key: string): boolean {
  if (typeof value !== 'boolean') throw problem(ctx, user, `"${key}" should be true or false`, `"${key}": true`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problem(ctx: UsersContext, user: string | undefined, what: string, hint: string): BridgeError {
  const where = user === undefined ? `${ctx.path}, "serve.users"` : `${ctx.path}, "serve.users", user ${JSON.stringify(user)}`;
  return new BridgeError(ErrorCode.Config, `${where}: ${what}`, { hint });
}
