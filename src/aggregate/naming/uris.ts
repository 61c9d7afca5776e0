/**
 * Resource URIs from many servers in one namespace: the client sees `<prefix>+<uri>`, where the prefix stands for the
 * server. RFC 3986 §3.1 allows `+` in a scheme (`scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`), so
 * `files+file:///a` is an absolute URI with the scheme `files+file`; a URI template keeps its `{vars}` after the
 * prefix, so a client expands it as usual and the result still carries the prefix (issue 10: every resource the client
 * sees can be read, subscribed to and completed through the bridge).
 */

/** A slug that is a valid URI scheme as it is: it is its own prefix. */
const SCHEME_AS_IS = /^[A-Za-z][A-Za-z0-9-]*$/;

/** What a prefix may look like (RFC 3986 §3.1 scheme characters, without `+`, which ends it). */
const PREFIX = /^[A-Za-z][A-Za-z0-9.-]*$/;

/** Put before a slug that does not start with a letter (a scheme must). */
const LEAD = 'x-';

/**
 * The URI prefix of a server: its slug when that is a valid scheme (a letter, then letters, digits and `-`: "github",
 * "my-files"); otherwise the slug with each `_` written `.` and, when it does not start with a letter, `x-` before it
 * ("my_files" → "my.files", "1password" → "x-1password"). Schemes compare without case (RFC 3986 §3.1), and two slugs
 * could share a prefix ("x-_a" and "_a"): `checkSlugs` reports both at load.
 */
export function uriPrefix(slug: string): string {
  if (SCHEME_AS_IS.test(slug)) return slug;
  const dotted = slug.replace(/_/g, '.');
  return /^[A-Za-z]/.test(dotted) ? dotted : `${LEAD}${dotted}`;
}

/** The URI the client sees for a server's resource `uri`: `<prefix>+<uri>`. */
export function exposeUri(slug: string, uri: string): string {
  return `${uriPrefix(slug)}+${uri}`;
}

/** The URI template the client sees for a server's template (RFC 6570): `<prefix>+<template>`; `{vars}` are kept. */
export function exposeUriTemplate(slug: string, template: string): string {
  return `${uriPrefix(slug)}+${template}`;
}

/** A URI the client sent, taken apart: the server it belongs to and the server's own URI. */
export interface OwnedUri {
  slug: string;
  uri: string;
}

/** The known slugs: a set, or a test for one. */
export type KnownSlugs = ReadonlySet<string> | ((slug: string) => boolean);

/**
 * The server behind a URI the client sent and that server's own URI, or undefined when the text before the first `+`
 * is not the prefix of a known slug. With a set, the prefix is matched exactly first, then without case (a client
 * may have normalized the scheme to lower case, RFC 3986 §3.1); with a function, each slug the prefix can stand for is
 * asked, as written.
 */
export function ownerOfUri(exposed: string, slugs: KnownSlugs): OwnedUri | undefined {
  const plus = exposed.indexOf('+');
  if (plus <= 0) return undefined;
  const prefix = exposed.slice(0, plus);
  if (!PREFIX.test(prefix)) return undefined;
  const uri = exposed.slice(plus + 1);
  const slug = typeof slugs === 'function' ? candidates(prefix).find((candidate) => slugs(candidate)) : fromSet(prefix, slugs);
  return slug === undefined ? undefined : { slug, uri };
}

/** The slugs whose prefix is `prefix`, as written. */
function candidates(prefix: string): string[] {
  const found = [prefix.replace(/\./g, '_')];
  if (prefix.startsWith(LEAD)) {
    const rest = prefix.slice(LEAD.length).replace(/\./g, '_');
    if (rest !== '' && !/^[A-Za-z]/.test(rest)) found.push(rest);
  }
  return found.filter((slug) => uriPrefix(slug) === prefix);
}

function fromSet(prefix: string, slugs: ReadonlySet<string>): string | undefined {
  let folded: string | undefined;
  const lower = prefix.toLowerCase();
  for (const slug of slugs) {
    const own = uriPrefix(slug);
    if (own === prefix) return slug;
    if (folded === undefined && own.toLowerCase() === lower) folded = slug;
  }
  return folded;
}
