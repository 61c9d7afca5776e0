/**
 * `npm run bench`: how much the bridge costs compared with a direct SDK connection to the same local Streamable
 * HTTP server, measured in one run with direct and bridge phases interleaved (these machines are noisy; see
 * TESTING.md, Timing). A report, not a test: it prints a table with ✓/✗ against the targets and exits 0 whether or
 * not they are met (1 only when it could not measure, e.g. a timeout; 130 when interrupted). Writes no files into
 * the repo. Needs the bundle (`npm run build`, which the npm script runs first).
 *
 * Environment:
 * - BENCH_CPU_PROF=1: profile the bridge with `node --cpu-prof` (one extra, unmeasured start-up, and the long-lived
 *   child; in the serve part, the serve process) into BENCH_PROF_DIR (default /tmp/prof), sampling every
 *   BENCH_CPU_PROF_INTERVAL µs (default 250), and print a summary of the profiles; `test/bench/cpuprofile.ts` summarises or drills into a profile on its own.
 * - BENCH_JSON_RESPONSE=1: the server answers POSTs with plain JSON instead of an SSE stream.
 * - BENCH_BRIDGE_NODE_ARGS: extra node flags for every bridge child, space-separated (e.g. `--max-semi-space-size=1`).
 * - BENCH_BRIDGE_BIN: a script to run in place of bin/mcp-auth-bridge.js, with the same arguments (an experimental
 *   build outside the repo, to measure a change before making it).
 * - BENCH_PROTOCOL=2026-07-28: the server is a 2026-07-28 one (the SDK 2.x `createMcpHandler`, modern-only,
 *   test/helpers/server-2026.ts) and the direct client the SDK 2.x client pinned to that era; the bridge detects
 *   the era on its first start and remembers it, so the measured starts are the remembered path.
 * - BENCH_ONLY=aggregate: only the `--config` part (one bridge fronting 10 servers vs single bridges: memory,
 *   tools/list across servers, per-call overhead; test/bench/aggregate.ts, always Streamable HTTP 2025-11-25 servers,
 *   whatever BENCH_PROTOCOL and BENCH_JSON_RESPONSE say); BENCH_ONLY=single: only the single-bridge part above.
 *   BENCH_ONLY=serve: only `serve` beside supergateway and mcp-proxy, in front of the same stdio server (per-call
 *   overhead vs the server straight over stdio, throughput at 32 and 256 sessions, memory per idle session;
 *   test/bench/serve.ts; BENCH_SERVE_SESSIONS=32,256 changes the session counts). BENCH_ONLY=cluster: only
 *   `serve --store redis://…` (test/bench/cluster.ts, under a minute; needs redis-server): the Redis store's cost per
 *   forwarded call against files, in front of an OAuth-protected server, and 2 instances' throughput against 1
 *   behind a round-robin proxy with 32 concurrent 2026-07-28 clients and 32 2025-11-25 session clients (whose
 *   requests the instance not holding the session relays), and what relaying costs one session's call. Unset: all
 *   four, in that order.
 * - BENCH_DEADLINE_MS: hard limit on the whole run (default 150000, plus 600000 with the serve part and 120000
 *   with the cluster part); children and
 *   gateways' process groups are killed when it passes.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStreamableServer } from '../helpers/servers.js';
import { startServer2026 } from '../helpers/server-2026.js';
import { type BridgeSpawnOptions, closeAll, connectBridge, connectDirect, connectDirect2026, killAll, type Mode, type Timed } from './connections.js';
import { benchAggregate } from './aggregate.js';
import { renderAggregateReport } from './aggregate-report.js';
import { benchServe } from './serve.js';
import { renderServeReport } from './serve-report.js';
import { benchCluster } from './cluster.js';
import { renderClusterReport } from './cluster-report.js';
import { summariseProfile } from './cpuprofile.js';
import { readMemory } from './proc.js';
import { renderReport, type Results } from './report.js';
import { fmt } from './stats.js';
import { big, concurrent, newTally, nodeStartFloor, sequential, tallyCpu } from './workload.js';

const REPO_BIN = fileURLToPath(new URL('../../bin/mcp-auth-bridge.js', import.meta.url));

const SPAWN_RUNS = 10;
const SEQ_CALLS = 500;
const SEQ_BLOCKS = 5;
const TPUT_CALLS = 2_000;
const TPUT_IN_FLIGHT = 32;
const TPUT_ROUNDS = 3;
const BIG_BYTES = 1_048_576;
// Enough runs for a stable median on a shared 2-core machine (with 10, the ratio swung between 0.9× and 1.9×).
const BIG_RUNS = 40;

const env = process.env;
const PROFILE = env.BENCH_CPU_PROF === '1';
const PROF_DIR = env.BENCH_PROF_DIR ?? '/tmp/prof';
const PROF_INTERVAL_US = Number(env.BENCH_CPU_PROF_INTERVAL ?? 250);
const JSON_RESPONSE = env.BENCH_JSON_RESPONSE === '1';
const ONLY = env.BENCH_ONLY ?? '';
const PARTS = {
  single: ONLY === '' || ONLY === 'single',
  aggregate: ONLY === '' || ONLY === 'aggregate',
  serve: ONLY === '' || ONLY === 'serve',
  cluster: ONLY === '' || ONLY === 'cluster',
};
const DEADLINE_MS = Number(env.BENCH_DEADLINE_MS ?? 150_000 + (PARTS.serve ? 600_000 : 0) + (PARTS.cluster ? 120_000 : 0));
const SERVE_SESSIONS = (env.BENCH_SERVE_SESSIONS ?? '32,256').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
const BRIDGE_NODE_ARGS = (env.BENCH_BRIDGE_NODE_ARGS ?? '').split(' ').filter(Boolean);
const BIN_PATH = env.BENCH_BRIDGE_BIN || REPO_BIN;
const MODERN = env.BENCH_PROTOCOL === '2026-07-28';

const SPAWN: BridgeSpawnOptions = { binPath: BIN_PATH, nodeArgs: BRIDGE_NODE_ARGS };
const PROFILED: BridgeSpawnOptions = { ...SPAWN, cpuProfile: { dir: PROF_DIR, intervalUs: PROF_INTERVAL_US } };

/**
 * Node warnings of this process, counted instead of printed: undici adds an abort listener per fetch to the SDK
 * transport's long-lived signal and drops it only at GC, so a few thousand direct calls print one
 * MaxListenersExceededWarning per call and drown the report. The count is in the notes.
 */
