/**
 * Exposed tool and prompt names: `<slug><separator><name>` within the Claude API's tool-name limit
 * `^[a-zA-Z0-9_-]{1,64}$` (issue 10), shortened deterministically when needed, and the table that maps them back.
 */
import { createHash } from 'node:crypto';

/** The names clients accept for tools (the Claude API's limit, stricter than MCP 2025-11-25's 128 characters). */
export const EXPOSED_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** The longest exposed name. */
export const MAX_EXPOSED_NAME_LENGTH = 64;

const HASH_LENGTH = 8;

/**
 * The name the client sees for a server's tool or prompt: `${slug}${separator}${name}` when that fits
 * {@link EXPOSED_NAME_PATTERN}. Otherwise every character outside `[a-zA-Z0-9_-]` (one per code point) becomes `_`,
 * the result is cut so that it plus `_` and 8 hex characters of SHA-256(`slug + separator + name`) fit in 64, trailing
 * `_` and `-` are trimmed from the cut part (so it never ends in half a separator), and the hash is appended.
 * Pure and deterministic: the same input gives the same name on every start.
 */
export function exposedName(slug: string, name: string, separator: string): string {
  const plain = `${slug}${separator}${name}`;
  if (EXPOSED_NAME_PATTERN.test(plain)) return plain;
  const hash = createHash('sha256').update(plain, 'utf8').digest('hex').slice(0, HASH_LENGTH);
  const sanitized = Array.from(plain, (ch) => (/^[a-zA-Z0-9_-]$/.test(ch) ? ch : '_')).join('');
  const room = MAX_EXPOSED_NAME_LENGTH - HASH_LENGTH - 1;
  const head = sanitized.slice(0, room).replace(/[_-]+$/, '');
  return head === '' ? `h_${hash}` : `${head}_${hash}`;
}

/** One server's tool (or prompt) as the table knows it. */
export interface NameOwner {
  slug: string;
  name: string;
}

/** Options for {@link NameTable}. */
export interface NameTableOptions {
  /** The separator {@link NameTable.exposedFor} uses for a server the table has not seen; default `__`. */
  separator?: string;
}

/**
 * Exposed names ⇄ (server slug, original name), for one kind of name (use one table for tools, another for prompts).
 * Collisions — two different (slug, name) pairs with one exposed name — can only come from sanitizing or hashing
 * accidents, or from a server whose own name looks like a shortened one; the entry already in the table keeps the
 * name, and {@link NameTable.set} reports the later one so the caller can log and drop it.
 */
export class NameTable {
  private readonly byExposed = new Map<string, NameOwner>();
  private readonly byServer = new Map<string, { separator: string; names: Map<string, string> }>();
  private readonly separator: string;

  constructor(options: NameTableOptions = {}) {
    this.separator = options.separator ?? '__';
  }

  /**
   * Replaces a server's entries with `names`. Returns the names (of this server) that were not added because their
   * exposed name is already taken — by another server's entry, or by an earlier name of the same list. Duplicates of
   * the same name in `names` are not collisions.
   */
  set(slug: string, names: readonly string[], separator: string): string[] {
    this.remove(slug);
    const own = new Map<string, string>();
    this.byServer.set(slug, { separator, names: own });
    const colliding: string[] = [];
    for (const name of names) {
      if (own.has(name)) continue;
      const exposed = exposedName(slug, name, separator);
      if (this.byExposed.has(exposed)) {
        colliding.push(name);
        continue;
      }
      own.set(name, exposed);
      this.byExposed.set(exposed, { slug, name });
    }
    return colliding;
  }

  /** Forgets every entry of a server (it was removed, or it went away). */
  remove(slug: string): void {
    const entry = this.byServer.get(slug);
    if (entry === undefined) return;
    for (const exposed of entry.names.values()) this.byExposed.delete(exposed);
    this.byServer.delete(slug);
  }

  /** The server and original name behind an exposed name, or undefined when no entry has it. */
  resolve(exposed: string): NameOwner | undefined {
    const owner = this.byExposed.get(exposed);
    return owner === undefined ? undefined : { ...owner };
  }

  /**
   * The exposed name of a server's tool: the table's entry when it has one, else the name it would get
   * ({@link exposedName} with the separator last given for that server) — which, for a name {@link set} reported as
   * colliding, belongs to someone else: check with {@link resolve} before routing.
   */
  exposedFor(slug: string, name: string): string {
    const entry = this.byServer.get(slug);
    return entry?.names.get(name) ?? exposedName(slug, name, entry?.separator ?? this.separator);
  }

  /** Whether a server's tool is in the table under its exposed name. */
  has(slug: string, name: string): boolean {
    return this.byServer.get(slug)?.names.has(name) === true;
  }

  /** The number of exposed names in the table. */
  get size(): number {
    return this.byExposed.size;
  }
}
