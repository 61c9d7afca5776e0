/**
 * serve's Redis store on a real Redis Cluster of three masters (`--store redis+cluster://…`): the credential store
 * contract; users whose keys sit on different nodes, with a write on one instance invalidating what another holds in
 * memory (the invalidation channel is classic pub/sub, carried to every node); relay channels read on one node
 * counted exactly from a connection to the Cluster (sharded pub/sub), their reader told when the node goes away and
 * comes back; two serve processes on the Cluster carrying one 2025-11-25 session whose requests alternate between
 * them (relayed to the instance that holds it); and a Cluster on TLS only.
 */
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeConfigFile } from '../../aggregate/aggregate-bridge.js';
import { tempDir } from '../../helpers/auth-bridge.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { createTestClient } from '../../helpers/client.js';
import { startRedisCluster, type TestRedisCluster } from '../../helpers/redis-cluster.js';
import { killGroupAtTeardown } from '../../helpers/stdio-bridge.js';
import { waitFor, withTimeout } from '../../helpers/wait.js';
import { startServe, textOf } from '../../serve/serve-process.js';
import { ALICE, BOB, sharedConfig } from '../../serve/shared-upstream/shared-serve.js';
import { testCa } from '../../helpers/test-ca.js';
import { readFileSync } from 'node:fs';
import { userHash } from '../../../src/store/redis/index.js';
import { sampleLogin } from '../helpers/fixtures.js';
import { newKey, openTestStores } from './open-stores.js';
import { KEY, credentialStoreContract } from './store-contract.js';

useTeardown('all');

let cluster: TestRedisCluster;
let n = 0;
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);

const freshPrefix = () => `rc${process.pid}-${++n}:`;
const slotOwner = async (key: string): Promise<number> => {
  const slot = Number(await cluster.command(['CLUSTER', 'KEYSLOT', key]));
  const ranges = (await cluster.command(['CLUSTER', 'SLOTS'])) as [number, number, [string, number]][];
  return ranges.find(([from, to]) => slot >= from && slot <= to)![2][1];
};

