/**
 * serve's Redis store (`--store redis://…`), loaded only when it is asked for: this module and what it imports
 * (the official `redis` client among them) are a chunk of their own, which neither the stdio bridge nor a serve
 * without `--store` reads.
 */
export { type EncryptionKey, type EncryptionKeys, STORE_KEYS_ENV, encryptionKeys, loadEncryptionKeys } from './encryption-keys.js';
export { UserKeys, changeChannel, userHash } from './key-layout.js';
export { type AcquireLeaseOptions, DEFAULT_LEASE_TTL_MS, type Lease, acquireLease } from './lease.js';
export { DEFAULT_MAX_TTL_MS } from './record-ttl.js';
export { type ConnectRedisOptions, type RedisConnection, connectRedis } from './redis-connection.js';
export { type FencedWrite, RedisCredentialStore, RedisStores, type RedisStoresOptions, openRedisStores } from './redis-store.js';
export { DEFAULT_REDIS_PREFIX, REDIS_PASSWORD_ENV, type RedisTarget, isRedisStoreUrl, parseRedisTarget } from './redis-target.js';
