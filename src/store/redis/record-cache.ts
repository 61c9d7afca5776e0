/**
 * The memory in front of Redis, so a forwarded call's token costs no round trip: decrypted records by Redis key,
 * each kept until another instance announces a write of that key on the prefix's channel, until its TTL passes, or
 * until a gap in the channel (the subscription dropped or came back) makes everything uncertain. While the channel
 * is not known to be live, nothing is served from memory.
 *
 * Why a channel of our own rather than Redis's client-side caching (CLIENT TRACKING, RESP3): it caches the
 * decrypted, validated record rather than the raw bytes (no AES and JSON work per call), it works through proxies
 * and managed services that do not pass tracking invalidations, and the one event that matters — "this key was
 * written" — is published by the same script that writes, so it cannot be forgotten.
 */

/** One cached value (`undefined` caches "absent"). */
interface Entry {
  value: unknown;
  /** Epoch ms after which the entry is not used (the record's TTL), or Infinity. */
  until: number;
}

/** See the module comment. */
export class RecordCache {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  #live = false;
  /** Bumped on every forget and gap: a read that started before it must not cache what it got (it may be stale). */
  #epoch = 0;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Whether the channel is live (else {@link RecordCache.get} finds nothing). */
  get live(): boolean {
    return this.#live;
  }

  /** Marks the channel live (subscribed) or not; either way what was cached is forgotten. */
  setLive(live: boolean): void {
    this.#epoch++;
    this.#entries.clear();
    this.#live = live;
  }

  /** The cached value of `key`: `{ value }` when cached (value may be undefined = absent), else undefined. */
  get(key: string): { value: unknown } | undefined {
    if (!this.#live) return undefined;
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return { value: entry.value };
  }

  /** A mark to take before reading Redis, for {@link RecordCache.set}. */
  mark(): number {
    return this.#epoch;
  }

  /**
   * Caches `value` for `key` until `until` (epoch ms; Infinity for ever), when the channel is live and nothing was
   * invalidated since `mark` was taken (else the value read may already be stale).
   */
  set(key: string, value: unknown, until: number, mark: number): void {
    if (this.#live && mark === this.#epoch) this.#entries.set(key, { value, until });
  }

  /** Forgets `key` (another instance wrote it, or this one deleted it). */
  forget(key: string): void {
    this.#epoch++;
    this.#entries.delete(key);
  }

  /** Forgets every key starting with `tag` (a user's keys, after deleteAll). */
  forgetTagged(tag: string): void {
    this.#epoch++;
    for (const key of this.#entries.keys()) if (key.startsWith(tag)) this.#entries.delete(key);
  }
}
