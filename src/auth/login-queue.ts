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
/** What {@link LoginTurn} needs. */
export interface LoginTurnPlace {
  logins: InteractiveLogins;
  /** The server the logins are for, as the messages name it. */
  label: string;
  logger: Logger;
}

/**
 * One server's place in the process's queue of interactive logins: runs each of its logins in its turn, says (once,
 * in the log) when one has to wait and for which, and knows meanwhile which login it waits for.
 */
export class LoginTurn {
  readonly #o: LoginTurnPlace;
  #ahead: string | undefined;

  constructor(place: LoginTurnPlace) {
    this.#o = place;
  }

  /** The login (its label) this server's login waits for while another has the turn; else undefined. */
  get waitingFor(): string | undefined {
    return this.#ahead;
  }

  /** Runs one interactive login `work` in its turn. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const o = this.#o;
    const onWait = (ahead: string) => {
      this.#ahead = ahead;
      o.logger.info(`waiting for the login to ${ahead} to finish before logging in to ${o.label}`);
    };
    const turn = () => {
      this.#ahead = undefined;
      return work();
    };
    return o.logins.run(o.label, turn, { onWait }).finally(() => (this.#ahead = undefined));
  }
}
