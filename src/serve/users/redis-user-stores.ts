/**
 * {@link UserStores} on Redis (`serve --store redis://…`): each user's logins, registrations and servers' protocol
 * eras in serve's Redis store (store/redis/), encrypted, shared by every serve instance on the same Redis and
 * prefix; and the browser pages' state on the same connection and keys (browser-state/redis-browser-state.ts). Loaded only when `--store` names Redis, so neither the stdio bridge nor a serve on files reads this
 * module or the Redis client.
 */
import type { Logger } from '../../log.js';
import { connectRedis } from '../../store/redis/redis-connection.js';
import { loadEncryptionKeys } from '../../store/redis/encryption-keys.js';
import { openRedisStores } from '../../store/redis/redis-store.js';
import { parseRedisTarget } from '../../store/redis/redis-target.js';
import { type RedisTlsFiles, loadRedisTls } from '../../store/redis/redis-tls.js';
import { isProtocolEra } from '../../upstream/era/era.js';
import { redisBrowserState } from '../browser-state/redis-browser-state.js';
import type { UserStores } from './user-stores.js';
import { openRedisCluster } from '../cluster/redis-cluster.js';

/** What {@link openRedisUserStores} opens. */
export interface RedisUserStoresOptions {
  /** `--store`. */
  store: string;
  prefix?: string | undefined;
  keyFile?: string | undefined;
  /** `--store-tls-ca`, `--store-tls-cert`, `--store-tls-key` (only with `rediss://`). */
  tlsFiles?: RedisTlsFiles;
  maxTtlMs?: number;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
}

/**
 * Checks the options, reads the TLS files, loads the keys, connects, and subscribes to the invalidation channel.
 * @throws {BridgeError} `ErrorCode.Usage` (options, keys), `ErrorCode.Store` (Redis unreachable or refusing).
 */
export async function openRedisUserStores(o: RedisUserStoresOptions): Promise<UserStores> {
  const target = parseRedisTarget({ store: o.store, prefix: o.prefix, env: o.env });
  const tls = loadRedisTls(target.tls, o.tlsFiles ?? {});
  const keys = loadEncryptionKeys({ file: o.keyFile, env: o.env });
  const connection = await connectRedis({ target, logger: o.logger, tls });
  const stores = await openRedisStores({ connection, keys, logger: o.logger, ...(o.maxTtlMs ? { maxTtlMs: o.maxTtlMs } : {}) });
  const description = `Redis at ${target.display} (encrypted, key ${keys.current.id}, prefix ${target.prefix})`;
  return {
    kind: 'redis',
    description,
    openerFor: (user, configDir) => {
      const store = stores.forUser(user, configDir);
      return async () => store;
    },
    eraMemoryFor: (user, url, runtime) => {
      const store = stores.forUser(user, '');
      return {
        async recall() {
          const record = await store.readServerEra(url.href);
          return isProtocolEra(record?.era) ? record.era : undefined;
        },
        remember: (era) => store.writeServerEra(url.href, era, new Date(runtime.now())),
        forget: async () => void (await store.forgetServerEra(url.href)),
      };
    },
    openCluster: (logger) => openRedisCluster({ stores, keys, logger, instanceId: stores.instanceId }),
    browserState: redisBrowserState({ connection, keys, logger: o.logger }),
    // The invalidation channel's subscription is live exactly while the connection to Redis is ready.
    reachable: () => stores.cache.live,
    close: () => stores.close(),
  };
}
