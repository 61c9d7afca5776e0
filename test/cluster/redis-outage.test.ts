/**
 * Redis lost while two `serve` instances work behind the round-robin balancer, and back: a 2025-11-25 session's
 * requests that reach the instance holding it go on, those that reach the other instance are refused at once with a
 * clear 503 (the holder cannot be reached without Redis), a 2026-07-28 client, whose requests stand alone, goes on
 * undisturbed on both instances, and once Redis is back everything works again without a restart, the session under
 * its id. Meanwhile each instance's `/readyz` tells that Redis is away, without taking the instance out.
 */
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../aggregate/aggregate-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startServeCluster } from '../helpers/serve-cluster.js';
import { killGroupAtTeardown } from '../helpers/stdio-bridge.js';
import { waitFor } from '../helpers/wait.js';
import { connect2026 } from '../serve/modern/client-2026.js';
import { textOf } from '../serve/serve-process.js';
import { ALICE, BOB, connectAs, sharedConfig } from '../serve/shared-upstream/shared-serve.js';

useTeardown();

describe('serve instances when Redis is lost during work', () => {
  it('keep serving what needs no Redis, refuse the rest clearly, and recover without a restart', { timeout: 150_000 }, async () => {
    const file = writeConfigFile(sharedConfig({ sessions: 'separate' }));
    const cluster = await startServeCluster({ instances: 2, configFile: file, env: { ALICE_TOKEN: ALICE, BOB_TOKEN: BOB } });
    const from = cluster.proxy.requests.length;
    const alice = await connectAs(cluster, ALICE);
    const holder = cluster.proxy.requests[from]!.backend!;
    const id = alice.transport.sessionId;
    const pid = await alice.pid();
    const { client: stateless } = await connect2026(`${cluster.base}/servers/tool/mcp`, { authorization: `Bearer ${BOB}` });
    const statelessPid = async () => {
      const text = textOf(await stateless.callTool({ name: 'pid', arguments: {} }));
      killGroupAtTeardown(Number(text));
      return text;
    };
    await statelessPid();

    const readyz = async (i: number) => {
      const answer = await fetch(`${cluster.instances[i]!.base}/readyz`);
      return { status: answer.status, body: (await answer.json()) as { status: string; store?: string } };
    };
    expect((await readyz(0)).body.store).toBe('reachable');

    await cluster.redis.stop();
    // /readyz tells that Redis is away, and still says ready: the instances serve what needs no Redis.
    for (const i of [0, 1]) await waitFor(`instance ${i}'s /readyz to tell Redis is away`, async () => (await readyz(i)).body.store === 'unreachable', { timeoutMs: 15_000, intervalMs: 200 });
    expect(await readyz(1)).toMatchObject({ status: 200, body: { status: 'ready', store: 'unreachable' } });
    const outcomes: Array<{ backend: number | undefined; ok: boolean; error?: string }> = [];
    for (let i = 0; i < 6; i++) {
      const mark = cluster.proxy.requests.length;
      const outcome = await alice.pid().then(
        (p) => ({ ok: p === pid }),
        (error: unknown) => ({ ok: false, error: String((error as Error).message) }),
      );
      outcomes.push({ backend: cluster.proxy.requests.slice(mark).find((r) => r.method === 'POST')?.backend, ...outcome });
    }
    // At the holder: answered by the session's own process. Elsewhere: a 503 that says why, at once.
    expect(outcomes.filter((o) => o.backend === holder).every((o) => o.ok)).toBe(true);
    const elsewhere = outcomes.filter((o) => o.backend !== holder);
    expect(elsewhere.length).toBeGreaterThan(0);
    for (const o of elsewhere) expect(o.error).toMatch(/503|cannot be reached/);
    // A 2026-07-28 client's requests need no Redis: both instances serve them.
    const mark = cluster.proxy.requests.length;
    for (let i = 0; i < 4; i++) await statelessPid();
    expect(new Set(cluster.proxy.requests.slice(mark).map((r) => r.backend))).toEqual(new Set([0, 1]));

    await cluster.redis.start();
    for (const i of [0, 1]) await waitFor(`instance ${i}'s /readyz to tell Redis is back`, async () => (await readyz(i)).body.store === 'reachable', { timeoutMs: 30_000, intervalMs: 200 });
    await waitFor('the session to be served on both instances again', async () => {
      const results = await Promise.all([0, 1].map(() => alice.pid().then((p) => p === pid, () => false)));
      return results.every(Boolean);
    }, { timeoutMs: 30_000, intervalMs: 250 });
    const back = cluster.proxy.requests.length;
    for (let i = 0; i < 4; i++) expect(await alice.pid()).toBe(pid);
    expect(cluster.proxy.requests.slice(back).every((r) => r.status! < 300)).toBe(true);
    expect(new Set(cluster.proxy.requests.slice(back).map((r) => r.backend))).toEqual(new Set([0, 1]));
    expect(alice.transport.sessionId).toBe(id);
    expect(cluster.instances.every((s) => s.exitStatus() === undefined)).toBe(true);
  });
});
