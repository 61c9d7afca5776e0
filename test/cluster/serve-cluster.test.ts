/**
 * Several real `serve` instances on one Redis behind the round-robin proxy (test/helpers/serve-cluster.ts), with
 * what works across instances without any routing between them: 2026-07-28 clients, whose every request stands on
 * its own. Each request lands on the next instance; the users stay apart on every instance; an instance that dies is
 * skipped (the proxy retries a refused connection) and one started again takes its turns again. And the baseline for
 * 2025-11-25 sessions: with one instance up, a session and its event streams pass through the proxy whole.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../aggregate/aggregate-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startServeCluster, type ServeCluster } from '../helpers/serve-cluster.js';
import { SAMPLING_MODEL } from '../helpers/client.js';
import { SAMPLING_PROMPT, startStreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { connectServeClient, textOf } from '../serve/serve-process.js';
import { connect2026, post2026 } from '../serve/modern/client-2026.js';

useTeardown();

const FIXTURE = fileURLToPath(new URL('../fixtures/stdio/mcp-server.mjs', import.meta.url));
const ALICE = 'alice-cluster-token-0123456789abcdef0123';
const BOB = 'bob-cluster-token-0123456789abcdef012345';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Two local stdio servers; alice may use both, bob only `shared`. */
function teamConfig(): string {
  const local = { command: process.execPath, args: [FIXTURE] };
  return writeConfigFile({
    mcpServers: { private: local, shared: local },
    serve: {
      auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }, { user: 'bob', token: '${BOB_TOKEN}' }] },
      users: { alice: { servers: ['private', 'shared'] }, bob: { servers: ['shared'] } },
    },
  });
}

async function team(instances: 2 | 3): Promise<ServeCluster> {
  return startServeCluster({ instances, configFile: teamConfig(), env: { ALICE_TOKEN: ALICE, BOB_TOKEN: BOB } });
}

/** The backends that served the proxy's requests from `from` on. */
const servedFrom = (cluster: ServeCluster, from: number) => cluster.proxy.requests.slice(from).map((r) => r.backend);

