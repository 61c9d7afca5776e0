/**
 * {@link FailureCounts} in this process alone (serve on files, and each instance's own log limiter): a bounded map of
 * windows, oldest first. A key whose window ended starts a new one; beyond the bound, ended windows go first, then
 * the oldest live ones (a flood of new addresses forgets the oldest counts, never grows memory).
 */
import type { FailureCounts, FailureWindow } from './port.js';

/** Options for {@link MemoryFailureCounts}. */
export interface MemoryFailureCountsOptions extends FailureWindow {
  /** Default `Date.now`. */
  now?: () => number;
}

/** See the module comment. */
export class MemoryFailureCounts implements FailureCounts {
  readonly #o: MemoryFailureCountsOptions;
  /** By key: the window's start and its failures; oldest window first. */
  readonly #windows = new Map<string, { since: number; failures: number }>();

  constructor(o: MemoryFailureCountsOptions) {
    this.#o = o;
  }

  /** How many keys are kept now (at most the bound). */
  get size(): number {
    return this.#windows.size;
  }

  async count(key: string): Promise<number> {
    return this.countNow(key);
  }

  async add(key: string): Promise<number> {
    return this.addNow(key);
  }

  /** {@link count}, answered at once (it never waits). */
  countNow(key: string): number {
    const window = this.#windows.get(key);
    return window !== undefined && this.#live(window.since, this.#now()) ? window.failures : 0;
  }

  /** {@link add}, answered at once (it never waits). */
  addNow(key: string): number {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (window === undefined || !this.#live(window.since, now)) {
      this.#windows.delete(key);
      for (const [k, w] of this.#windows) {
        if (this.#windows.size < this.#o.maxKeys && this.#live(w.since, now)) break;
        this.#windows.delete(k);
      }
      window = { since: now, failures: 0 };
      this.#windows.set(key, window);
    }
    return ++window.failures;
  }

  #live(since: number, now: number): boolean {
    return now - since < this.#o.windowMs;
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }
}