describe('on a Redis Cluster of three masters', () => {
  credentialStoreContract(async () => {
    const prefix = freshPrefix();
    const key = newKey('shared');
    const one = await openTestStores(cluster, { prefix, keys: [key] });
    const two = await openTestStores(cluster, { prefix, keys: [key] });
    return { store: one.stores.forUser('alice', '/nonexistent'), reopen: async () => two.stores.forUser('alice', '/nonexistent') };
  });

  it("keeps users' logins on several nodes, and a change on one instance reaches what another holds in memory", { timeout: 60_000 }, async () => {
    const prefix = freshPrefix();
    const key = newKey('shared');
    const [a, b] = [await openTestStores(cluster, { prefix, keys: [key] }), await openTestStores(cluster, { prefix, keys: [key] })];
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8'];
    const owners = new Set<number>();
    for (const user of users) {
      await a.stores.forUser(user, '/nonexistent').setTokens(KEY, sampleLogin());
      expect((await b.stores.forUser(user, '/nonexistent').getTokens(KEY))?.secrets.accessToken).toBe(sampleLogin().secrets.accessToken);
      owners.add(await slotOwner(`{${prefix}${userHash(user)}}`));
    }
    expect(owners.size, 'the users\' keys sit on more than one node').toBeGreaterThan(1);
    for (const user of users) {
      const next = sampleLogin({ obtainedAt: 1_899_999_500_000 });
      next.secrets = { accessToken: `at-${user}-second` };
      await a.stores.forUser(user, '/nonexistent').setTokens(KEY, next);
      await waitFor(`${user}'s new login to reach the other instance`, async () => (await b.stores.forUser(user, '/nonexistent').getTokens(KEY))?.secrets.accessToken === `at-${user}-second`, { timeoutMs: 5_000 });
    }
  });

  it('counts the readers of a relay channel exactly, whichever node it lives on', { timeout: 60_000 }, async () => {
    const prefix = freshPrefix();
    const [reader, sender] = [await openTestStores(cluster, { prefix }), await openTestStores(cluster, { prefix })];
    const channels = Array.from({ length: 9 }, (_, i) => `${prefix}relay:instance-${i}`);
    const nodes = new Set(await Promise.all(channels.map(slotOwner)));
    expect(nodes.size, 'the channels live on several nodes').toBeGreaterThan(1);
    const got: string[] = [];
    for (const channel of channels) {
      expect(await sender.stores.connection.run('count', (r) => r.directReaders(channel))).toBe(0);
      await reader.stores.connection.subscribeDirect(channel, (m) => got.push(`${channel} ${m}`), () => undefined);
      expect(await sender.stores.connection.run('count', (r) => r.directReaders(channel))).toBe(1);
      expect(await sender.stores.connection.run('send', (r) => r.publishDirect(channel, 'hello'))).toBe(1);
    }
    await waitFor('every message to arrive', () => got.length === channels.length);
    for (const channel of channels) await reader.stores.connection.unsubscribeDirect(channel);
    for (const channel of channels) expect(await sender.stores.connection.run('count', (r) => r.directReaders(channel))).toBe(0);
  });

  it('carries one session across two serve instances, each request on the other one', { timeout: 120_000 }, async () => {
    const file = writeConfigFile(sharedConfig({ sessions: 'separate' }));
    const env = { ALICE_TOKEN: ALICE, BOB_TOKEN: BOB, MCP_STORE_KEYS: `k1:${Buffer.alloc(32, 23).toString('base64')}` };
    const prefix = freshPrefix();
    const a = await startServe(['--config', file, '--config-dir', tempDir(), '--store', cluster.url, '--store-prefix', prefix], env);
    const b = await startServe(['--config', file, '--config-dir', tempDir(), '--store', cluster.url, '--store-prefix', prefix], env);
    expect(a.stderr()).toContain(`credentials: Redis at ${cluster.url}`);
    // Each HTTP request of the client goes to the other instance than the one before, as a round-robin balancer does.
    const bases = [a.base, b.base];
    const hits = new Map<string, number>();
    let next = 0;
    const alternate = (input: string | URL | Request, init?: RequestInit) => {
      const base = bases[next++ % 2]!;
      hits.set(base, (hits.get(base) ?? 0) + 1);
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return fetch(`${base}${url.pathname}${url.search}`, init);
    };
    const test = createTestClient();
    const transport = new StreamableHTTPClientTransport(new URL(`${a.base}/servers/tool/mcp`), { fetch: alternate, requestInit: { headers: { authorization: `Bearer ${ALICE}` } } });
    onTeardown(() => withTimeout('client close', test.client.close(), 10_000).catch(() => undefined));
    await withTimeout('connect through both instances', test.client.connect(transport), 20_000);
    const call = async (name: string, args: Record<string, unknown> = {}) => textOf(await test.client.callTool({ name, arguments: args }, undefined, { timeout: 15_000 }));
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) pids.add(Number(await call('pid')));
    for (const pid of pids) killGroupAtTeardown(pid);
    expect(pids.size).toBe(1);
    expect(hits.get(a.base)).toBeGreaterThan(2);
    expect(hits.get(b.base)).toBeGreaterThan(2);
    // The server asks the client (sampling) during a call; the answer reaches the holder through the other instance.
    expect(await call('sample', { prompt: 'across the cluster' })).toContain('sampled: across the cluster');
  });

  it("tells a relay channel's reader when its node goes away and comes back, and reads it again", { timeout: 90_000 }, async () => {
    const prefix = freshPrefix();
    const [reader, sender] = [await openTestStores(cluster, { prefix }), await openTestStores(cluster, { prefix })];
    const channel = `${prefix}relay:instance-restart`;
    const port = await slotOwner(channel);
    const owner = cluster.nodes.find((x) => x.port === port)!;
    const live: boolean[] = [];
    const got: string[] = [];
    await reader.stores.connection.subscribeDirect(channel, (m) => got.push(m), (l) => live.push(l));
    await owner.stop();
    await waitFor('the reader to be told its subscription is down', () => live.includes(false), { timeoutMs: 20_000, intervalMs: 50 });
    await owner.start();
    await waitFor('the reader to be told it is up again', () => live.at(-1) === true, { timeoutMs: 30_000, intervalMs: 100 });
    await waitFor('a message to reach the reader again', async () => {
      await sender.stores.connection.run('send', (r) => r.publishDirect(channel, 'again')).catch(() => 0);
      return got.includes('again');
    }, { timeoutMs: 30_000, intervalMs: 200 });
    await cluster.ready();
  });
});

describe('on a Redis Cluster over TLS (rediss+cluster://)', () => {
  it('keeps a login with the CA given, and serve starts on it with --store-tls-ca', { timeout: 120_000 }, async () => {
    const ca = testCa();
    const tlsCluster = await startRedisCluster({ tls: { ...ca.issue('redis node', { clusterNode: true }), caFile: ca.caFile, client: { caFile: ca.caFile } } });
    expect(tlsCluster.url).toMatch(/^rediss\+cluster:\/\//);
    const prefix = freshPrefix();
    const key = newKey('shared');
    const tls = { ca: readFileSync(ca.caFile, 'utf8') };
    const [a, b] = [await openTestStores(tlsCluster, { prefix, keys: [key], tls }), await openTestStores(tlsCluster, { prefix, keys: [key], tls })];
    for (const user of ['u1', 'u2', 'u3', 'u4']) {
      const saved = await a.stores.forUser(user, '/nonexistent').setTokens(KEY, sampleLogin());
      expect(await b.stores.forUser(user, '/nonexistent').getTokens(KEY)).toEqual(saved);
    }
    const env = { ALICE_TOKEN: ALICE, BOB_TOKEN: BOB, MCP_STORE_KEYS: `k1:${Buffer.alloc(32, 29).toString('base64')}` };
    const serve = await startServe(['--config', writeConfigFile(sharedConfig({ sessions: 'separate' })), '--config-dir', tempDir(), '--store', tlsCluster.url, '--store-tls-ca', ca.caFile], env);
    expect(serve.stderr()).toContain(`credentials: Redis at ${tlsCluster.url}`);
    await waitFor('serve to be ready', async () => (await fetch(`${serve.base}/readyz`)).status === 200, { timeoutMs: 20_000, intervalMs: 100 });
  });
});
