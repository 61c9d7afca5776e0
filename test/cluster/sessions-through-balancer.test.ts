/**
 * 2025-11-25 sessions (and legacy SSE ones) through a real round-robin load balancer in front of three `serve`
 * instances on one Redis, with clients that know nothing of the instances: the SDK's own transports pointed at the
 * balancer. Every request of a session lands on the next instance, the GET stream included; the instance that opened
 * the session holds it and the others relay, so the session behaves as on one instance. An instance killed in the
 * middle of a call costs the client that call at most; another user's session id is unknown on every instance.
 */
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../aggregate/aggregate-bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { startServeCluster, type ServeCluster } from '../helpers/serve-cluster.js';
import { killGroupAtTeardown } from '../helpers/stdio-bridge.js';
import { waitFor } from '../helpers/wait.js';
import { ALICE, BOB, connectAs, sharedConfig } from '../serve/shared-upstream/shared-serve.js';

useTeardown();

async function team(): Promise<ServeCluster> {
  const file = writeConfigFile(sharedConfig({ sessions: 'separate' }));
  return startServeCluster({ instances: 3, configFile: file, env: { ALICE_TOKEN: ALICE, BOB_TOKEN: BOB } });
}

/** The proxy's records from `from` on. */
const since = (cluster: ServeCluster, from: number) => cluster.proxy.requests.slice(from);

