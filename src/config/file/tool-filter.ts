/** Tool filtering for one server: exact names or globs with `*` and `?`; block wins over allow. */
import type { ToolFilter } from './types.js';

/** Whether `name` matches `pattern`: `*` stands for any run of characters (none included), `?` for one; the rest is literal. */
export function matchesGlob(pattern: string, name: string): boolean {
  // Iterative wildcard match with one backtrack point: linear in practice, no regular expression built from user text.
  let p = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === name[n])) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = n;
    } else if (star !== -1) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** What the filter needs to know of a tool: its name and whether it is annotated `readOnlyHint: true`. */
export interface ToolFacts {
  name: string;
  readOnlyHint?: boolean | undefined;
}

/** Whether `filter` lets `tool` through: not blocked, allowed (when an allow list is given), and read-only when asked. */
export function toolPasses(filter: ToolFilter, tool: ToolFacts): boolean {
  if (filter.block.some((pattern) => matchesGlob(pattern, tool.name))) return false;
  if (filter.allow !== undefined && !filter.allow.some((pattern) => matchesGlob(pattern, tool.name))) return false;
  return !filter.readOnly || tool.readOnlyHint === true;
}

/** The filter that lets every tool through. */
export const PASS_ALL: ToolFilter = { allow: undefined, block: [], readOnly: false };
