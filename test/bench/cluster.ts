/**
 * The cluster figures of `npm run bench` (`serve --store redis://…`, several instances on one Redis):
 *
 * 1. What the Redis store costs a forwarded call: two serve processes, one with `--store files` and one with
 *    `--store redis://…`, each in front of the same OAuth-protected server (a real OpenID provider, test/helpers/oidc)
 *    with one user logged in once through serve's login link; echo calls one at a time, alternating between the two
 *    call by call, p50 and p95 per call, and the Redis commands the calls cost (tokens are held in memory: a
 *    forwarded call should cost none).
 * 2. Throughput of 2 instances against 1, behind the tests' round-robin proxy (test/helpers/round-robin-proxy.ts, in
 *    this process), in front of the same local stdio server: 32 concurrent 2026-07-28 clients (stateless: every
 *    request may land on either instance, which works without any routing between instances; lean ones, raw-2026.ts,
 *    after a check with the SDK's 2.x client), then 32 2025-11-25 session clients (SDK 1.x: each request of a
 *    session lands on either instance, and the one that does not hold the session relays it through Redis);
 *    "1 instance" is the same proxy with the second instance marked down. Rounds alternate the two.
 * 3. What relaying costs a 2025-11-25 session's call: one session through the proxy with both instances up, echo
 *    calls one at a time, each attributed (by the proxy's record of its POST) to the instance holding the session
 *    or to the other one, which relays it.
 *
 * Every answer is checked; every wait is bounded; every process is registered with connections.ts.
 */
import { startAuthStack, type AuthStack } from '../helpers/oidc/index.js';
import { startRoundRobinProxy, type RoundRobinProxy } from '../helpers/round-robin-proxy.js';
import { logInThrough, startBenchRedis, startServeInstance, type BenchRedis } from './cluster-setup.js';
import { connectDirect2026, type Connection } from './connections.js';
import { connectHttp, type GatewayProcess, STDIO_SERVER } from './gateways.js';
import { readCpuMs } from './proc.js';
import { connectRaw2026 } from './raw-2026.js';
import { sequential } from './workload.js';

const TOKEN = 'bench-cluster-user-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const SEQ_WARM = 100;
/** Calls per store in part 1. */
const STORE_CALLS = 1_000;
const CLIENTS = 32;
/** Calls per throughput round, spread evenly over the clients. */
const TPUT_CALLS = 1_024;
const TPUT_ROUNDS = 3;
/** Calls of the one session in part 3. */
const RELAY_CALLS = 600;

/** The two stores part 1 compares. */
export const STORES = ['files', 'redis'] as const;
export type StoreKind = (typeof STORES)[number];
/** The two set-ups part 2 compares: instances behind the proxy. */
export const SCALES = [1, 2] as const;
export type Scale = (typeof SCALES)[number];

/**
 * The kinds of client part 2 drives. `2025-session`: SDK 1.x clients with a 2025-11-25 session each (initialize,
 * then every request with its `Mcp-Session-Id`), whose requests land on any instance (the other one relays).
 */
export type ClusterClientKind = '2026-stateless' | '2025-session';

/** Throughput of one kind of client at each scale. */
export interface ScaleThroughput {
  kind: ClusterClientKind;
  clients: number;
  /** Calls per second of each round, per scale. */
  callsPerSecond: Record<Scale, number[]>;
  /** CPU µs per call summed over the serve instances (their own processes), per scale. */
  cpuUsPerCall: Record<Scale, number>;
  /** CPU µs per call of the bench process (the clients and the proxy), per scale. */
  benchCpuUsPerCall: Record<Scale, number>;
  /** With 2 instances: the share of the proxy's requests each instance served. */
  share: number[];
}

/** Everything the cluster part measured. */
export interface ClusterResults {
  /** Part 1: sequential call latencies, ms, per store. */
  storeMs: Record<StoreKind, number[]>;
  /** Part 1: Redis commands per call on the Redis-backed instance (all clients of Redis counted). */
  redisCommandsPerCall: number;
  /** Part 2, one entry per client kind measured. */
  throughput: ScaleThroughput[];
  /** Part 3: sequential call latencies, ms, of one 2025-11-25 session's calls, by who served them. */
  relay: { heldMs: number[]; relayedMs: number[] };
  /** Last lines the serve processes wrote (they run with --silent: anything there is worth a look). */
  tails: string[];
}

/** Options for {@link benchCluster}. */
export interface ClusterBenchOptions {
  /** This bridge's entry script. */
  serveBin: string;
  log(text: string): void;
}