const suppressedWarnings = new Map<string, number>();
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const name = typeof warning === 'string' ? (typeof rest[0] === 'string' ? rest[0] : 'Warning') : warning.name;
  if (name === 'MaxListenersExceededWarning') {
    suppressedWarnings.set(name, (suppressedWarnings.get(name) ?? 0) + 1);
    return;
  }
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Alternates which mode goes first, so neither always runs on a warmer (or busier) machine. */
function order(round: number): Mode[] {
  return round % 2 === 0 ? ['direct', 'bridge'] : ['bridge', 'direct'];
}

function connect(mode: Mode, url: string): Promise<Timed> {
  if (mode === 'bridge') return connectBridge(url, SPAWN);
  return MODERN ? connectDirect2026(url) : connectDirect(url);
}

function profileOf(pid: number, since: number): string | undefined {
  let best: { path: string; mtime: number } | undefined;
  for (const name of readdirSync(PROF_DIR)) {
    if (!name.endsWith('.cpuprofile') || !name.includes(`.${pid}.`)) continue;
    const path = join(PROF_DIR, name);
    const mtime = statSync(path).mtimeMs;
    if (mtime >= since - 1_000 && (!best || mtime > best.mtime)) best = { path, mtime };
  }
  return best?.path;
}

/** Prints the summary of the profile a (now closed) child `pid` wrote; waits briefly for the file. */
async function printProfile(title: string, pid: number, since: number, top: number): Promise<void> {
  let path: string | undefined;
  for (let i = 0; i < 50 && !(path = profileOf(pid, since)); i++) await sleep(100);
  console.log('');
  console.log(`── ${title} ${'─'.repeat(Math.max(0, 100 - title.length))}`);
  console.log(path ? summariseProfile(path, { top }) : `no .cpuprofile for pid ${pid} appeared in ${PROF_DIR}`);
}

/** The server under test: its endpoint and how to stop it. */
interface BenchServer {
  url: string;
  close(): Promise<void>;
}

