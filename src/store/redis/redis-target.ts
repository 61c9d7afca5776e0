/**
 * Where serve's Redis store is: `--store redis://…` or `rediss://…` (TLS), or a Redis Cluster by one of its nodes
 * (`redis+cluster://…`, `rediss+cluster://…`: the client learns the others from it), a password from the environment (never
 * on the command line, so never in `ps` output or shell history), and a key prefix. The URL is shown in logs and
 * errors only as {@link RedisTarget.display}, with any credentials removed.
 */
import { BridgeError, ErrorCode } from '../../errors.js';

/** The environment variable that holds the Redis password (AUTH / ACL password). */
export const REDIS_PASSWORD_ENV = 'MCP_REDIS_PASSWORD';
/** The default key prefix: every key and the invalidation channel start with it. */
export const DEFAULT_REDIS_PREFIX = 'mab:';

/** A checked Redis address. */
export interface RedisTarget {
  /** The URL to connect to, without a password (the password travels apart, in {@link RedisTarget.password}). */
  url: string;
  /** The URL for logs and errors: scheme, host, port and database only. */
  display: string;
  /** From {@link REDIS_PASSWORD_ENV}; undefined when unset or empty. */
  password: string | undefined;
  /** Whether the connection uses TLS (`rediss:`, `rediss+cluster:`). */
  tls: boolean;
  /** Whether Redis is a Cluster (`redis+cluster:`, `rediss+cluster:`); {@link RedisTarget.url} then names a seed node. */
  cluster: boolean;
  /** The key prefix ({@link DEFAULT_REDIS_PREFIX} unless given). */
  prefix: string;
}

/** What {@link parseRedisTarget} reads. */
export interface RedisTargetInput {
  /** The `--store` value. */
  store: string;
  /** `--store-prefix`. */
  prefix?: string | undefined;
  /** The process environment (for {@link REDIS_PASSWORD_ENV}). */
  env: Readonly<Record<string, string | undefined>>;
}

const PREFIX = /^[A-Za-z0-9:._-]{1,64}$/;

/** Whether `value` asks for a Redis store (`redis://`, `rediss://`, or either with `+cluster`). */
export function isRedisStoreUrl(value: string): boolean {
  return /^rediss?(\+cluster)?:\/\//i.test(value);
}

/**
 * Checks `--store` and its companions. A password in the URL is refused (it would sit in the process list and in
 * logs); a user name is allowed (Redis 6 ACL users).
 * @throws {BridgeError} `ErrorCode.Usage` naming the problem, with what to do.
 */
export function parseRedisTarget(input: RedisTargetInput): RedisTarget {
  let url: URL;
  try {
    url = new URL(input.store);
  } catch (error) {
    throw new BridgeError(ErrorCode.Usage, '--store is not a valid URL', { cause: error, hint: 'use --store redis://host:6379 or rediss://host:6380' });
  }
  const scheme = /^(rediss?)(\+cluster)?:$/.exec(url.protocol);
  if (!scheme) {
    throw new BridgeError(ErrorCode.Usage, `--store must be a redis:// or rediss:// URL, not ${url.protocol}`, { hint: 'use --store redis://host:6379 or rediss://host:6380 (redis+cluster:// for a Redis Cluster)' });
  }
  const cluster = scheme[2] !== undefined;
  if (url.password !== '') {
    throw new BridgeError(ErrorCode.Usage, '--store must not contain a password', {
      hint: `remove it from the URL and set ${REDIS_PASSWORD_ENV} instead (the command line is visible to every user of the machine)`,
    });
  }
  if (url.search !== '' || url.hash !== '') {
    throw new BridgeError(ErrorCode.Usage, '--store takes no query or fragment', { hint: 'use redis://[user@]host[:port][/db]' });
  }
  const db = url.pathname.replace(/^\//, '');
  if (cluster && db !== '') {
    throw new BridgeError(ErrorCode.Usage, '--store: a Redis Cluster has no databases but 0', { hint: 'use redis+cluster://host:port, without /db' });
  }
  if (db !== '' && !/^\d{1,2}$/.test(db)) {
    throw new BridgeError(ErrorCode.Usage, `--store's database must be a number, not "${db.slice(0, 20)}"`, { hint: 'use redis://host:6379/0' });
  }
  const prefix = input.prefix ?? DEFAULT_REDIS_PREFIX;
  if (!PREFIX.test(prefix)) {
    throw new BridgeError(ErrorCode.Usage, '--store-prefix must be 1 to 64 of A-Z a-z 0-9 : . _ -', { hint: `for example --store-prefix ${DEFAULT_REDIS_PREFIX}` });
  }
  const password = input.env[REDIS_PASSWORD_ENV] || undefined;
  const port = url.port || '6379';
  const display = `${url.protocol}//${url.hostname}:${port}${db ? `/${db}` : ''}`;
  const user = url.username ? `${url.username}@` : '';
  const clientScheme = `${scheme[1]!}:`;
  return { url: `${clientScheme}//${user}${url.hostname}:${port}${db ? `/${db}` : ''}`, display, password, tls: scheme[1] === 'rediss', cluster, prefix };
}

/** `text` with anything shaped like `scheme://user:password@` reduced to `scheme://`: for errors from the client. */
export function withoutUrlCredentials(text: string): string {
  return text.replace(/\b(rediss?(?:\+cluster)?:\/\/)[^@\s/]*@/gi, '$1');
}
