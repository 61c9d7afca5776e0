/**
 * What the bridge tells the client at `initialize` when it fronts many servers (issue 10: "`initialize` answers with
 * the union of capabilities … and each server's instructions under its name"). MCP 2025-11-25, lifecycle and
 * ServerCapabilities.
 */
import { isDeepStrictEqual } from 'node:util';

type Json = Record<string, unknown>;

/** The merged capabilities: the standard keys the aggregator routes, plus unknown keys every server agreed on. */
export interface MergedCapabilities {
  tools: { listChanged: true };
  prompts: { listChanged: true };
  resources: { listChanged: true; subscribe?: true };
  logging?: Json;
  completions?: Json;
  experimental?: Record<string, Json>;
  [key: string]: unknown;
}

/** Keys merged by their own rule below; every other key is an "unknown" one. */
const RULED = new Set(['tools', 'prompts', 'resources', 'logging', 'completions', 'experimental']);

/**
 * Keys never passed on, whatever the servers say: `tasks` (2025-11-25) names task ids that the aggregator does not map
 * across servers, so a client must not be told it may use them.
 */
export const WITHHELD_CAPABILITIES: ReadonlySet<string> = new Set(['tasks']);

/**
 * The union of the servers' capabilities, in config order (`undefined` for a server that has not answered yet):
 * - `tools`, `prompts`, `resources` always, with `listChanged: true`: servers come and go, and their lists with them;
 * - `resources.subscribe: true` when any server has it (the others' resources answer subscribe with an error);
 * - `logging` and `completions` (as `{}`) when any server has them;
 * - `experimental` merged per key, the first server (in config order) that has a key wins;
 * - any other key (not in {@link WITHHELD_CAPABILITIES}) only when every server that answered has it, all with the
 *   same value: the bridge cannot vouch for a capability it does not understand on behalf of a server that lacks it.
 */
export function mergeCapabilities(list: ReadonlyArray<Json | undefined>): MergedCapabilities {
  const known = list.filter((entry): entry is Json => isObject(entry));
  const merged: MergedCapabilities = { tools: { listChanged: true }, prompts: { listChanged: true }, resources: { listChanged: true } };
  if (known.some((caps) => isObject(caps.resources) && caps.resources.subscribe === true)) merged.resources.subscribe = true;
  if (known.some((caps) => isObject(caps.logging))) merged.logging = {};
  if (known.some((caps) => isObject(caps.completions))) merged.completions = {};
  const experimental = mergeExperimental(known);
  if (experimental !== undefined) merged.experimental = experimental;
  for (const [key, value] of agreedUnknownKeys(known)) merged[key] = value;
  return merged;
}

function mergeExperimental(known: Json[]): Record<string, Json> | undefined {
  const merged: Record<string, Json> = {};
  for (const caps of known) {
    if (!isObject(caps.experimental)) continue;
    for (const [key, value] of Object.entries(caps.experimental)) {
      if (!Object.hasOwn(merged, key) && isObject(value)) Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return Object.keys(merged).length === 0 ? undefined : merged;
}

function agreedUnknownKeys(known: Json[]): Array<[string, unknown]> {
  const [first, ...rest] = known;
  if (first === undefined) return [];
  return Object.entries(first).filter(
    ([key, value]) =>
      !RULED.has(key) &&
      !WITHHELD_CAPABILITIES.has(key) &&
      key !== '__proto__' &&
      rest.every((caps) => Object.hasOwn(caps, key) && isDeepStrictEqual(caps[key], value)),
  );
}

/** The most instructions text {@link mergeInstructions} returns, in UTF-8 bytes (64 KiB). */
export const MAX_INSTRUCTIONS_BYTES = 64 * 1024;

/** One server's `instructions` from its `initialize` result, with the name the user gave it. */
export interface ServerInstructions {
  name: string;
  instructions?: string | undefined;
}

/**
 * Each server's instructions under a `## <name>` heading, in config order, separated by blank lines; servers without
 * instructions (or only whitespace) are left out, and none at all gives undefined. The whole is at most
 * {@link MAX_INSTRUCTIONS_BYTES}: when the sections do not fit, each gets an equal share of the room and the share a
 * short section leaves is divided among the longer ones; a section cut short ends, on a character boundary, with
 * "[… cut: N more bytes]". A long server's text thus never crowds out the others'.
 */
export function mergeInstructions(list: ReadonlyArray<ServerInstructions>): string | undefined {
  const sections = list
    .filter((entry) => typeof entry.instructions === 'string' && entry.instructions.trim() !== '')
    .map((entry) => ({ head: `## ${entry.name}\n\n`, body: entry.instructions!.trim() }));
  if (sections.length === 0) return undefined;
  const joiner = '\n\n';
  const fixed = sections.reduce((sum, s) => sum + bytes(s.head), 0) + bytes(joiner) * (sections.length - 1);
  const shares = fairShares(sections.map((s) => bytes(s.body)), Math.max(0, MAX_INSTRUCTIONS_BYTES - fixed));
  // The headings alone could only overflow with thousands of servers; the last cut keeps the bound even then.
  return cut(sections.map((s, i) => s.head + cut(s.body, shares[i]!)).join(joiner), MAX_INSTRUCTIONS_BYTES);
}

/** Water-filling: sizes that fit are kept whole; the rest split what remains equally. */
function fairShares(sizes: number[], room: number): number[] {
  const shares = sizes.map(() => 0);
  let left = room;
  let open = sizes.map((_, i) => i).sort((a, b) => sizes[a]! - sizes[b]!);
  while (open.length > 0) {
    const share = Math.floor(left / open.length);
    const i = open[0]!;
    if (sizes[i]! > share) {
      for (const j of open) shares[j] = share;
      break;
    }
    shares[i] = sizes[i]!;
    left -= sizes[i]!;
    open = open.slice(1);
  }
  return shares;
}

/** `text` in at most `limit` UTF-8 bytes, with a note of what was cut when it does not fit. */
function cut(text: string, limit: number): string {
  const size = bytes(text);
  if (size <= limit) return text;
  const note = (n: number) => `\n[… cut: ${n} more bytes]`;
  const room = Math.max(0, limit - bytes(note(size)));
  let kept = '';
  let used = 0;
  for (const ch of text) {
    const b = bytes(ch);
    if (used + b > room) break;
    kept += ch;
    used += b;
  }
  return kept.length === 0 && limit < bytes(note(size)) ? '' : `${kept}${note(size - used)}`;
}

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
