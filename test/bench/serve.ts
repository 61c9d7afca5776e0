/**
 * The `serve` figures of `npm run bench` (issue 11): `mcp-auth-bridge serve` side by side with the two most used
 * packages that expose a stdio server over Streamable HTTP (`supergateway`, `mcp-proxy`), all three in front of the
 * same local stdio server (gateways.ts), measured in one run with the SDK 1.x client.
 *
 * 1. Per-call latency: sequential echo calls over one session through each gateway, and straight to the stdio
 *    server (the SDK client spawning it: the baseline of the overhead), in interleaved blocks whose order rotates;
 *    with the CPU each call costs the gateway's whole process tree.
 * 2. Per gateway, one at a time: memory per idle session (open N sessions, the process tree's PSS — children
 *    included — minus the tree's before any session, divided by N), then throughput with those N sessions each
 *    making calls at once; for N = 32, then 256 (the same sessions plus more).
 * 3. The same as 2 for serve with the server's entry marked `"sessions": "shared"` (one process for all of a
 *    user's sessions, kept apart by serve), after the three gateways.
 *
 * Every answer is checked (a broken gateway fails the run instead of looking fast); every loop and wait is bounded.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Connection } from './connections.js';
import { connectHttp, connectStdioDirect, GATEWAYS, type Gateway, type GatewayProcess, startGateway } from './gateways.js';
import { readCpuMs } from './proc.js';
import { processTree, treeCpuMs, treeMemory, type TreeMemory } from './proc-tree.js';
import { echo, sequential } from './workload.js';

/**
 * The ways the latency phase reaches the stdio server; `floor` reaches none: a bare HTTP server answers the calls
 * itself (http-floor-server.mjs), which is what the client and one HTTP exchange cost whatever the gateway; `relay`
 * is a bare HTTP server relaying each message to the stdio server and back as it came (stdio-relay-server.mjs): no
 * checks, no streams, no timers, what one HTTP exchange plus one stdio exchange cost in Node, under any gateway.
 */
export type ServePath = 'direct' | 'floor' | 'relay' | Gateway;
export const SERVE_PATHS: readonly ServePath[] = ['direct', 'floor', 'relay', ...GATEWAYS];
/** The reference processes measured beside the gateways in the latency phase. */
const REFERENCES = ['floor', 'relay'] as const;
type Reference = (typeof REFERENCES)[number];

const SEQ_WARM = 100;
const SEQ_BLOCKS = 10;
const SEQ_PER_BLOCK = 100;
/** Calls per throughput round, spread evenly over the sessions. */
const TPUT_CALLS = 2_048;
const TPUT_ROUNDS = 2;
/** Sessions opened at once while growing to N. */
const OPEN_BATCH = 16;
/** Bound on waiting for a gateway's process tree to stop changing. */
const SETTLE_TIMEOUT_MS = 15_000;

/** Memory of a gateway's tree with N idle sessions open. */
export interface IdleMemory {
  sessions: number;
  tree: TreeMemory | undefined;
}

/** What one gateway measured in part 2. */
export interface GatewayLoad {
  /** The tree before any session (after the latency session was closed). */
  baseline: TreeMemory | undefined;
  /** With N idle sessions open, for each N. */
  idle: IdleMemory[];
  /** Calls per second of each round, for each N (same order as `idle`). */
  throughput: number[][];
  /** CPU µs per call of those rounds, for each N: the gateway's own process, and its whole tree. */
  cpuUsPerCall: Array<{ own: number; tree: number }>;
}

