/**
 * serve's credential store on Redis: one {@link RedisCredentialStore} per user, all sharing one connection, one
 * set of encryption keys and one memory cache ({@link RedisStores}). Logins, registrations and each server's
 * protocol era are kept per (user, credential key) under the user's hash tag (key-layout.ts); secrets are sealed
 * with AES-256-GCM (record-seal.ts); records expire with their tokens (record-ttl.ts); a lease per (user, key)
 * serialises refreshes and logins across instances (lease.ts), and a write made under one is fenced.
 *
 * A record that cannot be used — sealed under a key id this instance does not have, not authentic (tampered, or
 * copied from another user's key), or malformed — reads as absent, with one log line (per key id, or per record).
 */
import { randomBytes } from 'node:crypto';
import { BridgeError, ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { CredentialStore, DeleteAllResult, ExclusiveHold, ExclusiveScope, ListedLogin, LoginListing, UnreadableRecord } from '../credential-store.js';
import { decodeLoginFile, decodeRegistrationFile, encodeLoginFile, encodeRegistrationFile, prepareLogin, prepareRegistration } from '../model/codec.js';
import { tokenKey } from '../model/keys.js';
import { type LoginInput, type RegistrationInput, type StoredLogin, type StoredRegistration, secretValues } from '../model/records.js';
import type { ServerEraRecord } from '../servers/server-era.js';
import type { EncryptionKeys } from './encryption-keys.js';
import { UserKeys, changeChannel } from './key-layout.js';
import { type AcquireLeaseOptions, type Lease, acquireLease } from './lease.js';
import { RecordCache } from './record-cache.js';
import { openRecord, sealRecord } from './record-seal.js';
import { DEFAULT_MAX_TTL_MS, loginTtlMs, registrationTtlMs } from './record-ttl.js';
import type { RedisConnection } from './redis-connection.js';

const READ_LOGIN = `return {redis.call('HGET', KEYS[1], 'rec'), redis.call('PTTL', KEYS[1])}`;
const READ_STRING = `return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}`;
/** KEYS: login, lease, index. ARGV: sealed, fence ('' = not under a lease), lease value, ttl ms, channel, message, member. */
const WRITE_LOGIN = `if ARGV[2] ~= '' then
  local holder = redis.call('GET', KEYS[2])
  if holder and holder ~= ARGV[3] then return 0 end
  local last = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
  if last > tonumber(ARGV[2]) then return 0 end
  redis.call('HSET', KEYS[1], 'rec', ARGV[1], 'fence', ARGV[2])
else
  redis.call('HSET', KEYS[1], 'rec', ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[7])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1`;
/** KEYS: record, index. ARGV: sealed, ttl ms (0 = none), channel, message, member. */
const WRITE_STRING = `if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) else redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('SADD', KEYS[2], ARGV[5])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1`;
/** KEYS: record, index. ARGV: channel, message, member. */
const DELETE = `local n = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[3])
if n > 0 then redis.call('PUBLISH', ARGV[1], ARGV[2]) end
return n`;
const SET_PLAIN = `redis.call('SET', KEYS[1], ARGV[1]) return 1`;

/** Options for {@link openRedisStores}. */
export interface RedisStoresOptions {
  connection: RedisConnection;
  keys: EncryptionKeys;
  logger: Logger;
  /** Longest life of a record (record-ttl.ts). Default {@link DEFAULT_MAX_TTL_MS}. */
  maxTtlMs?: number;
  /** Default `Date.now`. */
  now?: () => number;
  /** Names this instance in lease values and invalidation messages. Default: random. */
  instanceId?: string;
}

/** Opens the stores over `o.connection`: subscribes to the invalidation channel, so the cache is live. */
export async function openRedisStores(o: RedisStoresOptions): Promise<RedisStores> {
  const stores = new RedisStores(o);
  await stores.start();
  return stores;
}

/** Options of a fenced write: the lease it is made under. */
export interface FencedWrite {
  lease: Lease;
}

/** Every user's stores on one Redis; see the module comment. */
export class RedisStores {
  readonly connection: RedisConnection;
  readonly instanceId: string;
  readonly cache: RecordCache;
  /** The leases this instance holds through {@link RedisCredentialStore.exclusive}, by lease key. */
  readonly held = new Map<string, Lease>();
  readonly #o: RedisStoresOptions;
  readonly #reported = new Set<string>();

  constructor(o: RedisStoresOptions) {
    this.#o = o;
    this.connection = o.connection;
    this.instanceId = o.instanceId ?? randomBytes(8).toString('hex');
    this.cache = new RecordCache(o.now ?? Date.now);
    for (const secret of o.keys.secrets()) o.logger.secret(secret);
  }

  /** Subscribes to the invalidation channel; the cache serves only while the subscription is live. */
  async start(): Promise<void> {
    const own = `${this.instanceId} `;
    await this.connection.subscribe(
      this.channel,
      (message) => {
        if (!message.startsWith(own)) this.cache.forget(message.slice(message.indexOf(' ') + 1));
      },
      (live) => this.cache.setLive(live),
    );
    this.cache.setLive(true);
  }

  get channel(): string {
    return changeChannel(this.connection.target.prefix);
  }

  /** The store of `user`; `configDir` is the user's directory (for what the store port still keeps on disk: locks). */
  forUser(user: string, configDir: string): RedisCredentialStore {
    return new RedisCredentialStore({ stores: this, keys: new UserKeys(this.connection.target.prefix, user), configDir });
  }

  /** Unsubscribes and closes the connection. */
  async close(): Promise<void> {
    this.cache.setLive(false);
    await this.connection.close();
  }

  /** @internal The options the stores were opened with. */
  get options(): Required<Pick<RedisStoresOptions, 'maxTtlMs' | 'now'>> & RedisStoresOptions {
    return { maxTtlMs: DEFAULT_MAX_TTL_MS, now: Date.now, ...this.#o };
  }

  /** @internal Opens a sealed record; logs once per unknown key id or unusable record. */
  open(redisKey: string, sealed: string): string | undefined {
    const opened = openRecord(this.#o.keys, redisKey, sealed);
    if (opened.ok) return opened.plaintext;
    const id = opened.why === 'unknown-key' ? `kid:${opened.keyId}` : `${opened.why}:${redisKey}`;
    if (!this.#reported.has(id)) {
      this.#reported.add(id);
      if (opened.why === 'unknown-key') {
        this.#o.logger.warn(`a record in Redis is encrypted with key id "${opened.keyId}", which is not among the store keys; such records read as absent (add the key to MCP_STORE_KEYS or --store-key-file)`);
      } else {
        this.#o.logger.warn(`the record ${redisKey} in Redis ${opened.why === 'malformed' ? 'is malformed' : 'fails authentication (tampered, or copied from another key)'}; it reads as absent`);
      }
    }
    return undefined;
  }
}

/** What a {@link RedisCredentialStore} is made of. */
interface UserStoreParts {
  stores: RedisStores;
  keys: UserKeys;
  configDir: string;
}

/** One user's {@link CredentialStore} on Redis. Make it with {@link RedisStores.forUser}. */
export class RedisCredentialStore implements CredentialStore {
  readonly kind = 'redis' as const;
  readonly configDir: string;
  readonly description: string;
  readonly #s: RedisStores;
  readonly #k: UserKeys;

  constructor(p: UserStoreParts) {
    this.#s = p.stores;
    this.#k = p.keys;
    this.configDir = p.configDir;
    this.description = `Redis at ${p.stores.connection.target.display} (encrypted)`;
  }

  /** The user's hash tag (key-layout.ts). */
  get tag(): string {
    return this.#k.tag;
  }

  async getTokens(key: string): Promise<StoredLogin | undefined> {
    const redisKey = this.#k.login(key);
    return this.#cachedRead(redisKey, READ_LOGIN, 'read a login', (text) => {
      const decoded = decodeLoginFile(text);
      return decoded.ok && decoded.value.secrets ? { metadata: decoded.value.metadata, secrets: decoded.value.secrets } : undefined;
    });
  }

  /**
   * Saves the login under `key`. With `fenced`, or while this instance holds the lease of the login's (issuer,
   * resource) through {@link RedisCredentialStore.exclusive}, the write is made under that lease: refused when
   * another instance holds the lease now, or a later lease has written the login already.
   * @throws {BridgeError} `ErrorCode.Store` when Redis fails, or a fenced write is refused.
   */
  async setTokens(key: string, login: LoginInput, fenced?: FencedWrite): Promise<StoredLogin> {
    const { now, maxTtlMs } = this.#s.options;
    const stored = prepareLogin(login, this.kind);
    fenced ??= this.#heldFor(stored.metadata.issuer, stored.metadata.resource);
    this.#remember(stored.secrets);
    const redisKey = this.#k.login(key);
    const sealed = sealRecord(this.#s.options.keys, redisKey, encodeLoginFile(stored));
    const ttl = loginTtlMs(stored, { maxMs: maxTtlMs, now: now() });
    const mark = this.#s.cache.mark();
    const lease = fenced?.lease;
    const written = await this.#s.connection.run('save a login', (r) =>
      r.eval(WRITE_LOGIN, {
        keys: [redisKey, this.#k.lease(key), this.#k.logins],
        arguments: [sealed, lease ? String(lease.fence) : '', lease?.value ?? '', String(ttl), this.#s.channel, this.#message(redisKey), key],
      }),
    );
    if (written !== 1) {
      throw new BridgeError(ErrorCode.Store, 'the login was not saved: another instance holds its lease now, or saved a newer one under a later lease', {
        hint: 'the newer login is in use; nothing to do',
      });
    }
    this.#s.cache.set(redisKey, stored, now() + ttl, mark);
    return stored;
  }

  deleteTokens(key: string): Promise<boolean> {
    return this.#delete(this.#k.login(key), this.#k.logins, key, 'delete a login');
  }

  async getRegistration(key: string): Promise<StoredRegistration | undefined> {
    return this.#cachedRead(this.#k.registration(key), READ_STRING, 'read a registration', (text) => {
      const decoded = decodeRegistrationFile(text);
      return decoded.ok && decoded.value.secrets ? { metadata: decoded.value.metadata, secrets: decoded.value.secrets } : undefined;
    });
  }

  async setRegistration(key: string, registration: RegistrationInput): Promise<StoredRegistration> {
    const now = this.#s.options.now();
    const stored = prepareRegistration(registration, this.kind);
    this.#remember(stored.secrets);
    const redisKey = this.#k.registration(key);
    const sealed = sealRecord(this.#s.options.keys, redisKey, encodeRegistrationFile(stored));
    const ttl = registrationTtlMs(stored, now);
    const mark = this.#s.cache.mark();
    await this.#s.connection.run('save a registration', (r) =>
      r.eval(WRITE_STRING, { keys: [redisKey, this.#k.registrations], arguments: [sealed, String(ttl), this.#s.channel, this.#message(redisKey), key] }),
    );
    this.#s.cache.set(redisKey, stored, ttl > 0 ? now + ttl : Number.POSITIVE_INFINITY, mark);
    return stored;
  }

  deleteRegistration(key: string): Promise<boolean> {
    return this.#delete(this.#k.registration(key), this.#k.registrations, key, 'delete a registration');
  }

  async list(): Promise<LoginListing> {
    const members = await this.#s.connection.run('list logins', (r) => r.sMembers(this.#k.logins));
    const logins: ListedLogin[] = [];
    const unreadable: UnreadableRecord[] = [];
    for (const key of members.sort()) {
      const redisKey = this.#k.login(key);
      const sealed = await this.#s.connection.run('list logins', (r) => r.hGet(redisKey, 'rec'));
      if (sealed === null) {
        // Expired: its index entry goes too.
        await this.#s.connection.run('list logins', (r) => r.sRem(this.#k.logins, [key]));
        continue;
      }
      const text = this.#s.open(redisKey, sealed);
      const decoded = text === undefined ? undefined : decodeLoginFile(parse(text));
      if (decoded?.ok) logins.push({ key, metadata: decoded.value.metadata });
      else unreadable.push({ key, type: 'login', path: redisKey, reason: decoded ? decoded.reason : 'cannot be decrypted with the store keys' });
    }
    return { logins, unreadable };
  }

  async deleteAll(): Promise<DeleteAllResult> {
    let logins = 0;
    let registrations = 0;
    for (const key of await this.#s.connection.run('list logins', (r) => r.sMembers(this.#k.logins))) {
      if (await this.deleteTokens(key)) logins++;
    }
    for (const key of await this.#s.connection.run('list registrations', (r) => r.sMembers(this.#k.registrations))) {
      if (await this.deleteRegistration(key)) registrations++;
    }
    this.#s.cache.forgetTagged(this.#k.tag);
    return { logins, registrations };
  }

  /**
   * Takes the lease of `key` for a refresh or a login (lease.ts): one holder across every instance at a time.
   * Pass it to {@link RedisCredentialStore.setTokens} to fence the write, and release it in a `finally`.
   */
  acquireLease(key: string, options: Pick<AcquireLeaseOptions, 'ttlMs' | 'waitMs' | 'pollMs' | 'signal' | 'onHeld'> = {}): Promise<Lease> {
    const keys = { leaseKey: this.#k.lease(key), fenceKey: this.#k.fence(key), noteKey: this.#k.leaseNote(key) };
    return acquireLease({ ...options, ...keys, connection: this.#s.connection, holder: this.#s.instanceId });
  }

  /**
   * Runs `work` holding the lease of (issuer, resource) for this user (the Authorizer's login and refresh): one
   * holder across every instance; logins written meanwhile are fenced with it. What the memory holds of the user's
   * records is forgotten first, so `work` reads what the previous holder wrote. The login the holder shares is the
   * lease's note, sealed under the note's key; waiters read it with each attempt to take the lease.
   */
  async exclusive<T>(scope: ExclusiveScope, work: (hold: ExclusiveHold) => Promise<T>): Promise<T> {
    const key = tokenKey({ issuer: scope.issuer, resource: scope.resource, clientId: '*' });
    const noteKey = this.#k.leaseNote(key);
    const heard = scope.onHeldElsewhere;
    const onHeld = heard ? (note: string | undefined) => heard(note === undefined ? undefined : this.#s.open(noteKey, note)) : undefined;
    const lease = await this.acquireLease(key, { waitMs: scope.timeoutMs, ...(onHeld ? { onHeld } : {}) });
    this.#s.held.set(lease.leaseKey, lease);
    this.#s.cache.forgetTagged(this.#k.tag);
    const { logger, keys } = this.#s.options;
    const hold: ExclusiveHold = {
      share: (url) =>
        lease.note(url === undefined ? undefined : sealRecord(keys, noteKey, url)).catch((error: unknown) => {
          logger.warn(`could not share the login under way with other instances: ${(error as Error).message}`);
        }),
    };
    try {
      return await work(hold);
    } finally {
      this.#s.held.delete(lease.leaseKey);
      await lease.release().catch(() => undefined);
    }
  }

  /** The lease this instance holds for (issuer, resource) of this user, if any. */
  #heldFor(issuer: string, resource: string): FencedWrite | undefined {
    const lease = this.#s.held.get(this.#k.lease(tokenKey({ issuer, resource, clientId: '*' })));
    return lease ? { lease } : undefined;
  }

  /** The protocol era recorded for `url` (store/servers/server-era.ts's record, kept in Redis), or undefined. */
  async readServerEra(url: string): Promise<ServerEraRecord | undefined> {
    const text = await this.#s.connection.run('read a server era', (r) => r.get(this.#k.era(url)));
    const value = text === null ? undefined : (parse(text) as Partial<ServerEraRecord> | undefined);
    if (!value || value.version !== 1 || typeof value.era !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value.era)) return undefined;
    return { version: 1, era: value.era, detectedAt: typeof value.detectedAt === 'string' ? value.detectedAt : '' };
  }

  /** Records the era of `url`. */
  async writeServerEra(url: string, era: string, now: Date): Promise<void> {
    const record: ServerEraRecord = { version: 1, era, detectedAt: now.toISOString() };
    await this.#s.connection.run('save a server era', (r) => r.eval(SET_PLAIN, { keys: [this.#k.era(url)], arguments: [JSON.stringify(record)] }));
  }

  /** Forgets the era of `url`; resolves whether there was one. */
  async forgetServerEra(url: string): Promise<boolean> {
    return (await this.#s.connection.run('forget a server era', (r) => r.del([this.#k.era(url)]))) > 0;
  }

  async #cachedRead<T extends StoredLogin | StoredRegistration>(redisKey: string, script: string, what: string, decode: (json: unknown) => T | undefined): Promise<T | undefined> {
    const cached = this.#s.cache.get(redisKey);
    if (cached) return cached.value as T | undefined;
    const mark = this.#s.cache.mark();
    const [sealed, pttl] = (await this.#s.connection.run(what, (r) => r.eval(script, { keys: [redisKey], arguments: [] }))) as [string | null, number];
    const text = sealed === null || sealed === undefined ? undefined : this.#s.open(redisKey, sealed);
    const value = text === undefined ? undefined : decode(parse(text));
    if (value) this.#remember(value.secrets);
    const { now } = this.#s.options;
    this.#s.cache.set(redisKey, value, pttl > 0 ? now() + pttl : Number.POSITIVE_INFINITY, mark);
    return value;
  }

  async #delete(redisKey: string, index: string, member: string, what: string): Promise<boolean> {
    const n = await this.#s.connection.run(what, (r) => r.eval(DELETE, { keys: [redisKey, index], arguments: [this.#s.channel, this.#message(redisKey), member] }));
    this.#s.cache.forget(redisKey);
    return n === 1;
  }

  #message(redisKey: string): string {
    return `${this.#s.instanceId} ${redisKey}`;
  }

  #remember(secrets: StoredLogin['secrets'] | StoredRegistration['secrets']): void {
    for (const value of secretValues(secrets)) this.#s.options.logger.secret(value);
  }
}

/** JSON text parsed, or undefined (never quoting it). */
function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