async function bench(server: BenchServer): Promise<void> {
  const url = server.url;

  // ── 1. spawn → initialize ──────────────────────────────────────────────────────────────────────────
  log('spawn → initialize: warm-up, then runs alternating direct/bridge …');
  const nodeFloorMs = await nodeStartFloor(5);
  for (const mode of order(0)) {
    const { conn } = await connect(mode, url);
    await sequential(conn, 1, 'warm');
    await conn.close();
  }
  const spawnMs: Record<Mode, number[]> = { direct: [], bridge: [] };
  for (let i = 0; i < SPAWN_RUNS; i++) {
    for (const mode of order(i)) {
      const { conn, ms } = await connect(mode, url);
      spawnMs[mode].push(ms);
      await conn.close();
    }
  }
  let startupProfile: { pid: number; since: number } | undefined;
  if (PROFILE) {
    const since = Date.now();
    const { conn } = await connectBridge(url, PROFILED);
    if (conn.pid) startupProfile = { pid: conn.pid, since };
    await conn.close();
  }

  // ── long-lived connections for everything else ────────────────────────────────────────────────────
  const direct = (await connect('direct', url)).conn;
  const profileSince = Date.now();
  const bridge = (await connectBridge(url, PROFILE ? PROFILED : SPAWN)).conn;
  const conns: Record<Mode, typeof direct> = { direct, bridge };
  const memoryByPhase: string[] = [];
  const notePhase = (phase: string) => {
    const m = bridge.pid ? readMemory(bridge.pid) : undefined;
    memoryByPhase.push(`${phase} ${fmt(m?.rssMb, 0)}/${fmt(m?.peakRssMb, 0)}`);
  };
  notePhase('connected');
  log('warming up both connections …');
  for (const conn of [direct, bridge, direct, bridge]) {
    await sequential(conn, 150, 'warm');
    await concurrent(conn, 300, TPUT_IN_FLIGHT);
    await big(conn, BIG_BYTES);
  }
  notePhase('warm-up');

  // ── 2. sequential latency ─────────────────────────────────────────────────────────────────────────
  log(`${SEQ_CALLS} sequential echo calls per mode, in ${SEQ_BLOCKS} interleaved blocks …`);
  const sequentialMs: Record<Mode, number[]> = { direct: [], bridge: [] };
  const sequentialCpu = { direct: newTally(), bridge: newTally() };
  const perBlock = SEQ_CALLS / SEQ_BLOCKS;
  for (let b = 0; b < SEQ_BLOCKS; b++) {
    for (const mode of order(b)) {
      const samples = await tallyCpu(sequentialCpu[mode], conns[mode], perBlock, () => sequential(conns[mode], perBlock, `s${b}`));
      sequentialMs[mode].push(...samples);
    }
  }
  notePhase('sequential');

  // ── 3. throughput ─────────────────────────────────────────────────────────────────────────────────
  log(`${TPUT_CALLS} echo calls with ${TPUT_IN_FLIGHT} in flight, ${TPUT_ROUNDS} rounds per mode …`);
  const throughput: Record<Mode, number[]> = { direct: [], bridge: [] };
  const throughputCpu = { direct: newTally(), bridge: newTally() };
  for (let r = 0; r < TPUT_ROUNDS; r++) {
    for (const mode of order(r)) {
      const ms = await tallyCpu(throughputCpu[mode], conns[mode], TPUT_CALLS, () => concurrent(conns[mode], TPUT_CALLS, TPUT_IN_FLIGHT));
      throughput[mode].push((TPUT_CALLS * 1000) / ms);
    }
  }
  notePhase('throughput');

  // ── 4. one large result ───────────────────────────────────────────────────────────────────────────
  log(`${BIG_RUNS} × big(${BIG_BYTES}) per mode, alternating …`);
  const bigMs: Record<Mode, number[]> = { direct: [], bridge: [] };
  for (let i = 0; i < BIG_RUNS; i++) {
    for (const mode of order(i)) {
      const t0 = performance.now();
      await big(conns[mode], BIG_BYTES);
      bigMs[mode].push(performance.now() - t0);
    }
  }
  notePhase('1 MiB');

  // ── 5. the bridge child's peak RSS, read before it exits ──────────────────────────────────────────
  const results: Results = {
    spawnMs,
    nodeFloorMs,
    sequentialMs,
    sequentialCpu,
    throughput,
    throughputCpu,
    inFlight: TPUT_IN_FLIGHT,
    bigMs,
    bridgeMemory: bridge.pid ? readMemory(bridge.pid) : undefined,
    memoryByPhase,
    selfRssMb: process.memoryUsage().rss / 1_048_576,
    bridgeStderrLines: bridge.stderrLines(),
    bridgeStderrHead: bridge.stderrHead(),
    suppressedWarnings,
  };
  await direct.close();
  await bridge.close();

  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  const heading = [
    `mcp-auth-bridge bench · node ${process.version} · ${cpus().length} cores · load ${load}`,
    `server: ${MODERN ? 'MCP 2026-07-28 (SDK 2.x createMcpHandler), direct client: SDK 2.x' : 'Streamable HTTP'}, ${JSON_RESPONSE ? 'JSON' : MODERN ? 'JSON or SSE (auto)' : 'SSE'} responses`,
    ...(PROFILE ? ['bridge under --cpu-prof (slower)'] : []),
    ...(BRIDGE_NODE_ARGS.length ? [`bridge node flags: ${BRIDGE_NODE_ARGS.join(' ')}`] : []),
    ...(BIN_PATH !== REPO_BIN ? [`bridge: ${BIN_PATH}`] : []),
  ].join(' · ');
  console.log(renderReport(results, heading));

  if (startupProfile) await printProfile('bridge start-up (spawn → initialize → close)', startupProfile.pid, startupProfile.since, 15);
  if (PROFILE && bridge.pid) await printProfile('long-lived bridge (warm-up, latency, throughput, 1 MiB)', bridge.pid, profileSince, 30);
}

