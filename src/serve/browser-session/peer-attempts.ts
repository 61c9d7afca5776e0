/**
 * Failed sign-in attempts per peer (TCP address), in one-minute windows and bounded memory: the first refusal of a
 * peer in a window is logged, later ones are not (a flood cannot fill the log), and past
 * {@link MAX_FAILURES_PER_MINUTE} the peer is told to wait (guessing tokens at speed is refused).
 */
import type { Logger } from '../../log.js';

/** Failed attempts a peer may make in a minute before it is refused until the minute ends. */
export const MAX_FAILURES_PER_MINUTE = 10;
const WINDOW_MS = 60_000;
/** Peers remembered at most. */
export const MAX_PEERS = 1024;

/** Options for {@link PeerAttempts}. */
export interface PeerAttemptsOptions {
  logger: Logger;
  /** What was refused, for the log line (`a static-token sign-in`). */
  what: string;
  now?: () => number;
}

/** See the module comment. */
export class PeerAttempts {
  readonly #o: PeerAttemptsOptions;
  /** By peer: the window's start and its failures; oldest window first. */
  readonly #peers = new Map<string, { since: number; failures: number }>();

  constructor(o: PeerAttemptsOptions) {
    this.#o = o;
  }

  /** Whether `peer` has failed too often this minute (then it is not even checked). */
  blocked(peer: string): boolean {
    const entry = this.#peers.get(peer);
    return entry !== undefined && this.#now() - entry.since < WINDOW_MS && entry.failures >= MAX_FAILURES_PER_MINUTE;
  }

  /** Notes a failure of `peer`; logs it when it is the peer's first in the window. */
  fail(peer: string): void {
    const now = this.#now();
    let entry = this.#peers.get(peer);
    if (entry === undefined || now - entry.since >= WINDOW_MS) {
      this.#peers.delete(peer);
      for (const [p, e] of this.#peers) {
        if (this.#peers.size < MAX_PEERS && now - e.since < WINDOW_MS) break;
        this.#peers.delete(p);
      }
      entry = { since: now, failures: 0 };
      this.#peers.set(peer, entry);
      this.#o.logger.warn(`status page: refused ${this.#o.what} from ${peer} (at most one such line a minute per peer)`);
    }
    entry.failures++;
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }
}
