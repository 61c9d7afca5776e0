/**
 * A server's slug: its configured name as it appears in tool and prompt prefixes (`<slug><separator><tool>`) and
 * in resource URIs (`<prefix>+<uri>`, the prefix made from the slug), and the load-time check that the slugs of one file cannot be confused.
 * Issue 10: "a collision is impossible by construction or reported at load".
 */
import { uriPrefix } from './uris.js';

/** The longest slug: it leaves at least 38 of a tool name's 64 characters to the tool's own name. */
export const MAX_SLUG_LENGTH = 24;

/** The slug used when a name has no usable character at all. */
export const FALLBACK_SLUG = 'server';

/**
 * The slug of a configured server name (free text such as "My Server"): every run of characters outside
 * `[A-Za-z0-9_-]` becomes one `-`, runs of `-` collapse to one, `-` is trimmed from both ends, and the result is cut to
 * {@link MAX_SLUG_LENGTH} characters (trimmed again); never empty ({@link FALLBACK_SLUG}). Names that are already
 * short and made of `[A-Za-z0-9_]` with single inner `-` come back unchanged.
 */
export function serverSlug(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = cleaned.slice(0, MAX_SLUG_LENGTH).replace(/-+$/, '');
  return cut === '' ? FALLBACK_SLUG : cut;
}

/** What {@link checkSlugs} finds. */
export interface SlugCheck {
  /** Each configured name → its slug, in the order given. */
  slugs: Map<string, string>;
  /** One sentence per problem, naming the servers and the fix; empty when the slugs are safe to use together. */
  problems: string[];
}

/**
 * Checks that the servers' slugs can share one namespace with the given separator, for an error at load time.
 * A problem is reported when:
 * - two names give the same slug, or slugs that differ only in case (clients and URI schemes may fold case,
 *   RFC 3986 §3.1);
 * - a slug contains the separator (then `a__b` + `c` and `a` + `b__c` both give `a__b__c`);
 * - one slug followed by the separator begins with another's (with `__`, `a_` + `b` and `a` + `_b` both give
 *   `a___b`);
 * - two slugs give the same resource URI prefix ({@link uriPrefix}: `_a` and `x-_a` both give `x-.a`).
 * The same name given twice is reported too.
 */
export function checkSlugs(names: string[], separator: string): SlugCheck {
  const slugs = new Map<string, string>();
  const problems: string[] = [];
  const byFolded = new Map<string, string>();
  for (const name of names) {
    if (slugs.has(name)) {
      problems.push(`The server name ${quote(name)} is given twice: give each server its own name.`);
      continue;
    }
    const slug = serverSlug(name);
    slugs.set(name, slug);
    const earlier = byFolded.get(slug.toLowerCase());
    if (earlier !== undefined) {
      problems.push(sameSlug(earlier, slugs.get(earlier)!, name, slug));
    } else {
      byFolded.set(slug.toLowerCase(), name);
    }
    if (separator !== '' && slug.includes(separator)) {
      problems.push(
        `The server ${quote(name)} is named ${quote(slug)} in tool names, which contains the separator ${quote(separator)}, ` +
          `so its tools could not be told from another server's: rename it, or choose another "separator".`,
      );
    }
  }
  problems.push(...prefixClashes([...slugs], separator), ...uriClashes([...slugs]));
  return { slugs, problems };
}

function sameSlug(first: string, firstSlug: string, second: string, secondSlug: string): string {
  const how = firstSlug === secondSlug ? `both become ${quote(firstSlug)}` : `become ${quote(firstSlug)} and ${quote(secondSlug)}, which differ only in case,`;
  return `The servers ${quote(first)} and ${quote(second)} ${how} in tool names and resource URIs: rename one of them.`;
}

/** Pairs where `<a><sep>` begins with `<b><sep>` although neither slug contains the separator. */
function prefixClashes(entries: Array<[string, string]>, separator: string): string[] {
  if (separator === '') return [];
  const problems: string[] = [];
  for (const [aName, a] of entries) {
    if (a.includes(separator)) continue; // reported already
    for (const [bName, b] of entries) {
      if (aName === bName || b.includes(separator) || a.length <= b.length) continue;
      if (a.toLowerCase() === b.toLowerCase()) continue; // reported already
      if (`${a}${separator}`.toLowerCase().startsWith(`${b}${separator}`.toLowerCase())) {
        const example = `${b}${separator}${a.slice(b.length)}x`;
        problems.push(
          `The servers ${quote(bName)} and ${quote(aName)} would give the same tool name (e.g. ${quote(example)}) ` +
            `with the separator ${quote(separator)}: rename one of them, or choose another "separator".`,
        );
      }
    }
  }
  return problems;
}

/** Pairs with different slugs (case aside) but one URI prefix (case aside). */
function uriClashes(entries: Array<[string, string]>): string[] {
  const problems: string[] = [];
  const seen = new Map<string, [string, string]>();
  for (const [name, slug] of entries) {
    const prefix = uriPrefix(slug).toLowerCase();
    const earlier = seen.get(prefix);
    if (earlier === undefined) {
      seen.set(prefix, [name, slug]);
    } else if (earlier[1].toLowerCase() !== slug.toLowerCase()) {
      problems.push(
        `The servers ${quote(earlier[0])} and ${quote(name)} would give their resources the same URI prefix ` +
          `${quote(uriPrefix(slug))}: rename one of them.`,
      );
    }
  }
  return problems;
}

function quote(text: string): string {
  return JSON.stringify(text);
}
