/**
 * One server entry: its keys checked, its kind decided (remote by `url`, local by `command`, VS Code's `type`
 * agreeing), its tool filter read, and the rest handed to remote.ts or local.ts.
 */
import { canonicalEntry, type Given } from './entry-keys.js';
import { LOCAL_KEYS, REMOTE_KEYS, REMOTE_OWN_KEYS, TOOLS_KEYS } from './keys.js';
import { closestKey } from './closest.js';
import { isObject, readFlag, readTextList, wrongType, type ReadContext } from './json-values.js';
import { readLocal } from './local.js';
import { fileProblem, type Place } from './problem.js';
import { readRemote } from './remote.js';
import type { LoadedServer, ToolFilter } from './types.js';

/** What an entry loads to: a server, or `disabled` for `"disabled": true`. */
export type EntryResult = LoadedServer | 'disabled';

/**
 * Loads the entry `raw` named `name` of the file `path`.
 * @throws BridgeError naming the file, the server, the key and the fix
 */
export function loadEntry(name: string, raw: unknown, path: string, ctx: ReadContext): EntryResult {
  const place: Place = { path, server: name };
  if (!isObject(raw)) throw wrongType(place, raw, 'an object', '"my-server": { "url": "https://mcp.example.com/mcp" }');
  const entry = canonicalEntry(raw, place);
  const disabled = entry.get('disabled');
  if (disabled !== undefined && readFlag(disabled.value, { ...place, key: disabled.key })) return 'disabled';
  const filter = readFilter(entry, place, ctx);
  const kind = kindOf(entry, place);
  const type = entry.get('type')?.value as string | undefined;
  if (kind === 'local') return { name, kind, ...readLocal(entry, place, ctx), filter };
  return { name, kind, config: readRemote(entry, type, place, ctx), filter };
}

const REMOTE_ONLY: readonly string[] = [...REMOTE_OWN_KEYS, ...Object.keys(REMOTE_KEYS)];
const TYPES = ['http', 'streamable-http', 'streamableHttp', 'sse', 'stdio'];

/** `remote` (has `url`) or `local` (has `command`); `type`, when given, must agree; keys of the other kind are refused. */
function kindOf(entry: Map<string, Given>, place: Place): 'remote' | 'local' {
  const type = entry.get('type');
  if (type !== undefined && (typeof type.value !== 'string' || !TYPES.includes(type.value))) {
    throw fileProblem({ ...place, key: type.key }, 'should be "http", "sse" or "stdio"', 'use "http" for a remote server (Streamable HTTP, falling back to SSE) and "stdio" for a command');
  }
  const hasUrl = entry.has('url');
  const hasCommand = entry.has('command');
  if (hasUrl && hasCommand) throw fileProblem(place, 'has both "url" and "command"', 'an entry is either a remote server (url) or a local one (command); split it into two entries');
  if (!hasUrl && !hasCommand) {
    throw fileProblem(place, 'has neither "url" nor "command"', 'give "url" for a remote server or "command" (with "args") for a local one');
  }
  const kind = hasUrl ? 'remote' : 'local';
  const typeValue = type?.value as string | undefined;
  if (typeValue !== undefined && (typeValue === 'stdio') !== (kind === 'local')) {
    const fix = kind === 'local' ? 'use "type": "stdio" for a command' : 'use "type": "http" or "sse" for a url';
    throw fileProblem({ ...place, key: type!.key }, `"${typeValue}" does not fit an entry with "${hasUrl ? 'url' : 'command'}"`, fix);
  }
  const foreign = kind === 'local' ? REMOTE_ONLY : LOCAL_KEYS;
  const mismatch = kind === 'local' ? 'is for a remote server (url), and this entry is a local one' : 'is for a local server (command), and this entry is a remote one';
  for (const [key, given] of entry) {
    if (foreign.includes(key)) throw fileProblem({ ...place, key: given.key }, mismatch, 'remove it, or move it to the entry it belongs to');
  }
  return kind;
}

/** `tools.allow`, `tools.block` and `readOnly`. */
function readFilter(entry: Map<string, Given>, place: Place, ctx: ReadContext): ToolFilter {
  const readOnlyGiven = entry.get('readOnly');
  const readOnly = readOnlyGiven === undefined ? false : readFlag(readOnlyGiven.value, { ...place, key: readOnlyGiven.key });
  const tools = entry.get('tools');
  if (tools === undefined) return { allow: undefined, block: [], readOnly };
  const at = { ...place, key: tools.key };
  if (!isObject(tools.value)) throw wrongType(at, tools.value, 'an object', '"tools": { "allow": ["search_*"], "block": ["delete_*"] }');
  for (const key of Object.keys(tools.value)) {
    if (!(TOOLS_KEYS as readonly string[]).includes(key)) {
      const meant = closestKey(key, TOOLS_KEYS);
      throw fileProblem({ ...place, key: `${tools.key}.${key}` }, 'is not a key of "tools"', meant === undefined ? '"tools" takes "allow" and "block"' : `did you mean "${meant}"?`);
    }
  }
  const list = (key: 'allow' | 'block') => {
    const value = tools.value as Record<string, unknown>;
    return value[key] === undefined ? undefined : readTextList(value[key], { ...place, key: `${tools.key}.${key}` }, ctx, `"${key}": ["get_*", "search"]`);
  };
  return { allow: list('allow'), block: list('block') ?? [], readOnly };
}
