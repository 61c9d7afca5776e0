/**
 * The names the client sees for tools and prompts, `<server><separator><name>` (naming/tool-names.ts), and the
 * way back to a server and its own name; which tools the server's filter lets through, enforced on lists and calls.
 * Filled from the lists the client asks for; a name the client knows from elsewhere is resolved from its prefix, or
 * after listing that server again (a shortened name cannot be read back).
 */
import { toolPasses, type ToolFacts } from '../config/file/tool-filter.js';
import type { MemberSpec } from './types.js';
import { exposedName } from './naming/tool-names.js';

/** How a shortened name ends (naming/tool-names.ts): `_` and 8 hex digits of its hash. */
const SHORTENED = /_[0-9a-f]{8}$/;

/** Whether the server's filter, and the user's where there is one, let `tool` through. */
function passes(spec: MemberSpec, tool: ToolFacts): boolean {
  return toolPasses(spec.filter, tool) && (spec.userFilter === undefined || toolPasses(spec.userFilter, tool));
}

/** Tools and prompts. */
export type NamedKind = 'tools' | 'prompts';

interface Listing {
  /** The server's names by the names the client sees. */
  byExposed: Map<string, string>;
  /** What the filter needs of each tool, by the server's name. */
  facts: Map<string, ToolFacts>;
}

/** A server and one of its names. */
export interface Resolved<M> {
  member: M;
  name: string;
}

/** Listings per server and kind. See the module comment. */
export class Catalog<M extends { spec: MemberSpec }> {
  readonly #separator: string;
  readonly #listings = new Map<M, Record<NamedKind, Listing | undefined>>();

  constructor(options: { separator: string }) {
    this.#separator = options.separator;
  }

  /**
   * Takes one page of a server's `tools/list` or `prompts/list` items: returns the items the client may see, as
   * copies under the names it sees. `fresh` (a first page) replaces what was known of that server.
   */
  accept(kind: NamedKind, member: M, items: unknown[], fresh: boolean): Record<string, unknown>[] {
    const listing = this.#listing(kind, member, fresh);
    const out: Record<string, unknown>[] = [];
    for (const item of items) {
      if (typeof item !== 'object' || item === null) continue;
      const name = (item as { name?: unknown }).name;
      if (typeof name !== 'string') continue;
      const readOnlyHint = (item as { annotations?: { readOnlyHint?: unknown } }).annotations?.readOnlyHint === true;
      const facts = { name, readOnlyHint };
      listing.facts.set(name, facts);
      if (kind === 'tools' && !passes(member.spec, facts)) continue;
      const exposed = exposedName(member.spec.slug, name, this.#separator);
      const owner = listing.byExposed.get(exposed);
      if (owner !== undefined && owner !== name) continue; // two of its names shortened alike: the first stays
      listing.byExposed.set(exposed, name);
      out.push({ ...item, name: exposed });
    }
    return out;
  }

  /** Which server and name `exposed` stands for, among `members`; undefined when unknown (list again, then ask). */
  resolve(kind: NamedKind, exposed: string, members: Iterable<M>): Resolved<M> | undefined {
    for (const member of members) {
      const listed = this.#listings.get(member)?.[kind]?.byExposed.get(exposed);
      if (listed !== undefined) return { member, name: listed };
      const prefix = `${member.spec.slug}${this.#separator}`;
      if (!exposed.startsWith(prefix)) continue;
      const name = exposed.slice(prefix.length);
      // A name ending like a shortened one may be either: only a listing can tell.
      if (SHORTENED.test(exposed) && !this.listed(kind, member)) continue;
      if (name && exposedName(member.spec.slug, name, this.#separator) === exposed) return { member, name };
    }
    return undefined;
  }

  /** Whether the filters let the client call `name` of `member`; undefined when the answer needs a listing. */
  allows(member: M, name: string): boolean | undefined {
    const spec = member.spec;
    if (!spec.filter.readOnly && !spec.userFilter?.readOnly) return passes(spec, { name });
    const facts = this.#listings.get(member)?.tools?.facts.get(name);
    return facts ? passes(spec, facts) : undefined;
  }

  /** Whether `member`'s `kind` was listed since it last changed. */
  listed(kind: NamedKind, member: M): boolean {
    return this.#listings.get(member)?.[kind] !== undefined;
  }

  /** Forgets what a server listed (its list changed, it restarted or it was removed). */
  forget(member: M, kind?: NamedKind): void {
    const entry = this.#listings.get(member);
    if (!entry) return;
    if (kind) entry[kind] = undefined;
    else this.#listings.delete(member);
  }

  #listing(kind: NamedKind, member: M, fresh: boolean): Listing {
    let entry = this.#listings.get(member);
    if (!entry) this.#listings.set(member, (entry = { tools: undefined, prompts: undefined }));
    let listing = entry[kind];
    if (!listing || fresh) entry[kind] = listing = { byExposed: new Map(), facts: new Map() };
    return listing;
  }
}