/** Part 1; see the module comment. */
async function storeOverhead(o: ClusterBenchOptions, redis: BenchRedis, running: GatewayProcess<string>[]): Promise<Pick<ClusterResults, 'storeMs' | 'redisCommandsPerCall'>> {
  let stack: AuthStack | undefined;
  const conns: Connection[] = [];
  try {
    stack = await startAuthStack({ teardown: 'manual' });
    const config = {
      mcpServers: { secure: { url: stack.server.url, allowHttp: true, authTimeout: '60s' } },
      serve: { auth: { tokens: [{ user: 'bench', token: '${BENCH_TOKEN}' }] } },
    };
    const serves = {} as Record<StoreKind, GatewayProcess<string>>;
    for (const store of STORES) {
      o.log(`store overhead: serve --store ${store} in front of an OAuth-protected server; logging in once through its login link …`);
      serves[store] = await startServeInstance({ serveBin: o.serveBin, config, store: store === 'files' ? 'files' : redis.url, env: { BENCH_TOKEN: TOKEN }, name: `serve-${store}` });
      running.push(serves[store]);
      const base = serves[store].url.replace(/\/mcp$/, '');
      await logInThrough(base, 'secure', TOKEN);
    }
    const conn = {} as Record<StoreKind, Connection>;
    for (const store of STORES) {
      conn[store] = await connectHttp(`serve --store ${store}`, serves[store].url.replace(/\/mcp$/, '/servers/secure/mcp'), AUTH);
      conns.push(conn[store]);
      await sequential(conn[store], SEQ_WARM, 'warm');
    }
    o.log(`store overhead: ${STORE_CALLS} echo calls per store, one at a time, alternating call by call …`);
    const storeMs: Record<StoreKind, number[]> = { files: [], redis: [] };
    const commandsBefore = await redis.commandsProcessed();
    for (let i = 0; i < STORE_CALLS; i++) {
      // Call by call, the order swapped every pair: a change of the machine's load falls on both alike.
      for (const store of i % 2 === 0 ? STORES : [...STORES].reverse()) storeMs[store].push(...(await sequential(conn[store], 1, `c${i}`)));
    }
    // INFO itself is a command: one of the difference is the second reading's own.
    const redisCommands = (await redis.commandsProcessed()) - commandsBefore - 1;
    return { storeMs, redisCommandsPerCall: redisCommands / STORE_CALLS };
  } finally {
    await Promise.allSettled(conns.map((c) => c.close()));
    await stack?.close().catch(() => undefined);
  }
}

/** Each of `conns` makes `perClient` sequential echo calls, all at once; returns calls per second. */
async function round(conns: readonly Connection[], perClient: number, tag: string): Promise<number> {
  const t0 = performance.now();
  await Promise.all(conns.map((c, i) => sequential(c, perClient, `${tag}-${i}`)));
  return (conns.length * perClient * 1000) / (performance.now() - t0);
}

/** Part 2 for one kind of client; see the module comment. */
async function scaleThroughput(o: ClusterBenchOptions, kind: ClusterClientKind, proxy: RoundRobinProxy, instances: GatewayProcess<string>[]): Promise<ScaleThroughput> {
  const out: ScaleThroughput = { kind, clients: CLIENTS, callsPerSecond: { 1: [], 2: [] }, cpuUsPerCall: { 1: Number.NaN, 2: Number.NaN }, benchCpuUsPerCall: { 1: Number.NaN, 2: Number.NaN }, share: [] };
  const url = `${proxy.url}/servers/echo/mcp`;
  const conns: Connection[] = [];
  const setScale = (scale: Scale) => (scale === 1 ? proxy.markDown(1) : proxy.markUp(1));
  try {
    o.log(`throughput: ${CLIENTS} ${kind} clients through the round-robin proxy …`);
    if (kind === '2026-stateless') {
      // The SDK's own 2.x client first, on each instance in turn, as a check that they serve it; then the lean ones.
      const sdk = (await connectDirect2026(url, 'cluster-sdk-client')).conn;
      await sequential(sdk, 4, 'sdk');
      await sdk.close();
    }
    for (let i = 0; i < CLIENTS; i++) conns.push(kind === '2026-stateless' ? connectRaw2026(url, `cluster-client-${i}`) : await connectHttp(`cluster ${kind}`, url));
    for (const scale of SCALES) {
      setScale(scale);
      await round(conns, 4, `warm${scale}`);
    }
    const perClient = Math.ceil(TPUT_CALLS / CLIENTS);
    const cpu: Record<Scale, number> = { 1: 0, 2: 0 };
    const benchCpu: Record<Scale, number> = { 1: 0, 2: 0 };
    const sharesFrom: number[] = [];
    for (let r = 0; r < TPUT_ROUNDS; r++) {
      for (const scale of r % 2 === 0 ? SCALES : [...SCALES].reverse()) {
        setScale(scale);
        o.log(`throughput: ${kind}, ${scale} instance${scale === 1 ? '' : 's'}, round ${r + 1} of ${TPUT_ROUNDS} …`);
        const cpuBefore = instances.reduce((sum, p) => sum + (readCpuMs(p.pid) ?? Number.NaN), 0);
        const benchBefore = process.cpuUsage();
        if (scale === 2) sharesFrom.push(proxy.requests.length);
        out.callsPerSecond[scale].push(await round(conns, perClient, `t${scale}-${r}`));
        if (scale === 2) sharesFrom.push(proxy.requests.length);
        cpu[scale] += instances.reduce((sum, p) => sum + (readCpuMs(p.pid) ?? Number.NaN), 0) - cpuBefore;
        const benchUsed = process.cpuUsage(benchBefore);
        benchCpu[scale] += (benchUsed.user + benchUsed.system) / 1000;
      }
    }
    const calls = TPUT_ROUNDS * CLIENTS * perClient;
    for (const scale of SCALES) {
      out.cpuUsPerCall[scale] = (cpu[scale] * 1000) / calls;
      out.benchCpuUsPerCall[scale] = (benchCpu[scale] * 1000) / calls;
    }
    const counts = instances.map(() => 0);
    for (let k = 0; k < sharesFrom.length; k += 2) {
      for (const request of proxy.requests.slice(sharesFrom[k], sharesFrom[k + 1])) if (request.backend !== undefined) counts[request.backend]!++;
    }
    const total = counts.reduce((a, b) => a + b, 0);
    out.share = counts.map((c) => c / total);
  } finally {
    setScale(2);
    await Promise.allSettled(conns.map((c) => c.close()));
  }
  return out;
}