/** Everything the serve part measured. */
export interface ServeResults {
  /** The session counts of part 2, ascending. */
  sessions: number[];
  /** Sequential echo latencies, ms. */
  sequentialMs: Record<ServePath, number[]>;
  /** CPU ms of the sequential calls: the gateway's tree (for `direct`, the stdio server), and how many calls. */
  sequentialCpuMs: Record<ServePath, number>;
  sequentialCalls: number;
  load: Record<Gateway, GatewayLoad>;
  /** serve's pid (its profile, under `--cpu-prof`, is named after it). */
  servePid: number;
  /** The order in which the gateways' load phases ran. */
  loadOrder: Gateway[];
  /** Last lines each gateway wrote (serve runs with --silent: anything there is worth a look). */
  tails: Record<Gateway, string>;
  /** Part 3: serve with `"sessions": "shared"` (undefined when not measured). */
  shared?: GatewayLoad;
}

/** Options for {@link benchServe}. */
export interface ServeBenchOptions {
  /** This bridge's entry script (bin/mcp-auth-bridge.js or BENCH_BRIDGE_BIN). */
  serveBin: string;
  /** Node flags for serve's process alone (e.g. `--cpu-prof`: it writes its profile when stopped). */
  serveNodeArgs?: string[];
  /** Session counts for part 2 (default 32 and 256). */
  sessions?: number[];
  log(text: string): void;
}

/** Waits (bounded) until the tree of `pid` has had the same process count for a second; returns its memory. */
async function settled(pid: number): Promise<TreeMemory | undefined> {
  const until = performance.now() + SETTLE_TIMEOUT_MS;
  let last = -1;
  let stableSince = performance.now();
  while (performance.now() < until) {
    const count = processTree(pid).length;
    if (count !== last) {
      last = count;
      stableSince = performance.now();
    } else if (performance.now() - stableSince >= 1_000) break;
    await sleep(200);
  }
  return treeMemory(pid);
}

/** Each of `conns` makes `perSession` sequential echo calls, all sessions at once; returns the elapsed ms. */
async function allAtOnce(conns: readonly Connection[], perSession: number, tag: string): Promise<number> {
  const t0 = performance.now();
  await Promise.all(conns.map((c, s) => sequential(c, perSession, `${tag}-${s}`)));
  return performance.now() - t0;
}

async function latency(o: ServeBenchOptions, gateways: Record<Gateway | Reference, GatewayProcess>): Promise<Pick<ServeResults, 'sequentialMs' | 'sequentialCpuMs' | 'sequentialCalls'>> {
  o.log(`latency: ${SEQ_BLOCKS} blocks of ${SEQ_PER_BLOCK} sequential echo calls per path (${SERVE_PATHS.join(', ')}), order rotating …`);
  const direct = await connectStdioDirect();
  const conns = { direct } as Record<ServePath, Connection>;
  for (const g of [...GATEWAYS, ...REFERENCES]) conns[g] = await connectHttp(g, gateways[g].url);
  const cpuOf = (path: ServePath) => (path === 'direct' ? (direct.pid ? readCpuMs(direct.pid) : undefined) : treeCpuMs(gateways[path].pid));
  for (const path of SERVE_PATHS) await sequential(conns[path], SEQ_WARM, 'warm');
  const sequentialMs = Object.fromEntries(SERVE_PATHS.map((p) => [p, [] as number[]])) as Record<ServePath, number[]>;
  const sequentialCpuMs = Object.fromEntries(SERVE_PATHS.map((p) => [p, 0])) as Record<ServePath, number>;
  for (let b = 0; b < SEQ_BLOCKS; b++) {
    const order = SERVE_PATHS.map((_, i) => SERVE_PATHS[(i + b) % SERVE_PATHS.length]!);
    for (const path of order) {
      const before = cpuOf(path);
      sequentialMs[path].push(...(await sequential(conns[path], SEQ_PER_BLOCK, `b${b}`)));
      const after = cpuOf(path);
      if (before !== undefined && after !== undefined) sequentialCpuMs[path] += after - before;
    }
  }
  for (const path of SERVE_PATHS) await conns[path].close();
  return { sequentialMs, sequentialCpuMs, sequentialCalls: SEQ_BLOCKS * SEQ_PER_BLOCK };
}

