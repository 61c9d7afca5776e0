/**
 * The connection to a Redis Cluster (`--store redis+cluster://…` or `rediss+cluster://…`, naming one node; the client
 * learns the others), with node-redis's Cluster client, behind the same {@link RedisConnection} as one Redis:
 * - commands go to the node of their first key (a script's `KEYS[1]`); every command and script of the store keeps
 *   its keys in one slot (key-layout.ts), so none is refused;
 * - the invalidation channel is classic pub/sub, which the Cluster carries to every node, so the client's one
 *   subscription hears the writes of every node;
 * - direct channels (the relays') are sharded pub/sub (Redis ≥ 7.0): a shard channel lives on the node of its slot,
 *   so the readers `SPUBLISH` reports and `PUBSUB SHARDNUMSUB` asked there are all of them (a classic channel's are
 *   counted per node);
 * - a subscription counts as down while a node's connection is in trouble, and up again once every master and the
 *   client's subscribing connections are ready (looked at every second while down): conservative, as a down
 *   subscription only turns off the memory cache and ends relays in progress;
 * - a failover is followed by the client: one second after a node's connection first tries to reconnect, it asks the
 *   Cluster for its layout again (`topologyRefreshOnReconnectionAttemptStrategy`; by itself it would learn a new
 *   layout only from a MOVED or ASK answer, which a dead master never gives), uses the replica that took over, and
 *   reads the direct channels of the node that left there.
 * As with one Redis: no offline queue, a clear start error (a node that answers without cluster mode is named so), TLS
 * options for every node.
 */
import { createClient, createCluster } from 'redis';
import { BridgeError, ErrorCode } from '../../errors.js';
import { bounded, brief, startError, storeRunner } from './connection-errors.js';
import type { ConnectRedisOptions, RedisCommands, RedisConnection } from './redis-connection.js';
import { redisTlsFailure } from './redis-tls.js';

/** How often a down subscription looks whether it is up again. */
const LIVE_POLL_MS = 1_000;

/** How long after a node's connection first tries to reconnect the client asks for the Cluster's layout again. */
const TOPOLOGY_REFRESH_MS = 1_000;

/**
 * Connects to the Cluster `o.target` names a node of. Resolves once the client knows the slots and a node answered.
 * @throws {BridgeError} `ErrorCode.Store`, as {@link connectRedis}; `ErrorCode.Usage` when the node is a Redis without
 *   cluster mode (the message names the `redis://` URL to use).
 */
