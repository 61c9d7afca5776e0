// 2025-11-25 sessions across `serve` instances on one Redis: every request of a session may reach any instance (the
// client here sends each HTTP request to the next instance in turn, as a round-robin load balancer does), and the
// session behaves as on one instance — one server process for it (the instance that opened it holds it; the others
// relay), server requests answered from another instance, user isolation — and survives its instance stopping.
import { describe, expect, it } from 'vitest';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { writeConfigFile } from '../../aggregate/aggregate-bridge.js';
import { tempDir } from '../../helpers/auth-bridge.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { createTestClient, type TestClient } from '../../helpers/client.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { killGroupAtTeardown } from '../../helpers/stdio-bridge.js';
import { withTimeout } from '../../helpers/wait.js';
import { startServe, textOf, type ServeProcess } from '../serve-process.js';
import { ALICE, BOB, sharedConfig } from '../shared-upstream/shared-serve.js';

useTeardown();

const KEYS = { MCP_STORE_KEYS: `k1:${Buffer.alloc(32, 21).toString('base64')}` };
const ENV = { ALICE_TOKEN: ALICE, BOB_TOKEN: BOB, ...KEYS };

async function startInstances(redis: TestRedis, count: number): Promise<ServeProcess[]> {
  const file = writeConfigFile(sharedConfig({ sessions: 'separate' }));
  const instances: ServeProcess[] = [];
  for (let i = 0; i < count; i++) instances.push(await startServe(['--config', file, '--config-dir', tempDir(), '--store', redis.url], ENV));
  return instances;
}

/** A client whose every HTTP request goes to the next live base of `bases()` in turn; `hits` counts them per base. */
interface RoundRobinClient extends TestClient {
  transport: StreamableHTTPClientTransport;
  hits: Map<string, number>;
  call(name: string, args?: Record<string, unknown>): Promise<string>;
}

async function connectRoundRobin(bases: () => string[], token: string): Promise<RoundRobinClient> {
  const test = createTestClient();
  const hits = new Map<string, number>();
  let next = 0;
  const fetchNext = (input: string | URL | Request, init?: RequestInit) => {
    const all = bases();
    const base = all[next++ % all.length]!;
    hits.set(base, (hits.get(base) ?? 0) + 1);
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    return fetch(`${base}${url.pathname}${url.search}`, init);
  };
  const transport = new StreamableHTTPClientTransport(new URL(`${bases()[0]}/servers/tool/mcp`), { fetch: fetchNext, requestInit: { headers: { authorization: `Bearer ${token}` } } });
  onTeardown(() => withTimeout('client close', test.client.close(), 10_000).catch(() => undefined));
  await withTimeout('connect through the instances', test.client.connect(transport), 20_000);
  const call = async (name: string, args: Record<string, unknown> = {}) => textOf(await test.client.callTool({ name, arguments: args }, undefined, { timeout: 15_000 }));
  return { ...test, transport, hits, call };
}

describe('2025-11-25 sessions across serve instances on one Redis', () => {
  it('one session, requests on alternating instances: one server process, server requests answered across instances', { timeout: 120_000 }, async () => {
    const redis = await startRedis();
    const [a, b] = await startInstances(redis, 2);
    const client = await connectRoundRobin(() => [a!.base, b!.base], ALICE);
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) pids.add(Number(await client.call('pid')));
    for (const pid of pids) killGroupAtTeardown(pid);
    expect(pids.size).toBe(1); // every call reached the same session's process
    expect(client.hits.get(a!.base)).toBeGreaterThan(2);
    expect(client.hits.get(b!.base)).toBeGreaterThan(2);
    // The server asks the client (sampling) while the tool call runs; the answer is POSTed to the other instance.
    for (let i = 0; i < 3; i++) expect(await client.call('sample', { prompt: `hello ${i}` })).toContain(`sampled: hello ${i}`);
    expect(a!.stderr() + b!.stderr()).not.toContain(ALICE);
  });

  it("another user's session id is unknown on every instance", { timeout: 120_000 }, async () => {
    const redis = await startRedis();
    const [a, b] = await startInstances(redis, 2);
    const alice = await connectRoundRobin(() => [a!.base], ALICE);
    killGroupAtTeardown(Number(await alice.call('pid')));
    const id = alice.transport.sessionId!;
    for (const base of [a!.base, b!.base]) {
      const res = await fetch(`${base}/servers/tool/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${BOB}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'pid', arguments: {} } }),
      });
      expect(res.status).toBe(404);
    }
    expect(b!.stderr()).toMatch(/refused user "bob" \(token\) a session of another user held by another instance/);
  });

  it('the route an instance learned is no way in for another user, and a session closed at its holder is unknown through it', { timeout: 120_000 }, async () => {
    const redis = await startRedis();
    const [a, b] = await startInstances(redis, 2);
    const alice = await connectRoundRobin(() => [a!.base, b!.base], ALICE);
    for (let i = 0; i < 4; i++) killGroupAtTeardown(Number(await alice.call('pid'))); // b relayed, and kept the route
    const id = alice.transport.sessionId!;
    const post = (token: string) =>
      fetch(`${b!.base}/servers/tool/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'pid', arguments: {} } }),
      });
    expect((await post(BOB)).status).toBe(404);
    // The session ends at the instance that holds it; b still has its route, and learns from the holder it is gone.
    const ended = await fetch(`${a!.base}/servers/tool/mcp`, { method: 'DELETE', headers: { authorization: `Bearer ${ALICE}`, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' } });
    expect(ended.status).toBe(200);
    const after = await post(ALICE);
    expect(after.status).toBe(404);
    expect(await after.text()).toContain('Session not found');
  });

  it('the instance holding a session is killed: the next call may fail once, then the session goes on elsewhere under the same id', { timeout: 120_000 }, async () => {
    const redis = await startRedis();
    const [a, b] = await startInstances(redis, 2);
    let bases = [a!.base, b!.base];
    const client = await connectRoundRobin(() => bases, ALICE);
    const before = Number(await client.call('pid'));
    killGroupAtTeardown(before);
    const id = client.transport.sessionId;
    a!.child.kill('SIGKILL'); // a held the session: it got the initialize
    bases = [b!.base];
    let failures = 0;
    let after: number | undefined;
    for (let i = 0; i < 3 && after === undefined; i++) {
      try {
        after = Number(await client.call('pid'));
      } catch {
        failures++;
      }
    }
    expect(after).toBeDefined();
    killGroupAtTeardown(after!);
    expect(failures).toBeLessThanOrEqual(1);
    expect(client.transport.sessionId).toBe(id);
    expect(after).not.toBe(before);
    expect(b!.stderr()).toMatch(/taken over from instance/);
    expect(await client.call('sample', { prompt: 'after' })).toContain('sampled: after');
  });

  it('an instance stopped gracefully hands its sessions over: no call fails', { timeout: 120_000 }, async () => {
    const redis = await startRedis();
    const [a, b] = await startInstances(redis, 2);
    let bases = [a!.base, b!.base];
    const client = await connectRoundRobin(() => bases, ALICE);
    killGroupAtTeardown(Number(await client.call('pid')));
    a!.child.kill('SIGTERM');
    await withTimeout('the instance to stop', a!.exited, 20_000);
    bases = [b!.base];
    const pid = Number(await client.call('pid'));
    killGroupAtTeardown(pid);
    expect(await client.call('sample', { prompt: 'handed over' })).toContain('sampled: handed over');
    expect(b!.stderr()).toMatch(/taken over from instance/);
  });
});
