/**
 * Where `serve` keeps each user's credentials, as a factory the per-user links ask (user-members.ts): by default
 * files in the user's own directory (`<config dir>/users/<hash>`, opened by the Authorizer from the server's
 * settings), or, with `--store redis://…`, serve's Redis store (redis-user-stores.ts, whose code — and the Redis
 * client's — loads only then).
 */
import type { Runtime } from '../../config/runtime.js';
import { BridgeError, ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { CredentialStore } from '../../store/credential-store.js';
import type { EraMemory } from '../../upstream/era/era-connector.js';
import type { ServeCluster } from '../cluster/types.js';
import { memoryBrowserState } from '../browser-state/memory-browser-state.js';
import type { BrowserState } from '../browser-state/port.js';

/** The per-user credential stores of one serve process. */
export interface UserStores {
  /** `files` (each user's directory) or `redis` (shared by every instance on it). */
  readonly kind: 'files' | 'redis';
  /** For the start-up line, e.g. `files under <dir>/users` or `Redis at redis://host:6379 (encrypted)`. */
  readonly description: string;
  /**
   * Opens the credential store of `user` (whose directory is `configDir`), for the Authorizer of one of their links;
   * undefined: the Authorizer opens the file store of the server's settings (`configDir`, files).
   */
  openerFor(user: string, configDir: string): (() => Promise<CredentialStore>) | undefined;
  /** Where the protocol era of `url` is remembered for `user`; undefined: the file beside the user's credentials. */
  eraMemoryFor(user: string, url: URL, runtime: Pick<Runtime, 'now'>): EraMemory | undefined;
  /**
   * The other serve instances on the same shared store (cluster/), opened once when serve starts; undefined for
   * stores no other instance sees (files).
   */
  openCluster?(logger: Logger): Promise<ServeCluster>;
  /**
   * What the browser pages keep beyond one request (session keys, sign-outs, started sign-ins, login links): in this
   * process with files, shared by every instance with Redis (browser-state/).
   */
  readonly browserState: BrowserState;
  /** Whether a shared store answers now (its connection is ready); absent for files, which always do. */
  reachable?(): boolean;
  /** Closes what the stores hold open (a connection). */
  close(): Promise<void>;
}

/** The files of each user's directory: nothing to open or close here (the Authorizer opens the files). */
export function fileUserStores(configDir: string): UserStores {
  return {
    kind: 'files',
    description: `files under ${configDir}/users (mode 0600)`,
    openerFor: () => undefined,
    eraMemoryFor: () => undefined,
    browserState: memoryBrowserState(),
    close: async () => undefined,
  };
}

/** `serve`'s store options as commander gives them. */
export interface RawStoreOptions {
  /** `--store`: `files` (default) or a `redis://` / `rediss://` URL. */
  store?: string;
  /** `--store-prefix`. */
  storePrefix?: string;
  /** `--store-key-file`. */
  storeKeyFile?: string;
  /** `--store-max-ttl`, in days. */
  storeMaxTtl?: string;
  /** `--store-tls-ca`: with `rediss://`, the CA certificate(s) to trust for Redis. */
  storeTlsCa?: string;
  /** `--store-tls-cert`: with `rediss://`, a client certificate for Redis. */
  storeTlsCert?: string;
  /** `--store-tls-key`: its private key. */
  storeTlsKey?: string;
}

/** What {@link openUserStores} needs besides the options. */
export interface OpenUserStoresOptions {
  raw: RawStoreOptions;
  /** serve's config directory (the users' directories are made under it). */
  configDir: string;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
}

/**
 * Opens the stores `--store` names. With a Redis URL, connects (and fails start-up with a clear error when Redis
 * cannot be reached), and loads the encryption keys.
 * @throws {BridgeError} `ErrorCode.Usage` for a bad option, `ErrorCode.Store` when Redis cannot be used.
 */
export async function openUserStores(o: OpenUserStoresOptions): Promise<UserStores> {
  const store = o.raw.store ?? 'files';
  if (store === 'files' || store === 'file') {
    const redisOnly = [
      ['--store-prefix', o.raw.storePrefix, 'redis://host:6379'],
      ['--store-key-file', o.raw.storeKeyFile, 'redis://host:6379'],
      ['--store-tls-ca', o.raw.storeTlsCa, 'rediss://host:6380'],
      ['--store-tls-cert', o.raw.storeTlsCert, 'rediss://host:6380'],
      ['--store-tls-key', o.raw.storeTlsKey, 'rediss://host:6380'],
    ] as const;
    for (const [flag, value, example] of redisOnly) {
      const scheme = example.slice(0, example.indexOf('//') + 2);
      if (value !== undefined) throw new BridgeError(ErrorCode.Usage, `${flag} is for --store ${scheme}…`, { hint: `remove ${flag}, or give --store ${example}` });
    }
    return fileUserStores(o.configDir);
  }
  if (!/^rediss?(\+cluster)?:\/\//i.test(store)) {
    throw new BridgeError(ErrorCode.Usage, `--store must be "files" or a redis:// or rediss:// URL`, { hint: 'for example --store redis://127.0.0.1:6379' });
  }
  const maxTtlDays = o.raw.storeMaxTtl === undefined ? undefined : Number(o.raw.storeMaxTtl);
  if (maxTtlDays !== undefined && (!Number.isInteger(maxTtlDays) || maxTtlDays < 1 || maxTtlDays > 3650)) {
    throw new BridgeError(ErrorCode.Usage, `--store-max-ttl must be a whole number of days from 1 to 3650`, { hint: 'for example --store-max-ttl 90' });
  }
  const { openRedisUserStores } = await import('./redis-user-stores.js');
  return openRedisUserStores({
    store,
    prefix: o.raw.storePrefix,
    keyFile: o.raw.storeKeyFile,
    tlsFiles: { caFile: o.raw.storeTlsCa, certFile: o.raw.storeTlsCert, keyFile: o.raw.storeTlsKey },
    ...(maxTtlDays !== undefined ? { maxTtlMs: maxTtlDays * 24 * 3_600_000 } : {}),
    env: o.env,
    logger: o.logger,
  });
}
