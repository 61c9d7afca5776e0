/**
 * A real Redis Cluster of three masters for the tests: three `redis-server` nodes in cluster mode (redis.ts), joined
 * by `redis-cli --cluster create … --cluster-replicas 0`, each serving a third of the slots; ready once every node
 * says `cluster_state:ok`. Its `url` is `redis+cluster://` naming the first node, as an operator gives `--store`.
 * Stopped with the test's teardown (each node's own).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createCluster } from 'redis';
import { startRedis, type TestRedis } from './redis.js';
import { waitFor } from './wait.js';

/** A running three-master Cluster. */
export interface TestRedisCluster {
  nodes: TestRedis[];
  /** `redis+cluster://127.0.0.1:<first node's port>`. */
  url: string;
  /** Runs one command through a Cluster client (routed by `firstKey`, or to any node). */
  command(args: string[], firstKey?: string): Promise<unknown>;
}

/** Starts the Cluster; see the module comment. Fails, saying so, when `redis-cli` is missing. */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  const nodes = await Promise.all([0, 1, 2].map(() => startRedis({ cluster: 'member' })));
  const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
  try {
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
  } catch (error) {
    throw new Error(`redis-cli --cluster create failed (is redis-cli installed? it comes with redis-server): ${(error as Error).message}`);
  }
  await waitFor('every node of the Cluster to be ok', async () => {
    const states = await Promise.all(nodes.map(async (n) => String(await n.command(['CLUSTER', 'INFO']))));
    return states.every((s) => /cluster_state:ok/.test(s)) && states.every((s) => /cluster_known_nodes:3/.test(s));
  }, { timeoutMs: 30_000, intervalMs: 100 });
  return {
    nodes,
    url: `redis+cluster://127.0.0.1:${nodes[0]!.port}`,
    async command(args, firstKey) {
      const cluster = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${nodes[0]!.port}` }] });
      cluster.on('error', () => undefined);
      await cluster.connect();
      try {
        return await cluster.sendCommand(firstKey, false, args);
      } finally {
        await cluster.destroy();
      }
    },
  };
}
