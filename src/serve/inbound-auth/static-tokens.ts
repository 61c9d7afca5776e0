/**
 * Static bearer tokens, each naming its user, compared in constant time: the presented token and every configured
 * one are hashed with SHA-256 (equal lengths, so `timingSafeEqual` applies and the length of a configured token is
 * not revealed), and every configured token is compared, whatever matched before, so the time taken says neither
 * whether nor which one matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { StaticTokenConfig } from './config.js';

/** The configured static tokens, kept only as digests. */
export class StaticTokens {
  readonly #entries: ReadonlyArray<{ user: string; digest: Buffer }>;

  constructor(tokens: readonly StaticTokenConfig[]) {
    this.#entries = tokens.map((t) => ({ user: t.user, digest: sha256(t.token) }));
  }

  /** How many tokens are configured. */
  get size(): number {
    return this.#entries.length;
  }

  /** The user of `presented`, or undefined when it is none of the configured tokens. */
  userOf(presented: string): string | undefined {
    const digest = sha256(presented);
    let user: string | undefined;
    for (const entry of this.#entries) {
      // No early exit: every entry costs the same comparison, matched or not.
      const equal = timingSafeEqual(digest, entry.digest);
      user = equal && user === undefined ? entry.user : user;
    }
    return user;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
