/** Opens serve's Redis stores on a test Redis, with keys made here, a capturing logger, and teardown. */
import { randomBytes } from 'node:crypto';
import { createLogger, SecretRegistry, type Logger } from '../../../src/log.js';
import { type EncryptionKey, type RedisStores, connectRedis, encryptionKeys, openRedisStores, parseRedisTarget } from '../../../src/store/redis/index.js';
import type { RedisTlsMaterial } from '../../../src/store/redis/redis-tls.js';
import { onTeardown } from '../../helpers/cleanup.js';
import type { TestRedis } from '../../helpers/redis.js';

/** A fresh 256-bit key named `id`. */
export function newKey(id: string): EncryptionKey {
  return { id, key: randomBytes(32) };
}

/** What {@link openTestStores} opens with. */
export interface TestStoresOptions {
  keys?: EncryptionKey[];
  prefix?: string;
  env?: Record<string, string>;
  now?: () => number;
  maxTtlMs?: number;
  /** With a `rediss://` Redis: the CA to trust and a client certificate. */
  tls?: RedisTlsMaterial;
}

/** Opened stores and the lines their logger wrote. */
export interface TestStores {
  stores: RedisStores;
  lines: string[];
  logger: Logger;
}

/** Connects and opens the stores; closed at teardown. */
export async function openTestStores(redis: Pick<TestRedis, 'url'>, o: TestStoresOptions = {}): Promise<TestStores> {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', stream: { write: (line: string) => lines.push(line) }, secrets: new SecretRegistry() });
  const target = parseRedisTarget({ store: redis.url, prefix: o.prefix, env: o.env ?? {} });
  const connection = await connectRedis({ target, logger, connectTimeoutMs: 2_000, commandTimeoutMs: 2_000, ...(o.tls ? { tls: o.tls } : {}) });
  const stores = await openRedisStores({
    connection,
    keys: encryptionKeys(o.keys ?? [newKey('k1')]),
    logger,
    ...(o.now ? { now: o.now } : {}),
    ...(o.maxTtlMs ? { maxTtlMs: o.maxTtlMs } : {}),
  });
  onTeardown(() => stores.close());
  return { stores, lines, logger };
}
