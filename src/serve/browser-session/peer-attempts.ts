/**
 * Failed sign-in attempts per client address (client-address.ts: the TCP peer, or the address a listed proxy
 * reports), in one-minute windows: past {@link MAX_FAILURES_PER_MINUTE} the address is told to wait (guessing tokens
 * at speed is refused). The counts are the browser state's (browser-state/port.ts `failures`): this process's
 * bounded memory on files, or counters in Redis shared by every instance with `--store redis://…`, so the limit is
 * the deployment's and a balancer spreading the guesses over N instances does not give N times the guesses. Only a
 * sign-in attempt reads them and only a failed one writes them; no MCP request touches them.
 *
 * While a shared state cannot be reached, both calls reject with a `STORE` error and the sign-in is answered 503
 * ("Sign-in unavailable", the door's answerUnavailable) without the token being checked: fail closed, since a limit
 * that cannot be read cannot be kept, and the sign-in page is the only thing that waits (MCP clients do not).
 *
 * The log line stays each instance's own, in bounded memory: the first refusal of an address in a minute is logged by
 * each instance that refuses it, later ones are not (a flood cannot fill the log).
 */
import type { Logger } from '../../log.js';
import { MemoryFailureCounts } from '../browser-state/memory-failure-counts.js';
import type { FailureCounts } from '../browser-state/port.js';

/** Failed attempts an address may make in a minute before it is refused until its minute ends. */
export const MAX_FAILURES_PER_MINUTE = 10;
/** The length of a window, ms. */
export const WINDOW_MS = 60_000;
/** Addresses remembered at most in memory (the counts on files, and each instance's log limiter). */
export const MAX_PEERS = 1024;

/** Options for {@link PeerAttempts}. */
export interface PeerAttemptsOptions {
  /** Where failures are counted (`BrowserState.failures('sign-in', …)`). */
  counts: FailureCounts;
  logger: Logger;
  /** What was refused, for the log line (`a static-token sign-in`). */
  what: string;
  now?: () => number;
}

/** See the module comment. */
export class PeerAttempts {
  readonly #o: PeerAttemptsOptions;
  /** This instance's own log limiter: an address's refusals seen here this minute. */
  readonly #logged: MemoryFailureCounts;

  constructor(o: PeerAttemptsOptions) {
    this.#o = o;
    this.#logged = new MemoryFailureCounts({ windowMs: WINDOW_MS, maxKeys: MAX_PEERS, ...(o.now ? { now: o.now } : {}) });
  }

  /**
   * Whether `peer` has failed too often this minute (then it is not even checked).
   * @throws BridgeError `STORE` while a shared state cannot be reached (the caller refuses the sign-in)
   */
  async blocked(peer: string): Promise<boolean> {
    return (await this.#o.counts.count(peer)) >= MAX_FAILURES_PER_MINUTE;
  }

  /**
   * Notes a failure of `peer`; logs it when it is the first this instance saw from `peer` this minute.
   * @throws BridgeError `STORE` while a shared state cannot be reached (logged first, so no refusal goes unlogged)
   */
  async fail(peer: string): Promise<void> {
    if (this.#logged.addNow(peer) === 1) {
      this.#o.logger.warn(`status page: refused ${this.#o.what} from ${peer} (at most one such line a minute per peer)`);
    }
    await this.#o.counts.add(peer);
  }
}