/** Part 3; see the module comment. Both instances up. */
async function relayCost(o: ClusterBenchOptions, proxy: RoundRobinProxy): Promise<ClusterResults['relay']> {
  o.log(`relay: ${RELAY_CALLS} calls of one 2025-11-25 session, half of them relayed …`);
  const from = proxy.requests.length;
  const conn = await connectHttp('relay session', `${proxy.url}/servers/echo/mcp`);
  try {
    await sequential(conn, SEQ_WARM, 'relay-warm');
    // The instance that took the initialize holds the session.
    const holder = proxy.requests[from]?.backend;
    const mark = proxy.requests.length;
    const ms = await sequential(conn, RELAY_CALLS, 'relay');
    const posts = proxy.requests.slice(mark).filter((r) => r.method === 'POST');
    if (holder === undefined || posts.length !== ms.length) throw new Error(`relay: ${posts.length} POSTs recorded for ${ms.length} calls`);
    const out: ClusterResults['relay'] = { heldMs: [], relayedMs: [] };
    posts.forEach((post, i) => (post.backend === holder ? out.heldMs : out.relayedMs).push(ms[i]!));
    return out;
  } finally {
    await conn.close();
  }
}

/** Measures the cluster figures (see the module comment); starts and stops everything it needs. */
export async function benchCluster(o: ClusterBenchOptions): Promise<ClusterResults> {
  const running: GatewayProcess<string>[] = [];
  const tails: string[] = [];
  const stopAll = async () => {
    for (const p of running.splice(0)) {
      const tail = p.tail().trim();
      if (tail) tails.push(`${p.name}: ${tail.split('\n').slice(-3).join(' | ').slice(0, 300)}`);
      await p.stop();
    }
  };
  let redis: BenchRedis | undefined;
  let proxy: RoundRobinProxy | undefined;
  try {
    redis = await startBenchRedis();
    const overhead = await storeOverhead(o, redis, running);
    await stopAll();

    proxy = await startRoundRobinProxy({ teardown: 'manual' });
    const config = { mcpServers: { echo: { command: process.execPath, args: [STDIO_SERVER] } } };
    o.log('throughput: two serve instances on one Redis behind the round-robin proxy …');
    const instances: GatewayProcess<string>[] = [];
    for (let i = 0; i < 2; i++) {
      const serve = await startServeInstance({ serveBin: o.serveBin, config, store: redis.url, publicUrl: proxy.url, name: `serve-${i + 1}` });
      running.push(serve);
      instances.push(serve);
      proxy.setBackend(i, serve.url.replace(/\/mcp$/, ''));
    }
    const throughput = [await scaleThroughput(o, '2026-stateless', proxy, instances), await scaleThroughput(o, '2025-session', proxy, instances)];
    const relay = await relayCost(o, proxy);
    await stopAll();
    return { ...overhead, throughput, relay, tails };
  } finally {
    await stopAll().catch(() => undefined);
    await proxy?.close().catch(() => undefined);
    redis?.stop();
  }
}