export async function connectRedisCluster(o: ConnectRedisOptions): Promise<RedisConnection> {
  const { target, logger } = o;
  logger.secret(target.password);
  const timeoutMs = o.commandTimeoutMs ?? 5_000;
  let started = false;
  let lost = false;
  let tlsTrouble: unknown;
  const cluster = createCluster({
    rootNodes: [{ url: target.url }],
    topologyRefreshOnReconnectionAttemptStrategy: TOPOLOGY_REFRESH_MS,
    defaults: {
      ...(target.password ? { password: target.password } : {}),
      disableOfflineQueue: true,
      socket: {
        connectTimeout: o.connectTimeoutMs ?? 5_000,
        reconnectStrategy: (retries: number, cause: Error) => (started ? Math.min(100 * 2 ** Math.min(retries, 5), 2_000) : retries >= 1 ? cause : 200),
        ...(target.tls ? { tls: true as const, ...o.tls } : {}),
      },
    },
  });
  const watchers = new Set<(live: boolean) => void>();
  let down = false;
  let poll: NodeJS.Timeout | undefined;
  const subscribersReady = () => {
    const nodes = [cluster.pubSubNode?.client, ...cluster.masters.map((m) => m.pubSub?.client)].filter((c) => c !== undefined);
    return nodes.every((c) => c.isReady);
  };
  const trouble = (error?: unknown) => {
    if (!started) {
      if (tlsTrouble === undefined && redisTlsFailure(error)) tlsTrouble = error;
      return;
    }
    if (!lost) logger.warn(`Redis Cluster at ${target.display} is unreachable in part (${error ? brief(error) : 'a node is reconnecting'}); reconnecting`);
    lost = true;
    if (!down) {
      down = true;
      for (const w of watchers) w(false);
    }
    poll ??= setInterval(look, LIVE_POLL_MS);
    poll.unref();
  };
  // While in trouble: once every master (the client follows a failover by itself, see the module comment) and every
  // subscribing connection is ready, up.
  const look = () => {
    if (!cluster.masters.every((m) => m.client?.isReady) || !subscribersReady() || poll === undefined) return;
    clearInterval(poll);
    poll = undefined;
    down = false;
    if (lost) logger.info(`Redis Cluster at ${target.display} is reachable again`);
    lost = false;
    for (const w of watchers) w(true);
  };
  cluster.on('error', trouble);
  cluster.on('node-error', trouble);
  cluster.on('node-reconnecting', () => trouble());
  cluster.on('sharded-shannel-moved-error', trouble);
  try {
    await cluster.connect();
    await bounded(cluster.withCommandOptions({ timeout: timeoutMs }).sendCommand(undefined, true, ['PING']), timeoutMs);
    started = true;
  } catch (error) {
    await cluster.destroy();
    if (tlsTrouble === undefined && (await answersWithoutCluster(o))) {
      const url = target.display.replace(/^(rediss?)\+cluster:/, '$1:');
      throw new BridgeError(ErrorCode.Usage, `Redis at ${target.display} is not a Redis Cluster`, { cause: error, hint: `use --store ${url}` });
    }
    throw startError(target, tlsTrouble ?? error);
  }
  const timed = cluster.withCommandOptions({ timeout: timeoutMs });
  const commands: RedisCommands = {
    get: (key) => timed.get(key),
    hGet: (key, field) => timed.hGet(key, field),
    sMembers: (key) => timed.sMembers(key),
    sRem: (key, members) => timed.sRem(key, members),
    del: (keys) => timed.del(keys),
    eval: (script, options) => timed.eval(script, options),
    pubSubNumSub: (channels) => timed.pubSubNumSub(channels) as Promise<Record<string, number>>,
    publishDirect: (channel, message) => timed.sPublish(channel, message),
    // Asked of the node of the channel's slot: node-redis 6 sends PUBSUB SHARDNUMSUB (keyless, for Redis) to a node
    // at random, whatever key it is given, and another node counts none.
    directReaders: async (channel) => {
      const node = await cluster.getNodeClientForKey(channel);
      const reply = await bounded(node.withCommandOptions({ timeout: timeoutMs }).pubSubShardNumSub([channel]), timeoutMs);
      return Number(reply[channel] ?? 0);
    },
  };
  return {
    target,
    run: storeRunner(target, commands, 'check that every node of the Redis Cluster is running and reachable; the bridge reconnects by itself'),
    async subscribe(channel, onMessage, onLive) {
      await cluster.subscribe(channel, (message) => onMessage(String(message)));
      watchers.add(onLive);
    },
    async unsubscribe(channel) {
      await cluster.unsubscribe(channel);
    },
    async subscribeDirect(channel, onMessage, onLive) {
      await cluster.sSubscribe(channel, (message) => onMessage(String(message)));
      watchers.add(onLive);
    },
    async unsubscribeDirect(channel) {
      await cluster.sUnsubscribe(channel);
    },
    async close() {
      clearInterval(poll);
      await cluster.close().catch(() => cluster.destroy());
    },
  };
}

/** Whether the named node answers as a Redis without cluster mode (`INFO cluster`: `cluster_enabled:0`). */
async function answersWithoutCluster(o: ConnectRedisOptions): Promise<boolean> {
  const { target } = o;
  const client = createClient({
    url: target.url,
    ...(target.password ? { password: target.password } : {}),
    disableOfflineQueue: true,
    socket: { connectTimeout: o.connectTimeoutMs ?? 5_000, reconnectStrategy: false, ...(target.tls ? { tls: true as const, ...o.tls } : {}) },
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = await bounded(client.withCommandOptions({ timeout: o.commandTimeoutMs ?? 5_000 }).info('cluster'), o.commandTimeoutMs ?? 5_000);
    return /^cluster_enabled:0/m.test(String(info));
  } catch {
    return false;
  } finally {
    if (client.isOpen) client.destroy();
  }
}
