/**
 * A bound on how deeply a message's objects and arrays nest. `JSON.parse` takes any depth, but what comes after
 * does not: `JSON.stringify` (the SDK's, the bridge's, the client's) and recursive validators overflow the stack
 * a few thousand levels down. No MCP message needs more than a few dozen, so a message past {@link MAX_JSON_DEPTH}
 * is answered like any other invalid message instead of being passed on. The check costs next to nothing for the
 * usual message: a text with fewer opening brackets than the bound cannot nest past it, and counting brackets is a
 * native `indexOf` scan; only texts with many brackets are walked character by character.
 */

/** Deepest nesting of objects and arrays the bridge passes on. */
export const MAX_JSON_DEPTH = 1000;

/** Whether the JSON `text` nests objects and arrays deeper than `max` levels (strings are skipped). */
export function nestsDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  if (text.length <= max * 2) return false;
  if (countUpTo(text, '[', max) + countUpTo(text, '{', max) <= max) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string: to the next quote that is not escaped.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** Occurrences of `char` in `text`, counting no further than `limit + 1`. */
function countUpTo(text: string, char: string, limit: number): number {
  let n = 0;
  for (let at = text.indexOf(char); at !== -1 && n <= limit; at = text.indexOf(char, at + 1)) n++;
  return n;
}
