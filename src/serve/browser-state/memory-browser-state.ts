/**
 * {@link BrowserState} in this process alone (serve on files): HMAC keys made at start (a restart signs everyone
 * out), records in bounded maps, the oldest dropped first beyond the bound and each refused after its time, and
 * failure counts in bounded maps (memory-failure-counts.ts).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MemoryFailureCounts } from './memory-failure-counts.js';
import type { BrowserRecordKind, BrowserState, FailureKind, MacKey, SharedRecords } from './port.js';

/** A key made now, for this process only. */
export function randomMacKey(): MacKey {
  const key = randomBytes(32);
  const sign = (text: string) => createHmac('sha256', key).update(text, 'utf8').digest('base64url');
  return { sign, verify: (text, mac) => sameText(sign(text), mac) };
}

/** Records of one kind in a map, oldest first; see the module comment. */
export class MemoryRecords implements SharedRecords {
  readonly #max: number;
  readonly #now: () => number;
  readonly #byId = new Map<string, { value: string; expiresAt: number }>();

  constructor(o: { max: number; now?: () => number }) {
    this.#max = o.max;
    this.#now = o.now ?? Date.now;
  }

  /** How many records are kept now (at most the bound). */
  get size(): number {
    return this.#byId.size;
  }

  async put(id: string, value: string, ttlMs: number): Promise<void> {
    const now = this.#now();
    this.#byId.delete(id);
    for (const [old, entry] of this.#byId) {
      if (entry.expiresAt > now && this.#byId.size < this.#max) break;
      this.#byId.delete(old);
    }
    this.#byId.set(id, { value, expiresAt: now + ttlMs });
  }

  async get(id: string): Promise<string | undefined> {
    const entry = this.#byId.get(id);
    return entry && entry.expiresAt > this.#now() ? entry.value : undefined;
  }

  async has(id: string): Promise<boolean> {
    return (await this.get(id)) !== undefined;
  }

  async take(id: string): Promise<string | undefined> {
    const value = await this.get(id);
    this.#byId.delete(id);
    return value;
  }
}

/** The browser state of one process; `now` for tests on a clock of their own. */
export function memoryBrowserState(o: { now?: () => number } = {}): BrowserState {
  const keys = new Map<string, MacKey>();
  const kinds = new Map<BrowserRecordKind, MemoryRecords>();
  const failures = new Map<FailureKind, MemoryFailureCounts>();
  return {
    kind: 'memory',
    macKey(use) {
      let key = keys.get(use);
      if (!key) keys.set(use, (key = randomMacKey()));
      return key;
    },
    records(kind, max) {
      let records = kinds.get(kind);
      if (!records) kinds.set(kind, (records = new MemoryRecords({ max, ...(o.now ? { now: o.now } : {}) })));
      return records;
    },
    failures(kind, window) {
      let counts = failures.get(kind);
      if (!counts) failures.set(kind, (counts = new MemoryFailureCounts({ ...window, ...(o.now ? { now: o.now } : {}) })));
      return counts;
    },
  };
}

/** Constant-time comparison of two texts (false when their lengths differ). */
export function sameText(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