describe('2025-11-25 sessions behind a round-robin load balancer (three instances, one Redis)', () => {
  it('keep one session whole while its requests and its GET stream land on every instance', { timeout: 120_000 }, async () => {
    const cluster = await team();
    const from = cluster.proxy.requests.length;
    const alice = await connectAs(cluster, ALICE);
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) pids.add(await alice.pid());
    expect(pids.size).toBe(1); // one server process: the session's, on the instance that holds it
    // The server asks the client while a call runs; the client's answer is a POST of its own, on another instance.
    for (let i = 0; i < 3; i++) expect(await alice.call('sample', { prompt: `through ${i}` })).toContain(`sampled: through ${i}`);
    // A notification outside any request travels on the session's GET stream, whichever instance that reached.
    await alice.client.subscribeResource({ uri: 'test://a' });
    expect(await alice.call('touch', { uri: 'test://a' })).toBe('touched');
    await waitFor('resources/updated on the GET stream', () => alice.notifications.some((n) => n.method === 'notifications/resources/updated'), { timeoutMs: 15_000 });

    const requests = since(cluster, from);
    expect(new Set(requests.map((r) => r.backend))).toEqual(new Set([0, 1, 2]));
    expect(requests.some((r) => r.method === 'GET')).toBe(true);
    // Nothing was retried on another instance, nothing refused: relaying made every instance able to serve it.
    expect(requests.every((r) => r.tried.length === 1 && r.status !== undefined && r.status < 300)).toBe(true);
    const logs = cluster.instances.map((s) => s.stderr()).join('\n');
    expect(logs).not.toContain(ALICE);
  });

  it('lose only the calls in flight when the instance holding the session is killed; the session goes on under its id', { timeout: 120_000 }, async () => {
    const cluster = await team();
    const from = cluster.proxy.requests.length;
    const alice = await connectAs(cluster, ALICE);
    const holder = since(cluster, from)[0]!.backend!; // the instance that got the initialize opened the session
    const id = alice.transport.sessionId;
    const before = await alice.pid();

    // Three calls at once: their POSTs land on the three instances, so one is the holder's own and two are relayed.
    const mark = cluster.proxy.requests.length;
    const inFlight = [0, 1, 2].map((k) => alice.call('slow', { tag: `in flight ${k}`, ms: 4_000 }).then(() => undefined, (error: unknown) => error as { data?: { code?: string } }));
    await waitFor('the slow calls to reach the instances', () => since(cluster, mark).filter((r) => r.method === 'POST').length >= 3, { timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 500)); // let them reach the server: the kill lands mid-call
    expect(new Set(since(cluster, mark).filter((r) => r.method === 'POST').map((r) => r.backend))).toEqual(new Set([0, 1, 2]));
    await cluster.kill(holder);
    // Calls in flight are not left to their time-out: the client's resumption of each stream, wherever it lands, is
    // told that this request's answer is lost — whether its POST had reached the holder or was relayed to it.
    for (const lost of await Promise.all(inFlight)) expect(lost?.data?.code).toBe('STREAM_LOST');
    let failures = 0;

    let after: number | undefined;
    for (let attempt = 0; attempt < 3 && after === undefined; attempt++) {
      try {
        after = await alice.pid();
      } catch {
        failures++;
      }
    }
    expect(after).toBeDefined();
    expect(failures).toBe(0); // the calls in flight only: the next one already goes on
    expect(alice.transport.sessionId).toBe(id);
    expect(after).not.toBe(before); // a new process of the server, opened by the instance that took the session over
    expect(await alice.call('sample', { prompt: 'after the crash' })).toContain('sampled: after the crash');
    const survivors = cluster.instances.filter((_, i) => i !== holder).map((s) => s.stderr()).join('\n');
    expect(survivors).toMatch(/taken over from instance/);
    // From now on every request is served by the two instances left, each in turn.
    const later = cluster.proxy.requests.length;
    for (let i = 0; i < 4; i++) expect(await alice.pid()).toBe(after);
    expect(since(cluster, later).every((r) => r.backend !== holder && r.status! < 300)).toBe(true);
  });

  it("keep users apart: another user's session id is unknown on every instance, and each user has their own process", { timeout: 120_000 }, async () => {
    const cluster = await team();
    const alice = await connectAs(cluster, ALICE);
    const bob = await connectAs(cluster, BOB);
    const [alicePid, bobPid] = [await alice.pid(), await bob.pid()];
    expect(alicePid).not.toBe(bobPid);
    const from = cluster.proxy.requests.length;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${cluster.base}/servers/tool/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${BOB}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': alice.transport.sessionId!, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'pid', arguments: {} } }),
      });
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain(String(alicePid));
    }
    expect(new Set(since(cluster, from).map((r) => r.backend))).toEqual(new Set([0, 1, 2]));
    // And Bob's own session still reaches only his process, on every instance.
    for (let i = 0; i < 3; i++) expect(await bob.pid()).toBe(bobPid);
    for (let i = 0; i < 3; i++) expect(await alice.pid()).toBe(alicePid);
  });

  it('carry a legacy SSE session: its POSTs on other instances are relayed to the one whose stream the client reads', { timeout: 120_000 }, async () => {
    const cluster = await team();
    const headers = { authorization: `Bearer ${ALICE}` };
    const transport = new SSEClientTransport(new URL(`${cluster.base}/servers/tool/sse`), {
      requestInit: { headers },
      eventSourceInit: { fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
    });
    onTeardown(() => transport.close());
    const got: Array<Record<string, unknown>> = [];
    transport.onmessage = (message: JSONRPCMessage) => void got.push(message as unknown as Record<string, unknown>);
    const from = cluster.proxy.requests.length;
    await transport.start();
    const answer = async (id: number) => {
      await waitFor(`the answer to ${id}`, () => got.some((m) => m.id === id && !('method' in m)), { timeoutMs: 20_000 });
      return got.find((m) => m.id === id && !('method' in m))!;
    };
    await transport.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'legacy', version: '1' } } });
    await answer(1);
    await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const pids = new Set<string>();
    for (let id = 2; id < 8; id++) {
      await transport.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'pid', arguments: {} } });
      const result = (await answer(id)).result as { content: Array<{ text: string }> };
      pids.add(result.content[0]!.text);
    }
    for (const pid of pids) killGroupAtTeardown(Number(pid));
    expect(pids.size).toBe(1);
    const posts = since(cluster, from).filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(8);
    expect(new Set(posts.map((r) => r.backend))).toEqual(new Set([0, 1, 2]));
    expect(posts.every((r) => r.status === 202 && r.tried.length === 1)).toBe(true);
  });
});
