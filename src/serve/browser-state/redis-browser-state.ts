/**
 * {@link BrowserState} shared by every serve instance on one Redis (`serve --store redis://…`), so a browser's
 * requests may land on any of them: HMAC keys derived from the store's encryption keys (derived-mac-keys.ts), and
 * records in Redis, sealed like the store's (record-seal.ts: AES-256-GCM, the Redis key as associated data), each
 * with its time to live. Loaded only with `--store redis://…` (through serve/users/redis-user-stores.ts).
 *
 * Key layout, under the store's prefix; all records of one kind share a hash tag, so the script that keeps them
 * bounded (an index of expiries) touches one Cluster slot; ids are hashed, so no cookie id, `state` or link id is
 * in Redis as such:
 * ```
 * {<prefix>browser:<kind>}:<sha256(id)>   string: the sealed record, PX = its time to live
 * {<prefix>browser:<kind>}:index          sorted set: each record's hash by expiry (the bound, oldest dropped)
 * ```
 * The bound is the whole deployment's, not each instance's: the keeping script drops expired entries from the index,
 * then the records that expire soonest beyond the bound (their keys named from the index, in the same slot).
 * Failure counts (the sign-in page's limit per address) are counters of their own, redis-failure-counts.ts.
 * While Redis is away, every call fails with a `STORE` error (the pages answer 503), logged once per outage
 * (redis-outage.ts).
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../log.js';
import type { EncryptionKeys } from '../../store/redis/encryption-keys.js';
import { openRecord, sealRecord } from '../../store/redis/record-seal.js';
import type { RedisCommands, RedisConnection } from '../../store/redis/redis-connection.js';
import { derivedMacKey } from './derived-mac-keys.js';
import type { BrowserRecordKind, BrowserState, FailureKind, MacKey, SharedRecords } from './port.js';
import { RedisFailureCounts } from './redis-failure-counts.js';
import { OutageLog, runLogged } from './redis-outage.js';

/** KEYS: record, index. ARGV: sealed, ttl ms, now ms, bound, member, the kind's key prefix. */
const PUT = `redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[5])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4]) + 1
if over > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #oldest, 2 do redis.call('DEL', ARGV[6] .. oldest[i]) end
end
local expires = tonumber(ARGV[3]) + tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], expires, ARGV[5])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return 1`;
/** KEYS: record, index. ARGV: member. */
const TAKE = `local value = redis.call('GET', KEYS[1])
if value then redis.call('DEL', KEYS[1]) end
redis.call('ZREM', KEYS[2], ARGV[1])
return value`;

/** What {@link redisBrowserState} works with: the store's connection and keys. */
export interface RedisBrowserStateOptions {
  connection: RedisConnection;
  keys: EncryptionKeys;
  logger: Logger;
  /** Default `Date.now`. */
  now?: () => number;
}

/** The browser state on the store's Redis; see the module comment. */
export function redisBrowserState(o: RedisBrowserStateOptions): BrowserState {
  const macKeys = new Map<string, MacKey>();
  const kinds = new Map<BrowserRecordKind, RedisRecords>();
  const failures = new Map<FailureKind, RedisFailureCounts>();
  const outage = new OutageLog(o.logger);
  return {
    kind: 'redis',
    macKey(use) {
      let key = macKeys.get(use);
      if (!key) macKeys.set(use, (key = derivedMacKey(o.keys, use)));
      return key;
    },
    records(kind, max) {
      let records = kinds.get(kind);
      if (!records) kinds.set(kind, (records = new RedisRecords({ ...o, kind, max, outage })));
      return records;
    },
    failures(kind, window) {
      let counts = failures.get(kind);
      if (!counts) failures.set(kind, (counts = new RedisFailureCounts({ connection: o.connection, keys: o.keys, kind, windowMs: window.windowMs, outage })));
      return counts;
    },
  };
}

interface RedisRecordsOptions extends RedisBrowserStateOptions {
  kind: BrowserRecordKind;
  max: number;
  outage: OutageLog;
}

/** The records of one kind; see the module comment. */
class RedisRecords implements SharedRecords {
  readonly #o: RedisRecordsOptions;
  /** `{<prefix>browser:<kind>}:` */
  readonly #base: string;
  #unreadableLogged = false;

  constructor(o: RedisRecordsOptions) {
    this.#o = o;
    this.#base = `{${o.connection.target.prefix}browser:${o.kind}}:`;
  }

  async put(id: string, value: string, ttlMs: number): Promise<void> {
    const member = memberOf(id);
    const key = this.#base + member;
    const sealed = sealRecord(this.#o.keys, key, value);
    const ttl = String(Math.max(1, Math.round(ttlMs)));
    const now = String(this.#now());
    await this.#run('keep a browser record', (redis) => redis.eval(PUT, { keys: [key, this.#index], arguments: [sealed, ttl, now, String(this.#o.max), member, this.#base] }));
  }

  async get(id: string): Promise<string | undefined> {
    const key = this.#base + memberOf(id);
    return this.#open(key, await this.#run('read a browser record', (redis) => redis.get(key)));
  }

  async has(id: string): Promise<boolean> {
    const key = this.#base + memberOf(id);
    return (await this.#run('read a browser record', (redis) => redis.get(key))) !== null;
  }

  async take(id: string): Promise<string | undefined> {
    const member = memberOf(id);
    const key = this.#base + member;
    const value = await this.#run('take a browser record', (redis) => redis.eval(TAKE, { keys: [key, this.#index], arguments: [member] }));
    return this.#open(key, typeof value === 'string' ? value : null);
  }

  get #index(): string {
    return `${this.#base}index`;
  }

  #open(key: string, sealed: string | null): string | undefined {
    if (sealed === null) return undefined;
    const opened = openRecord(this.#o.keys, key, sealed);
    if (opened.ok) return opened.plaintext;
    if (!this.#unreadableLogged) {
      this.#unreadableLogged = true;
      const why = opened.why === 'unknown-key' ? `sealed under key "${opened.keyId}", which this instance does not have` : `${opened.why}`;
      this.#o.logger.warn(`browser pages: a ${this.#o.kind} record in Redis cannot be read (${why}); it counts as absent`);
    }
    return undefined;
  }

  #run<T>(what: string, work: (redis: RedisCommands) => Promise<T>): Promise<T> {
    return runLogged(this.#o.connection, this.#o.outage, what, work);
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }
}

/** The hash an id is kept under. */
function memberOf(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 32);
}
