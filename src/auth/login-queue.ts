/**
 * One interactive login at a time in the process. When one bridge fronts many servers, two of them may ask for a
 * browser (or device) login at once; through this queue the second waits until the first has ended — succeeded or
 * failed — so the user sees one browser tab at a time and the two logins never compete for a callback port
 * (RFC 8252 §7.3: the loopback redirect is bound while the login runs). Turns are taken in arrival order.
 *
 * The queue is made once per process (config/runtime.ts `Runtime.interactiveLogins`) and given to every Authorizer;
 * only user grants go through it ({@link inTurn}, from the Authorizer's login), never a refresh or a machine's grant.
 */
import type { Logger } from '../log.js';

/** Options for one {@link InteractiveLogins.run}. */
export interface LoginTurnOptions {
  /** Called once when the login has to wait, with the label of the login under way. */
  onWait?: (ahead: string) => void;
}

/** Interactive logins, one at a time: the process-wide queue (see the module comment). */
export interface InteractiveLogins {
  /**
   * Runs `work` (one interactive login, labelled `label` for messages) when no other is under way, waiting for its
   * turn otherwise. Resolves or rejects as `work` does; a failure of an earlier login does not affect this one.
   */
  run<T>(label: string, work: () => Promise<T>, options?: LoginTurnOptions): Promise<T>;
  /** The label of the login under way, if one is. */
  readonly current: string | undefined;
  /** How many logins wait for their turn. */
  readonly waiting: number;
}

/** The in-process {@link InteractiveLogins}: a first-come, first-served chain of turns. */
export class LoginQueue implements InteractiveLogins {
  /** Settles when the last login that asked for a turn has ended. */
  #tail: Promise<void> = Promise.resolve();
  #current: string | undefined;
  #waiting = 0;

  get current(): string | undefined {
    return this.#current;
  }

  get waiting(): number {
    return this.#waiting;
  }

  async run<T>(label: string, work: () => Promise<T>, options: LoginTurnOptions = {}): Promise<T> {
    const before = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    const busy = this.#current !== undefined || this.#waiting > 0;
    if (busy) {
      this.#waiting++;
      // The login under way, or (when it has just ended) the one whose turn comes next.
      options.onWait?.(this.#current ?? 'another server');
      await before;
      this.#waiting--;
    }
    this.#current = label;
    try {
      return await work();
    } finally {
      this.#current = undefined;
      release();
    }
  }
}

/** Options for {@link inTurn}. */
export interface TurnOptions {
  logins: InteractiveLogins;
  /** The server the login is for, as the messages name it. */
  label: string;
  logger: Logger;
  /** The login this one waits for (its label) while another has the turn; undefined once this one's turn came. */
  onWaiting: (ahead: string | undefined) => void;
}

/** Runs one server's interactive login `work` in its turn, saying (once, in the log) when it has to wait, and for which. */
export function inTurn<T>(o: TurnOptions, work: () => Promise<T>): Promise<T> {
  const onWait = (ahead: string) => {
    o.onWaiting(ahead);
    o.logger.info(`waiting for the login to ${ahead} to finish before logging in to ${o.label}`);
  };
  const turn = () => {
    o.onWaiting(undefined);
    return work();
  };
  return o.logins.run(o.label, turn, { onWait }).finally(() => o.onWaiting(undefined));
}
