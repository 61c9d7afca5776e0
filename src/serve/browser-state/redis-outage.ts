/**
 * How the browser state's Redis calls fail (redis-browser-state.ts, redis-failure-counts.ts): every call goes
 * through {@link runLogged}, which turns any failure into a `STORE` error (the pages answer 503 then) and tells the
 * one {@link OutageLog} of the state, which logs the first failure of an outage and the recovery — one line each,
 * however many pages fail meanwhile.
 */
import { BridgeError, ErrorCode, describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { RedisCommands, RedisConnection } from '../../store/redis/redis-connection.js';

/** Logs the first failure of an outage, and the recovery; see the module comment. */
export class OutageLog {
  #down = false;

  constructor(readonly logger: Logger) {}

  /** Notes a failed call (logged when it is the first since the state last worked). */
  failed(error: unknown): void {
    if (this.#down) return;
    this.#down = true;
    this.logger.warn(`browser pages: the shared sign-in state in Redis cannot be used (${describeError(error)}); pages that need it answer 503 until it can`);
  }

  /** Notes a call that worked (logged when it ends an outage). */
  worked(): void {
    if (!this.#down) return;
    this.#down = false;
    this.logger.info('browser pages: the shared sign-in state in Redis can be used again');
  }
}

/**
 * Runs `work` on `connection`, noting the outcome in `outage`.
 * @throws BridgeError `STORE` naming `what` when Redis cannot be reached or refuses the command
 */
export async function runLogged<T>(connection: RedisConnection, outage: OutageLog, what: string, work: (redis: RedisCommands) => Promise<T>): Promise<T> {
  try {
    const result = await connection.run(what, work);
    outage.worked();
    return result;
  } catch (error) {
    outage.failed(error);
    throw error instanceof BridgeError ? error : new BridgeError(ErrorCode.Store, `Redis could not ${what}`, { cause: error });
  }
}
