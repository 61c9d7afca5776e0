/**
 * One timer for many deadlines of the same delay: what `serve` arms for every request (a POST answer that becomes an
 * event stream when its response is slow, post-reply.ts) costs no timer of its own. Deadlines of one queue all have
 * the same delay, so they fall due in the order they were added: the queue keeps them in that order, with one
 * `setTimeout` for the earliest (unref'd: it never keeps the process alive); a cancelled entry is skipped when due.
 */

/** An armed deadline; {@link DeadlineEntry.cancel} disarms it. */
export interface DeadlineEntry {
  cancel(): void;
}

interface Entry extends DeadlineEntry {
  at: number;
  fire: (() => void) | undefined;
}

/** Deadlines `delayMs` after each {@link DeadlineQueue.add}; see the module comment. */
export class DeadlineQueue {
  readonly #delayMs: number;
  readonly #now: () => number;
  #entries: Entry[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(delayMs: number, now: () => number = performance.now.bind(performance)) {
    this.#delayMs = delayMs;
    this.#now = now;
  }

  /** Calls `fire` once, `delayMs` from now, unless cancelled first. */
  add(fire: () => void): DeadlineEntry {
    const entry: Entry = {
      at: this.#now() + this.#delayMs,
      fire,
      cancel() {
        entry.fire = undefined;
      },
    };
    this.#entries.push(entry);
    this.#timer ??= this.#arm(this.#delayMs);
    return entry;
  }

  #arm(ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.#due(), Math.max(1, Math.ceil(ms)));
    timer.unref();
    return timer;
  }

  #due(): void {
    this.#timer = undefined;
    const now = this.#now();
    const entries = this.#entries;
    while (this.#head < entries.length && entries[this.#head]!.at <= now) {
      const entry = entries[this.#head++]!;
      const fire = entry.fire;
      entry.fire = undefined;
      fire?.();
    }
    // Skip the cancelled ones at the head, then compact once the dead prefix is large.
    while (this.#head < entries.length && entries[this.#head]!.fire === undefined) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > entries.length) {
      this.#entries = entries.slice(this.#head);
      this.#head = 0;
    }
    if (this.#head >= this.#entries.length) {
      this.#entries = [];
      this.#head = 0;
      return;
    }
    this.#timer = this.#arm(this.#entries[this.#head]!.at - now);
  }
}
