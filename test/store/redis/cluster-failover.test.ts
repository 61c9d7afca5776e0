/**
 * serve's Redis store on a Redis Cluster whose masters each have a replica (`--cluster-replicas 1`,
 * `cluster-node-timeout` 1 s): the master holding a user's keys and an instance's relay channel is killed, its
 * replica takes over, and the stores of two instances keep working without a restart. Reads and writes reach the new
 * master, the invalidation channel is heard again (a write on one instance reaches what the other holds in memory),
 * the relay channel is read again on the new master (its reader told down, then up), the lease is taken and given
 * back, and the old master, started again, rejoins as a replica.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { userHash } from '../../../src/store/redis/index.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { startRedisCluster, type TestRedisCluster } from '../../helpers/redis-cluster.js';
import type { TestRedis } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import { sampleLogin } from '../helpers/fixtures.js';
import { newKey, openTestStores } from './open-stores.js';
import { KEY } from './store-contract.js';

useTeardown('all');

let cluster: TestRedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1 });
}, 90_000);

const info = async (node: TestRedis): Promise<string> => String(await node.command(['INFO', 'replication']).catch(() => ''));
const field = (text: string, name: string): string | undefined => new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim();

/** The master serving `key`'s slot, and its replica. */
async function masterAndReplica(key: string): Promise<{ master: TestRedis; replica: TestRedis }> {
  const slot = Number(await cluster.command(['CLUSTER', 'KEYSLOT', key]));
  const ranges = (await cluster.command(['CLUSTER', 'SLOTS'])) as [number, number, [string, number], ...[string, number][]][];
  const [, , [, masterPort], ...replicas] = ranges.find(([from, to]) => slot >= from && slot <= to)!;
  const master = cluster.nodes.find((n) => n.port === masterPort)!;
  const replica = cluster.nodes.find((n) => n.port === replicas[0]?.[1]);
  if (!replica) throw new Error(`no replica serves slot ${slot}: ${JSON.stringify(ranges)} ${JSON.stringify(cluster.nodes.map((n) => n.port))}`);
  return { master, replica };
}

describe('on a Redis Cluster with replicas', () => {
  it('keeps serving when the master of a user\'s keys fails and its replica takes over', { timeout: 120_000 }, async () => {
    const prefix = `fo${process.pid}:`;
    const key = newKey('shared');
    const [a, b] = [await openTestStores(cluster, { prefix, keys: [key] }), await openTestStores(cluster, { prefix, keys: [key] })];
    const [onA, onB] = [a.stores.forUser('alice', '/nonexistent'), b.stores.forUser('alice', '/nonexistent')];
    await onA.setTokens(KEY, sampleLogin());
    expect((await onB.getTokens(KEY))?.secrets.accessToken).toBe(sampleLogin().secrets.accessToken);

    // An instance's relay channel on the same master (same hash tag), read by a.
    const tag = `{${prefix}${userHash('alice')}}`;
    const channel = `${tag}relay:instance-a`;
    const live: boolean[] = [];
    const got: string[] = [];
    await a.stores.connection.subscribeDirect(channel, (m) => got.push(m), (l) => live.push(l));

    const { master, replica } = await masterAndReplica(tag);
    await waitFor('the replica to hold everything its master wrote', async () => {
      const [m, r] = [await info(master), await info(replica)];
      return field(r, 'master_link_status') === 'up' && field(m, 'master_repl_offset') === field(r, 'slave_repl_offset');
    }, { timeoutMs: 20_000, intervalMs: 100 });

    await master.stop();
    await waitFor('the reader to be told its channel is down', () => live.includes(false), { timeoutMs: 20_000, intervalMs: 50 });
    await waitFor('the replica to take over', async () => field(await info(replica), 'role') === 'master', { timeoutMs: 30_000, intervalMs: 100 });

    // Both instances read the login on the new master, and a write on one reaches what the other holds in memory.
    for (const store of [onA, onB]) {
      let last: unknown;
      await waitFor('the login to be read on the new master', async () => (await store.getTokens(KEY).catch((e) => void (last = e)))?.secrets.accessToken === sampleLogin().secrets.accessToken, { timeoutMs: 30_000, intervalMs: 200 }).catch((e) => {
        throw new Error(`${(e as Error).message}; last: ${String(last)} ${String((last as Error)?.cause)}`);
      });
    }
    await waitFor('both instances to hear the invalidation channel again', () => a.stores.cache.live && b.stores.cache.live, { timeoutMs: 30_000, intervalMs: 100 });
    // The relay channel is read again on the new master, once: its reader is told so, and one message arrives once.
    await waitFor('the reader to be told its channel is up again', () => live.at(-1) === true, { timeoutMs: 30_000, intervalMs: 100 });
    expect(await b.stores.connection.run('count', (r) => r.directReaders(channel))).toBe(1);
    expect(await b.stores.connection.run('send', (r) => r.publishDirect(channel, 'after failover'))).toBe(1);
    await waitFor('the message to reach the reader', () => got.includes('after failover'), { timeoutMs: 5_000 });
    expect(got).toEqual(['after failover']);
    const next = sampleLogin({ obtainedAt: 1_899_999_500_000 });
    next.secrets = { accessToken: 'at-after-failover' };
    await onA.setTokens(KEY, next);
    await waitFor('the new login to reach the other instance', async () => (await onB.getTokens(KEY))?.secrets.accessToken === 'at-after-failover', { timeoutMs: 5_000 });

    // The lease works on the new master: taken by one instance, and by the other once given back.
    const scope = { issuer: 'https://as.example.com', resource: 'https://mcp.example.com/mcp', timeoutMs: 10_000 };
    const held: string[] = [];
    await onA.exclusive!(scope, async () => void held.push('a'));
    await onB.exclusive!(scope, async () => void held.push('b'));
    expect(held).toEqual(['a', 'b']);

    // The old master comes back as the new one's replica.
    await master.start();
    await cluster.ready();
    await waitFor('the old master to serve as a replica', async () => field(await info(master), 'role') === 'slave', { timeoutMs: 30_000, intervalMs: 100 });
    expect((await onB.getTokens(KEY))?.secrets.accessToken).toBe('at-after-failover');
  });
});
