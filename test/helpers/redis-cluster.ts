/**
 * A real Redis Cluster of three masters for the tests: three `redis-server` nodes in cluster mode (redis.ts), joined
 * by `redis-cli --cluster create … --cluster-replicas 0`, each serving a third of the slots; ready once every node
 * says `cluster_state:ok`. With `replicas: 1`, six nodes, each master with a replica that takes over when it fails
 * (after `cluster-node-timeout`, 1 s here). Its `url` is `redis+cluster://` naming the first node, as an operator gives `--store`
 * (`rediss+cluster://` with `tls`: every node, and the bus between them, on TLS only).
 * Stopped with the test's teardown (each node's own).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { createCluster } from 'redis';
import { startRedis, type TestRedis, type TestRedisTls } from './redis.js';
import { waitFor } from './wait.js';

/** A running three-master Cluster. */
export interface TestRedisCluster {
  nodes: TestRedis[];
  /** `redis+cluster://127.0.0.1:<first node's port>` (`rediss+cluster://` with TLS). */
  url: string;
  /** Resolves once every node says `cluster_state:ok` (after a node was stopped and started again). */
  ready(): Promise<void>;
  /** Runs one command through a Cluster client (routed by `firstKey`, or to any node). */
  command(args: string[], firstKey?: string): Promise<unknown>;
}

/** Starts the Cluster; see the module comment. Fails, saying so, when `redis-cli` is missing. */
export async function startRedisCluster(options: { tls?: TestRedisTls; replicas?: 0 | 1 } = {}): Promise<TestRedisCluster> {
  const { tls } = options;
  const replicas = options.replicas ?? 0;
  const failover = replicas > 0 ? { clusterNodeTimeoutMs: 1_000 } : {};
  const count = 3 * (1 + replicas);
  // One after another: a free port is found by binding and closing, so nodes started at once could pick the same.
  const nodes: TestRedis[] = [];
  for (let i = 0; i < count; i++) nodes.push(await startRedis({ cluster: 'member', ...failover, ...(tls ? { tls } : {}) }));
  const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
  const cliTls = tls ? ['--tls', '--cacert', tls.client.caFile, ...(tls.client.certFile && tls.client.keyFile ? ['--cert', tls.client.certFile, '--key', tls.client.keyFile] : [])] : [];
  try {
    await promisify(execFile)('redis-cli', [...cliTls, '--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 30_000 });
  } catch (error) {
    throw new Error(`redis-cli --cluster create failed (is redis-cli installed? it comes with redis-server): ${(error as Error).message}`);
  }
  const ready = async (): Promise<void> => {
    await waitFor('every node of the Cluster to be ok', async () => {
      const states = await Promise.all(nodes.map(async (n) => String(await n.command(['CLUSTER', 'INFO']).catch(() => ''))));
      if (!states.every((s) => /cluster_state:ok/.test(s) && s.includes(`cluster_known_nodes:${count}`))) return false;
      if (replicas === 0) return true;
      // And every node names every master's replicas (a replica is named once its link to the master is up).
      const views = await Promise.all(nodes.map(async (n) => ((await n.command(['CLUSTER', 'SLOTS']).catch(() => [])) as unknown[][])));
      return views.every((ranges) => ranges.length > 0 && ranges.every((range) => range.length === 3 + replicas));
    }, { timeoutMs: 30_000, intervalMs: 100 });
  };
  await ready();
  return {
    nodes,
    ready,
    url: `${tls ? 'rediss' : 'redis'}+cluster://127.0.0.1:${nodes[0]!.port}`,
    async command(args, firstKey) {
      const socket = tls
        ? { tls: true as const, ca: readFileSync(tls.client.caFile, 'utf8'), ...(tls.client.certFile && tls.client.keyFile ? { cert: readFileSync(tls.client.certFile, 'utf8'), key: readFileSync(tls.client.keyFile, 'utf8') } : {}) }
        : {};
      const cluster = createCluster({ rootNodes: [{ url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${nodes[0]!.port}` }], defaults: { socket } });
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
