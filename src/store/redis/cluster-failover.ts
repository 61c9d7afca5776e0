/**
 * Follows a Redis Cluster through a failover. node-redis's Cluster client learns a new layout of the slots only from
 * a MOVED or ASK answer, and a master that died gives none: after its replica takes over, the client keeps sending
 * that master's slots to the dead address ("The client is offline") until it is restarted. So while a master's
 * connection is not ready, {@link followFailover} asks a master that answers for the Cluster's layout (the client's
 * own rediscovery, started from that node) and, when the masters changed, reads again each direct channel whose
 * reader went with the dead node (its sharded subscription is dropped with that node's connection, and nothing else
 * would read it again). The classic subscription (the invalidation channel) the client moves by itself.
 */

/** A node of the Cluster as the client knows it. */
export interface FollowedNode<C> {
  /** `host:port`. */
  address: string;
  /** Its connection, once made. */
  client?: C | undefined;
}

/** The part of node-redis's Cluster client this uses (its masters and its slots' rediscovery). */
export interface FollowedCluster<C extends { isReady: boolean }> {
  readonly masters: readonly FollowedNode<C>[];
  readonly _slots: { rediscover(startWith: C): Promise<void> };
}

/** Options for {@link followFailover}. */
export interface FollowFailoverOptions<C extends { isReady: boolean }> {
  cluster: FollowedCluster<C>;
  /** The direct channels this connection reads. */
  directChannels: () => Iterable<string>;
  /** How many connections read `channel` now (`PUBSUB SHARDNUMSUB`). */
  readers: (channel: string) => Promise<number>;
  /** Reads `channel` again (with the listener it was read with). */
  readAgain: (channel: string) => Promise<void>;
}

/**
 * What one look found: every master answers (`steady`), none does (`unreachable`: nothing to ask), the layout is as
 * it was (`unchanged`: a master is away but no replica took over yet), or the client now has the new layout
 * (`followed`, with the direct channels read again).
 */
export type FollowOutcome = 'steady' | 'unreachable' | 'unchanged' | 'followed';

/** One look; see the module comment. Rejects when the layout could not be read or a channel not read again. */
export async function followFailover<C extends { isReady: boolean }>(o: FollowFailoverOptions<C>): Promise<FollowOutcome> {
  const masters = o.cluster.masters;
  if (masters.every((m) => m.client?.isReady)) return 'steady';
  const answering = masters.find((m) => m.client?.isReady)?.client;
  if (!answering) return 'unreachable';
  const before = addresses(masters);
  await o.cluster._slots.rediscover(answering);
  if (addresses(o.cluster.masters) === before) return 'unchanged';
  for (const channel of o.directChannels()) {
    if ((await o.readers(channel)) === 0) await o.readAgain(channel);
  }
  return 'followed';
}

function addresses(nodes: readonly FollowedNode<unknown>[]): string {
  return nodes
    .map((n) => n.address)
    .sort()
    .join(' ');
}
