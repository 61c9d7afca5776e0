/**
 * {@link FailureCounts} shared by every serve instance on one Redis, so a limit on failed sign-ins per address holds
 * for the whole deployment, not once per instance behind a balancer. One counter per (kind, address) and window:
 * ```
 * {<prefix>browser:failure:<kind>:<HMAC(address)>}   string: the window's count, PX = the rest of the window
 * ```
 * A failure is one script, one round trip: INCR, and PEXPIRE with the window's length when it started the window
 * (or when the key somehow has no time to live), so every counter is gone at most `windowMs` after its first
 * failure — the window starts at a key's first failure on any instance, whatever the instances' clocks say. A check
 * is one GET. The address is never in Redis: the key names an HMAC of it under a key derived from the store's
 * encryption keys (derived-mac-keys.ts; a plain hash of an IPv4 address is undone by trying all 2³² of them), and
 * each counter has a hash tag of its own (one key per call: no slot is shared by all of them). While instances
 * disagree on the store's current key (during a rolling key change), each key's instances count apart for a while.
 * Failures go to {@link runLogged}: a `STORE` error while Redis is away, logged once per outage.
 */
import { createHash } from 'node:crypto';
import type { EncryptionKeys } from '../../store/redis/encryption-keys.js';
import type { RedisConnection } from '../../store/redis/redis-connection.js';
import { derivedMacKey } from './derived-mac-keys.js';
import type { FailureCounts, FailureKind, MacKey } from './port.js';
import { type OutageLog, runLogged } from './redis-outage.js';

/** KEYS: the counter. ARGV: the window, ms. Resolves the count with this failure. */
const ADD = `local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** Options for {@link RedisFailureCounts}. */
export interface RedisFailureCountsOptions {
  connection: RedisConnection;
  keys: EncryptionKeys;
  kind: FailureKind;
  /** The length of a window, ms (each counter's time to live). */
  windowMs: number;
  /** The browser state's one outage log. */
  outage: OutageLog;
}

/** See the module comment. */
export class RedisFailureCounts implements FailureCounts {
  readonly #o: RedisFailureCountsOptions;
  readonly #mac: MacKey;

  constructor(o: RedisFailureCountsOptions) {
    this.#o = o;
    this.#mac = derivedMacKey(o.keys, `failures/${o.kind}`);
  }

  async count(key: string): Promise<number> {
    const counter = this.#counterOf(key);
    const value = await runLogged(this.#o.connection, this.#o.outage, 'read a failure count', (redis) => redis.get(counter));
    const count = value === null ? 0 : Number(value);
    return Number.isSafeInteger(count) && count > 0 ? count : 0;
  }

  async add(key: string): Promise<number> {
    const counter = this.#counterOf(key);
    const window = String(Math.max(1, Math.round(this.#o.windowMs)));
    const count = await runLogged(this.#o.connection, this.#o.outage, 'count a failure', (redis) => redis.eval(ADD, { keys: [counter], arguments: [window] }));
    return Number(count);
  }

  /** The Redis key of `key`'s counter; see the module comment. */
  #counterOf(key: string): string {
    const hashed = createHash('sha256').update(this.#mac.sign(key), 'utf8').digest('hex').slice(0, 32);
    return `{${this.#o.connection.target.prefix}browser:failure:${this.#o.kind}:${hashed}}`;
  }
}