/** Part 2 for one gateway: grows to each N of `sessions`, measuring idle memory and then throughput. */
async function load(o: ServeBenchOptions, gateway: GatewayProcess, sessions: readonly number[]): Promise<GatewayLoad> {
  const baseline = await settled(gateway.pid);
  const conns: Connection[] = [];
  const out: GatewayLoad = { baseline, idle: [], throughput: [], cpuUsPerCall: [] };
  try {
    for (const n of sessions) {
      o.log(`${gateway.name}: opening sessions up to ${n} …`);
      while (conns.length < n) {
        const batch = Math.min(OPEN_BATCH, n - conns.length);
        conns.push(...(await Promise.all(Array.from({ length: batch }, () => connectHttp(gateway.name, gateway.url)))));
      }
      out.idle.push({ sessions: n, tree: await settled(gateway.pid) });
      const perSession = Math.max(1, Math.ceil(TPUT_CALLS / n));
      o.log(`${gateway.name}: ${n} sessions × ${perSession} echo calls at once, ${TPUT_ROUNDS} rounds (after one warm call each) …`);
      await Promise.all(conns.map((c, s) => echo(c, `warm-${s}`)));
      const rounds: number[] = [];
      const before = { own: readCpuMs(gateway.pid) ?? Number.NaN, tree: treeCpuMs(gateway.pid) ?? Number.NaN };
      for (let r = 0; r < TPUT_ROUNDS; r++) rounds.push((n * perSession * 1000) / (await allAtOnce(conns, perSession, `t${n}-${r}`)));
      const calls = TPUT_ROUNDS * n * perSession;
      out.throughput.push(rounds);
      out.cpuUsPerCall.push({
        own: ((readCpuMs(gateway.pid) ?? Number.NaN) - before.own) * (1000 / calls),
        tree: ((treeCpuMs(gateway.pid) ?? Number.NaN) - before.tree) * (1000 / calls),
      });
    }
  } finally {
    for (let i = 0; i < conns.length; i += OPEN_BATCH) await Promise.all(conns.slice(i, i + OPEN_BATCH).map((c) => c.close()));
  }
  return out;
}

/**
 * Measures the serve figures (see the module comment). Starts and stops the three gateways; on a run cut short,
 * connections.ts's killAll kills their process groups.
 */
export async function benchServe(o: ServeBenchOptions): Promise<ServeResults> {
  const sessions = [...(o.sessions ?? [32, 256])].sort((a, b) => a - b);
  const running: GatewayProcess[] = [];
  try {
    o.log(`starting ${GATEWAYS.join(', ')} in front of the same stdio server, the HTTP floor and the stdio relay …`);
    for (const g of [...GATEWAYS, ...REFERENCES]) running.push(await startGateway(g, o.serveBin, g === 'serve' ? o.serveNodeArgs : []));
    const gateways = Object.fromEntries(running.map((g) => [g.name, g])) as Record<Gateway | Reference, GatewayProcess>;
    const seq = await latency(o, gateways);
    for (const g of REFERENCES) await gateways[g].stop();
    const loads = {} as Record<Gateway, GatewayLoad>;
    const tails = {} as Record<Gateway, string>;
    // The load phases run one gateway at a time: the order rotates from run to run, so none is always first.
    const first = Math.floor(Date.now() / 1000) % GATEWAYS.length;
    const order = GATEWAYS.map((_, i) => GATEWAYS[(i + first) % GATEWAYS.length]!);
    for (const g of order) {
      loads[g] = await load(o, gateways[g], sessions);
      tails[g] = gateways[g].tail();
      await gateways[g].stop();
    }
    const shared = await startGateway('serve-shared', o.serveBin);
    running.push(shared);
    const sharedLoad = await load(o, shared, sessions);
    await shared.stop();
    return { sessions, ...seq, load: loads, servePid: gateways.serve.pid, loadOrder: order, tails, shared: sharedLoad };
  } finally {
    await Promise.allSettled(running.map((g) => g.stop()));
  }
}
