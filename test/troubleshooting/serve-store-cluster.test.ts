/**
 * The documented messages of serve's Redis store given a node of a Redis Cluster with a plain `redis://` URL, and a
 * Redis without cluster mode with `redis+cluster://`.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startRedisCluster } from '../helpers/redis-cluster.js';
import { startRedis } from '../helpers/redis.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

const KEYS = { MCP_STORE_KEYS: `k1:${Buffer.alloc(32, 5).toString('base64')}` };

describe('serve --store redis://<a node of a Redis Cluster>', () => {
  it('says it is a node of a Redis Cluster, and gives the redis+cluster:// URL', { timeout: 90_000 }, async () => {
    const cluster = await startRedisCluster();
    const node = `redis://127.0.0.1:${cluster.nodes[1]!.port}`;
    const run = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--port', '0', '--store', node], KEYS, 30_000);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`use --store redis+cluster://127.0.0.1:${cluster.nodes[1]!.port}`);
    const stderr = run.stderr;
    expectDocumented(stderr, 'is a node of a Redis Cluster');
  });
});

describe('serve --store redis+cluster://<a Redis without cluster mode>', () => {
  it('says it is not a Redis Cluster, and gives the redis:// URL', { timeout: 60_000 }, async () => {
    const redis = await startRedis();
    const run = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--port', '0', '--store', `redis+cluster://127.0.0.1:${redis.port}`], KEYS, 30_000);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`use --store redis://127.0.0.1:${redis.port}`);
    const stderr = run.stderr;
    expectDocumented(stderr, 'is not a Redis Cluster');
  });
});
