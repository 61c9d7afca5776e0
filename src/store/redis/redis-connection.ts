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
import { bounded, brief, startError, storeRunner } from './connection-errors.js';
import { connectRedisCluster } from './redis-cluster-connection.js';
import type { RedisTarget } from './redis-target.js';
import { type RedisTlsMaterial, redisTlsFailure } from './redis-tls.js';

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
  /** Sends `message` on a direct channel ({@link RedisConnection.subscribeDirect}); resolves how many read it. */
  publishDirect(channel: string, message: string): Promise<number>;
  /** How many connections read a direct channel. */
  directReaders(channel: string): Promise<number>;
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
  /**
   * Like {@link subscribe}, for a channel one reader reads and others send to (an instance's relay channel), whose
   * readers must be counted exactly: classic pub/sub on one Redis; sharded pub/sub on a Cluster, where a classic
   * channel's readers are counted per node.
   */
  subscribeDirect(channel: string, onMessage: (message: string) => void, onLive: (live: boolean) => void): Promise<void>;
  /** Stops reading a direct channel. */
  unsubscribeDirect(channel: string): Promise<void>;
  /** Closes both clients. */
  close(): Promise<void>;
}

/** Options for {@link connectRedis}. */
export interface ConnectRedisOptions {
  target: RedisTarget;
  logger: Logger;
  /** With a `rediss://` target: a CA to trust and a client certificate (redis-tls.ts); default: Node's CAs, none. */
  tls?: RedisTlsMaterial;
  /** Bound on the first connection (and each reconnection attempt). Default 5 s. */
  connectTimeoutMs?: number;
  /** Bound on each command. Default 5 s. */
  commandTimeoutMs?: number;
}

type Client = ReturnType<typeof createClient>;

/**
 * Connects to `target` (a Cluster: redis-cluster-connection.ts). Resolves once Redis answered a PING on both connections (so a TLS server that refuses the
 * client's certificate after the handshake, as TLS 1.3 allows, fails the start rather than the first request).
 * @throws {BridgeError} `ErrorCode.Store` when Redis cannot be reached within the bound, refuses the credentials, or
 *   the TLS connection fails (certificate not trusted, for another name, expired, or a client certificate wanted),
 *   with a hint naming the option that helps.
 */
export async function connectRedis(o: ConnectRedisOptions): Promise<RedisConnection> {
  if (o.target.cluster) return connectRedisCluster(o);
  const { target, logger } = o;
  logger.secret(target.password);
  const connectTimeoutMs = o.connectTimeoutMs ?? 5_000;
  let lost = false;
  let started = false;
  // The first TLS failure seen while starting: the client may report it as an event and then fail otherwise.
  let tlsTrouble: unknown;
  const make = (): Client =>
    createClient({
      url: target.url,
      ...(target.password ? { password: target.password } : {}),
      disableOfflineQueue: true,
      socket: {
        connectTimeout: connectTimeoutMs,
        // Before the start succeeded: two attempts, then the start fails. After: retry for ever, backing off.
        reconnectStrategy: (retries: number, cause: Error) => (started ? Math.min(100 * 2 ** Math.min(retries, 5), 2_000) : retries >= 1 ? cause : 200),
        ...(target.tls ? { tls: true as const, ...o.tls } : {}),
      },
    });
  const client = make();
  const subscriber = make();
  const noteStartTrouble = (error: unknown) => {
    if (!started && tlsTrouble === undefined && redisTlsFailure(error)) tlsTrouble = error;
  };
  // Without a listener, the client's errors would end the process; reported once per outage, not per retry (a
  // failure to start is the caller's error to report).
  client.on('error', (error: unknown) => {
    noteStartTrouble(error);
    if (!started) return;
    if (!lost) logger.warn(`Redis at ${target.display} is unreachable (${brief(error)}); reconnecting`);
    lost = true;
  });
  client.on('ready', () => {
    if (lost) logger.info(`Redis at ${target.display} is reachable again`);
    lost = false;
  });
  subscriber.on('error', noteStartTrouble);
  try {
    await client.connect();
    await subscriber.connect();
    const probeMs = o.commandTimeoutMs ?? 5_000;
    await bounded(client.withCommandOptions({ timeout: probeMs }).ping(), probeMs);
    await bounded(subscriber.withCommandOptions({ timeout: probeMs }).ping(), probeMs);
    await refuseClusterNode(client, target, probeMs);
    started = true;
  } catch (error) {
    for (const c of [client, subscriber]) if (c.isOpen) c.destroy();
    throw error instanceof BridgeError ? error : startError(target, tlsTrouble ?? error);
  }
  const timed = client.withCommandOptions({ timeout: o.commandTimeoutMs ?? 5_000 });
  const commands: RedisCommands = {
    get: (key) => timed.get(key),
    hGet: (key, field) => timed.hGet(key, field),
    sMembers: (key) => timed.sMembers(key),
    sRem: (key, members) => timed.sRem(key, members),
    del: (keys) => timed.del(keys),
    eval: (script, options) => timed.eval(script, options),
    pubSubNumSub: (channels) => timed.pubSubNumSub(channels) as Promise<Record<string, number>>,
    publishDirect: (channel, message) => timed.publish(channel, message),
    directReaders: async (channel) => Number(((await timed.pubSubNumSub([channel])) as Record<string, number>)[channel] ?? 0),
  };
  const connection: RedisConnection = {
    target,
    run: storeRunner(target, commands, 'check that Redis is running and reachable; the bridge reconnects by itself'),
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
    subscribeDirect: (channel, onMessage, onLive) => connection.subscribe(channel, onMessage, onLive),
    unsubscribeDirect: (channel) => connection.unsubscribe(channel),
    async close() {
      // A clean close where Redis answers; a disconnected client is destroyed instead (close would wait for it).
      for (const c of [client, subscriber]) {
        if (c.isReady) await c.close().catch(() => undefined);
        if (c.isOpen) c.destroy();
      }
    },
  };
  return connection;
}

/**
 * Refuses a node of a Redis Cluster of several nodes named with `redis://`: commands for keys of other nodes' slots
 * would fail (`MOVED`) one by one at run time. A Cluster of one node serves every slot and works as one Redis. Decided
 * on `INFO cluster` and `CLUSTER INFO` fields; a server that refuses them (an ACL without INFO) is not refused.
 * @throws {BridgeError} `ErrorCode.Usage` naming the `redis+cluster://` URL to use.
 */
async function refuseClusterNode(client: Client, target: RedisTarget, ms: number): Promise<void> {
  const timed = client.withCommandOptions({ timeout: ms });
  const field = (text: unknown, name: string) => new RegExp(`^${name}:(\\d+)`, 'm').exec(String(text))?.[1];
  const known = await bounded(timed.info('cluster'), ms)
    .then(async (info) => (field(info, 'cluster_enabled') === '1' ? Number(field(await bounded(timed.clusterInfo(), ms), 'cluster_known_nodes') ?? 1) : 1))
    .catch(() => 1);
  if (known > 1) {
    const url = target.display.replace(/^(rediss?):/, '$1+cluster:');
    throw new BridgeError(ErrorCode.Usage, `Redis at ${target.display} is a node of a Redis Cluster (${known} nodes)`, { hint: `use --store ${url}` });
  }
}
