/**
 * The connection to Redis, with the official client (node-redis): one client for commands and a duplicate for the
 * invalidation channel (a subscribed connection takes no other commands). Start-up fails fast with a clear error
 * when Redis cannot be reached or refuses the password; afterwards the client reconnects by itself (backoff up to
 * 2 s), and while it is away commands fail at once (no offline queue) with a {@link ErrorCode.Store} error that
 * says Redis is unreachable — the caller's request fails, the process keeps serving what needs no Redis.
 */
import { createClient } from 'redis';
import { BridgeError, ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import { type RedisTarget, REDIS_PASSWORD_ENV, withoutUrlCredentials } from './redis-target.js';

/** The commands the store uses: a narrow view of the client, so the rest of the store does not depend on its types. */
export interface RedisCommands {
  get(key: string): Promise<string | null>;
  hGet(key: string, field: string): Promise<string | null>;
  sMembers(key: string): Promise<string[]>;
  sRem(key: string, members: string[]): Promise<number>;
  del(keys: string[]): Promise<number>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** How many connections read each channel. */
  pubSubNumSub(channels: string[]): Promise<Record<string, number>>;
}

/** A connected pair of clients; see the module comment. */
export interface RedisConnection {
  readonly target: RedisTarget;
  /** Runs `work` with the command client; any failure becomes a {@link ErrorCode.Store} error naming `what`. */
  run<T>(what: string, work: (redis: RedisCommands) => Promise<T>): Promise<T>;
  /**
   * Subscribes to `channel`. `onMessage` gets each message; `onLive(false)` is called when the subscription's
   * connection drops (messages may be missed from then on), `onLive(true)` when it is subscribed again.
   */
  subscribe(channel: string, onMessage: (message: string) => void, onLive: (live: boolean) => void): Promise<void>;
  /** Stops reading `channel`. */
  unsubscribe(channel: string): Promise<void>;
  /** Closes both clients. */
  close(): Promise<void>;
}

/** Options for {@link connectRedis}. */
export interface ConnectRedisOptions {
  target: RedisTarget;
  logger: Logger;
  /** Bound on the first connection (and each reconnection attempt). Default 5 s. */
  connectTimeoutMs?: number;
  /** Bound on each command. Default 5 s. */
  commandTimeoutMs?: number;
}

type Client = ReturnType<typeof createClient>;

/**
 * Connects to `target`. Resolves once Redis answered (and accepted the password).
 * @throws {BridgeError} `ErrorCode.Store` when Redis cannot be reached within the bound or refuses the credentials,
 *   with a hint naming `--store` and {@link REDIS_PASSWORD_ENV}.
 */
export async function connectRedis(o: ConnectRedisOptions): Promise<RedisConnection> {
  const { target, logger } = o;
  logger.secret(target.password);
  const connectTimeoutMs = o.connectTimeoutMs ?? 5_000;
  const make = (): Client => {
    let everReady = false;
    const client = createClient({
      url: target.url,
      ...(target.password ? { password: target.password } : {}),
      disableOfflineQueue: true,
      socket: {
        connectTimeout: connectTimeoutMs,
        // Before the first connection: two attempts, then the start fails. After: retry for ever, backing off.
        reconnectStrategy: (retries: number, cause: Error) => (everReady ? Math.min(100 * 2 ** Math.min(retries, 5), 2_000) : retries >= 1 ? cause : 200),
      },
    });
    client.on('ready', () => (everReady = true));
    return client;
  };
  const client = make();
  const subscriber = make();
  let lost = false;
  let started = false;
  // Without a listener, the client's errors would end the process; reported once per outage, not per retry (a
  // failure to start is the caller's error to report).
  client.on('error', (error: unknown) => {
    if (!lost && started) logger.warn(`Redis at ${target.display} is unreachable (${brief(error)}); reconnecting`);
    lost = true;
  });
  client.on('ready', () => {
    if (lost) logger.info(`Redis at ${target.display} is reachable again`);
    lost = false;
  });
  subscriber.on('error', () => undefined);
  try {
    await client.connect();
    await subscriber.connect();
    started = true;
  } catch (error) {
    for (const c of [client, subscriber]) if (c.isOpen) c.destroy();
    throw startError(target, error);
  }
  const commands = client.withCommandOptions({ timeout: o.commandTimeoutMs ?? 5_000 }) as unknown as RedisCommands;
  return {
    target,
    async run(what, work) {
      try {
        return await work(commands);
      } catch (error) {
        if (error instanceof BridgeError) throw error;
        throw new BridgeError(ErrorCode.Store, `Redis at ${target.display} could not ${what} (${brief(error)})`, {
          cause: error,
          hint: 'check that Redis is running and reachable; the bridge reconnects by itself',
        });
      }
    },
    async subscribe(channel, onMessage, onLive) {
      await subscriber.subscribe(channel, (message) => onMessage(String(message)));
      subscriber.on('end', () => onLive(false));
      subscriber.on('reconnecting', () => onLive(false));
      subscriber.on('error', () => {
        if (!subscriber.isReady) onLive(false);
      });
      // node-redis subscribes again before it is ready after a reconnection; what was sent meanwhile is lost.
      subscriber.on('ready', () => onLive(true));
    },
    async unsubscribe(channel) {
      await subscriber.unsubscribe(channel);
    },
    async close() {
      // A clean close where Redis answers; a disconnected client is destroyed instead (close would wait for it).
      for (const c of [client, subscriber]) {
        if (c.isReady) await c.close().catch(() => undefined);
        if (c.isOpen) c.destroy();
      }
    },
  };
}

/** A failure to start, in words with what to do. */
function startError(target: RedisTarget, error: unknown): BridgeError {
  const text = brief(error);
  if (/WRONGPASS|NOAUTH|invalid username-password/i.test(text)) {
    return new BridgeError(ErrorCode.Store, `Redis at ${target.display} refused the credentials (${text})`, {
      cause: error,
      hint: `check the user in --store and the password in ${REDIS_PASSWORD_ENV}`,
    });
  }
  return new BridgeError(ErrorCode.Store, `cannot reach Redis at ${target.display} (${text})`, {
    cause: error,
    hint: `start Redis, or check --store (scheme, host, port${target.tls ? ', TLS' : ''})`,
  });
}

/** An error's code or class and message, without any URL credentials. */
function brief(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' && e.message ? e.message : typeof e?.name === 'string' ? e.name : String(error);
  return withoutUrlCredentials(code && !message.includes(code) ? `${code}: ${message}` : message).slice(0, 200);
}