describe('serve instances on one Redis behind a round-robin load balancer', () => {
  it('serve a 2026-07-28 client with every request on the next instance, answers correct', { timeout: 90_000 }, async () => {
    const cluster = await team(2);
    const { client } = await connect2026(`${cluster.base}/mcp`, bearer(ALICE));
    const from = cluster.proxy.requests.length;
    // Each instance starts the user's own processes of the two servers at its first request; a list made while one
    // still starts lacks it (on a busy machine), so lists are read, two in a row (one on each instance), until both
    // servers are there.
    const complete = async () => {
      const { tools } = await client.listTools();
      return ['private__echo', 'shared__echo'].every((n) => tools.some((t) => t.name === n));
    };
    await waitFor('both servers listed by both instances', async () => (await complete()) && (await complete()), { timeoutMs: 20_000, intervalMs: 200 });
    const pids = new Set<string>();
    for (let i = 0; i < 6; i++) expect(textOf(await client.callTool({ name: 'private__echo', arguments: { text: `hello ${i}` } }))).toBe(`hello ${i}`);
    for (let i = 0; i < 4; i++) pids.add(textOf(await client.callTool({ name: 'private__pid', arguments: {} })));
    const served = servedFrom(cluster, from);
    expect(served.length).toBeGreaterThanOrEqual(11);
    // Strict alternation: no request was retried elsewhere or kept on one instance.
    served.forEach((backend, k) => expect(backend).toBe((served[0]! + k) % 2));
    expect(cluster.proxy.requests.slice(from).every((r) => r.status === 200 && r.tried.length === 1)).toBe(true);
    // The pid calls alternated too: each instance's own process of the server answered.
    expect(pids.size).toBeGreaterThanOrEqual(2);
  });

  it('keep two users apart on every instance', { timeout: 90_000 }, async () => {
    const cluster = await team(2);
    const alice = (await connect2026(`${cluster.base}/mcp`, bearer(ALICE))).client;
    const bob = (await connect2026(`${cluster.base}/mcp`, bearer(BOB))).client;
    const from = cluster.proxy.requests.length;
    for (let round = 0; round < 2; round++) {
      expect((await bob.listTools()).tools.map((t) => t.name).every((n) => n.startsWith('shared__'))).toBe(true);
      // Bob's session has no such server, on either instance.
      await expect(bob.callTool({ name: 'private__echo', arguments: { text: 'x' } })).rejects.toMatchObject({ code: -32602, data: { code: 'UNKNOWN_TARGET' } });
      expect(textOf(await bob.callTool({ name: 'shared__echo', arguments: { text: `bob ${round}` } }))).toBe(`bob ${round}`);
      expect(textOf(await alice.callTool({ name: 'private__echo', arguments: { text: `alice ${round}` } }))).toBe(`alice ${round}`);
    }
    // Alice's and Bob's processes of the same server are not the same ones, whichever instance answers.
    const pidsOf = async (c: typeof alice) => {
      const out = new Set<string>();
      for (let i = 0; i < 4; i++) out.add(textOf(await c.callTool({ name: 'shared__pid', arguments: {} })));
      return out;
    };
    const [a, b] = [await pidsOf(alice), await pidsOf(bob)];
    expect([...a].filter((p) => b.has(p))).toEqual([]);
    expect(new Set(servedFrom(cluster, from))).toEqual(new Set([0, 1]));

    // A token no instance knows is refused by each of them.
    for (let i = 0; i < 2; i++) expect((await post2026(`${cluster.base}/mcp`, 'tools/list', {}, bearer('not-a-token-of-anyone-0123456789abcdef'))).status).toBe(401);
    expect(cluster.proxy.requests.slice(-2).map((r) => r.status)).toEqual([401, 401]);
    expect(new Set(cluster.proxy.requests.slice(-2).map((r) => r.backend))).toEqual(new Set([0, 1]));
  });

  it('keep serving 2026-07-28 requests when an instance dies, and use it again once restarted', { timeout: 120_000 }, async () => {
    const cluster = await team(3);
    const { client } = await connect2026(`${cluster.base}/mcp`, bearer(ALICE));
    expect(textOf(await client.callTool({ name: 'shared__echo', arguments: { text: 'before' } }))).toBe('before');

    await cluster.kill(1);
    let from = cluster.proxy.requests.length;
    for (let i = 0; i < 6; i++) expect(textOf(await client.callTool({ name: 'shared__echo', arguments: { text: `during ${i}` } }))).toBe(`during ${i}`);
    const during = cluster.proxy.requests.slice(from);
    expect(during.every((r) => r.status === 200 && r.backend !== 1)).toBe(true);
    // Instance 1's turns were tried there first, refused, and served by the next one.
    expect(during.some((r) => r.tried[0] === 1 && r.tried.length === 2)).toBe(true);

    await cluster.restart(1);
    from = cluster.proxy.requests.length;
    for (let i = 0; i < 6; i++) expect(textOf(await client.callTool({ name: 'shared__echo', arguments: { text: `after ${i}` } }))).toBe(`after ${i}`);
    expect(servedFrom(cluster, from)).toContain(1);
    expect(cluster.instances[1]!.exitStatus()).toBeUndefined();
  });

  it('carry a 2025-11-25 session with its event streams through the proxy while one instance takes the requests', { timeout: 90_000 }, async () => {
    // The baseline of session routing: with the second instance marked down, every request of the session reaches
    // its owner, and the proxy carries its streams (a server request in the middle of a call, notifications) whole.
    const server = await startStreamableServer();
    const cluster = await startServeCluster({ args: [server.url] });
    cluster.proxy.markDown(1);
    const { client, notifications } = await connectServeClient(`${cluster.base}/mcp`);
    const from = cluster.proxy.requests.length;
    expect(textOf(await client.callTool({ name: 'sample', arguments: {} }))).toBe(`${SAMPLING_MODEL}: sampled: ${SAMPLING_PROMPT}`);
    await client.callTool({ name: 'notify', arguments: {} });
    await waitFor('the log message and list_changed through the proxy', () => {
      const methods = notifications.map((n) => n.method);
      return methods.includes('notifications/message') && methods.includes('notifications/tools/list_changed');
    }, { timeoutMs: 15_000 });
    const requests = cluster.proxy.requests.slice(from);
    expect(requests.length).toBeGreaterThanOrEqual(3);
    expect(requests.every((r) => r.backend === 0)).toBe(true);
    // The client's answer to the server's sampling request came as a POST of its own, on the same session.
    expect(requests.filter((r) => r.method === 'POST').length).toBeGreaterThanOrEqual(3);
  });
});