async function main(): Promise<number> {
  const watchdog = setTimeout(() => {
    log(`bench: deadline of ${DEADLINE_MS} ms passed; killing children and exiting`);
    killAll();
    process.exit(1);
  }, DEADLINE_MS);
  watchdog.unref();
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('bench: interrupted; closing clients and children');
    void closeAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let server: BenchServer | undefined;
  try {
    if (!Object.values(PARTS).some(Boolean)) throw new Error(`BENCH_ONLY=${ONLY}: use single, aggregate, serve or cluster`);
    if (PARTS.single) {
      server = MODERN
        ? await startServer2026({ variant: 'modern-only', ...(JSON_RESPONSE ? { responseMode: 'json' as const } : {}) })
        : await startStreamableServer({ jsonResponse: JSON_RESPONSE });
      await bench(server);
    }
    if (PARTS.aggregate) {
      const results = await benchAggregate({ spawn: SPAWN, log });
      const load = loadavg().map((l) => l.toFixed(2)).join(' ');
      console.log(renderAggregateReport(results, `--config: one bridge fronting ${results.servers} Streamable HTTP servers · load ${load}`));
    }
    if (PARTS.serve) {
      const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
      const profileSince = Date.now();
      const serveNodeArgs = [...BRIDGE_NODE_ARGS];
      if (PROFILE) {
        mkdirSync(PROF_DIR, { recursive: true });
        serveNodeArgs.push('--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`, `--cpu-prof-interval=${PROF_INTERVAL_US}`);
      }
      const results = await benchServe({ serveBin: BIN_PATH, serveNodeArgs, sessions: SERVE_SESSIONS, log });
      const load = loadavg().map((l) => l.toFixed(2)).join(' ');
      console.log(
        renderServeReport(
          results,
          `serve vs supergateway vs mcp-proxy, same stdio server · node ${process.version} · ${cpus().length} cores · load ${loadBefore} → ${load}${PROFILE ? ' · serve under --cpu-prof (slower)' : ''}`,
        ),
      );
      if (PROFILE) await printProfile('serve (latency, idle sessions, throughput)', results.servePid, profileSince, 30);
    }
    if (PARTS.cluster) {
      const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
      const results = await benchCluster({ serveBin: BIN_PATH, log });
      const load = loadavg().map((l) => l.toFixed(2)).join(' ');
      console.log(renderClusterReport(results, `serve --store redis://…: the store's cost per call, and 2 instances vs 1 behind a round-robin proxy · node ${process.version} · ${cpus().length} cores · load ${loadBefore} → ${load}`, cpus().length));
    }
    return 0;
  } catch (error) {
    if (interrupted) return 130;
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    await closeAll();
    await server?.close().catch(() => undefined);
    clearTimeout(watchdog);
  }
}

// Exit explicitly: keep-alive sockets of the global fetch must not hold the run open.
process.exit(await main());
