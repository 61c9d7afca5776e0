/**
 * The `--config` figures of `npm run bench` (issue 10): what one bridge fronting ten servers costs compared with
 * single bridges, measured in one run against local Streamable HTTP servers of this process.
 *
 * 1. Memory: one `--config` bridge over 10 servers vs 10 single bridges (one per server) vs one single bridge, each
 *    after the same workload (connected, tools/list, one echo call to each of its servers).
 * 2. tools/list across 10 servers whose lists take 10, 30, …, 190 ms: the aggregate's median vs the slowest
 *    server's own list time (SDK client straight to it) and vs the sum over all servers.
 * 3. Per-call overhead: sequential echo calls to one server through the aggregate vs through a single bridge.
 *
 * Every answer is checked (a broken aggregate fails the run instead of looking fast); every loop and wait is bounded.
 * Connections are registered in connections.ts, so its closeAll / killAll leave no child behind.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startStreamableServer, type StreamableServer } from '../helpers/servers.js';
import { type BridgeSpawnOptions, type Connection, connectBridge, connectBridgeWith, connectDirect, scratchDir, withTimeout } from './connections.js';
import { readMemory, type ProcMemory } from './proc.js';
import { median } from './stats.js';
import { type CpuTally, echo, newTally, sequential, tallyCpu } from './workload.js';

/** How many servers the aggregate fronts. */
const SERVERS = 10;
/** tools/list delay of server i: 10, 30, …, 190 ms. */
const listDelayMs = (i: number) => 10 + 20 * i;
const LIST_ROUNDS = 20;
/** Lists per server for the sum of the servers' own list times. */
const LIST_ROUNDS_EACH = 3;
const OVERHEAD_CALLS = 1_000;
const OVERHEAD_BLOCKS = 10;
const OVERHEAD_WARM = 100;
/** Bound on waiting until every server of an aggregate is listed. */
const READY_TIMEOUT_MS = 30_000;
const LIST_TIMEOUT_MS = 15_000;

/** The ways the per-call phase reaches the server. */
export type CallPath = 'direct' | 'single' | 'aggregate';

/** Everything the aggregate part measured. */
export interface AggregateResults {
  servers: number;
  memory: {
    /** The one `--config` bridge over all servers. */
    aggregate: ProcMemory | undefined;
    /** Each single bridge, one per server. */
    singles: Array<ProcMemory | undefined>;
    /** The `--config` bridge again after the per-call phase (informational). */
    aggregateAfterCalls: ProcMemory | undefined;
  };
  list: {
    /** The delay each server's tools/list handler waits, ms. */
    delaysMs: number[];
    /** tools/list through the aggregate, ms per round. */
    aggregateMs: number[];
    /** tools/list of the slowest server, straight to it, ms per round. */
    slowestMs: number[];
    /** Median of each server's own tools/list, straight to it, ms. */
    eachMedianMs: number[];
  };
  /** Sequential echo latencies, ms, to the same server. */
  callsMs: Record<CallPath, number[]>;
  /** CPU time those calls cost this process and each bridge child (for `direct`, this process only). */
  callsCpu: Record<CallPath, CpuTally>;
  /** Lines the aggregate bridges (--silent) wrote to stderr, and the first of them. */
  stderr: { lines: number; head: string };
}

/** Options for {@link benchAggregate}. */
export interface AggregateBenchOptions {
  spawn: BridgeSpawnOptions;
  /** Progress lines (stderr). */
  log(text: string): void;
}

/** A server of the list phase: its tools/list waits `delayMs`, then lists `echo`, which it answers. */
function delayedListServer(delayMs: number): () => McpServer {
  return () => {
    const mcp = new McpServer({ name: `list-${delayMs}ms`, version: '1.0.0' }, { capabilities: { tools: {} } });
    mcp.server.setRequestHandler(ListToolsRequestSchema, async () => {
      await sleep(delayMs);
      return { tools: [{ name: 'echo', inputSchema: { type: 'object' as const, properties: { text: { type: 'string' } } } }] };
    });
    mcp.server.setRequestHandler(CallToolRequestSchema, async (request) => ({
      content: [{ type: 'text' as const, text: String(request.params.arguments?.text ?? '') }],
    }));
    return mcp;
  };
}

/** Writes a configuration file naming each server `s<i>` (no auth, plain http on loopback); returns its path. */
function writeConfig(name: string, servers: readonly StreamableServer[]): string {
  const mcpServers = Object.fromEntries(servers.map((s, i) => [`s${i}`, { url: s.url, auth: 'none', allowHttp: true }]));
  const path = join(scratchDir(), name);
  writeFileSync(path, JSON.stringify({ mcpServers }, null, 2));
  return path;
}

/** tools/list on `conn`, bounded; returns the tool names. */
async function toolNames(conn: Connection): Promise<string[]> {
  const { tools } = await withTimeout(`${conn.mode} tools/list`, conn.client.listTools(), LIST_TIMEOUT_MS);
  return tools.map((t) => t.name);
}

/**
 * Spawns a `--config` bridge for `file` and lists until the echo tool of every one of `count` servers is there
 * (servers may join after initialize); bounded by {@link READY_TIMEOUT_MS}.
 */
async function connectAggregate(file: string, count: number, spawn: BridgeSpawnOptions): Promise<Connection> {
  const { conn } = await connectBridgeWith(['--config', file], spawn);
  const wanted = Array.from({ length: count }, (_, i) => `s${i}__echo`);
  const until = performance.now() + READY_TIMEOUT_MS;
  let missing = wanted;
  while (performance.now() < until) {
    const names = new Set(await toolNames(conn));
    missing = wanted.filter((n) => !names.has(n));
    if (missing.length === 0) return conn;
    await sleep(100);
  }
  throw new Error(`the --config bridge did not list ${missing.join(', ')} within ${READY_TIMEOUT_MS} ms`);
}

/** Runs `run` for each of `paths` in an order that alternates with `round`, so neither always goes first. */
async function alternate<P>(round: number, paths: readonly P[], run: (path: P) => Promise<void>): Promise<void> {
  const ordered = round % 2 === 0 ? paths : [...paths].reverse();
  for (const path of ordered) await run(path);
}

async function memoryAndCalls(o: AggregateBenchOptions, servers: StreamableServer[]): Promise<Pick<AggregateResults, 'memory' | 'callsMs' | 'callsCpu'> & { aggregate: Connection }> {
  o.log(`--config bridge over ${SERVERS} servers: connect, tools/list, one echo call to each …`);
  const aggregate = await connectAggregate(writeConfig('memory.json', servers), SERVERS, o.spawn);
  for (let i = 0; i < SERVERS; i++) await echo(aggregate, `agg-${i}`, `s${i}__echo`);
  const aggregateMemory = aggregate.pid ? readMemory(aggregate.pid) : undefined;

  o.log(`${SERVERS} single bridges, one per server: connect, tools/list, one echo call each …`);
  const singles: Connection[] = [];
  for (const server of servers) {
    const { conn } = await connectBridge(server.url, o.spawn);
    singles.push(conn);
    if (!(await toolNames(conn)).includes('echo')) throw new Error(`a single bridge to ${server.url} did not list echo`);
    await echo(conn, 'single');
  }
  const singleMemory = singles.map((c) => (c.pid ? readMemory(c.pid) : undefined));
  for (const conn of singles.slice(1)) await conn.close();

  o.log(`${OVERHEAD_CALLS} sequential echo calls to s0 per path (direct, single bridge, --config bridge), interleaved …`);
  const single = singles[0]!;
  const direct = (await connectDirect(servers[0]!.url)).conn;
  const tools: Record<CallPath, [Connection, string]> = { direct: [direct, 'echo'], single: [single, 'echo'], aggregate: [aggregate, 's0__echo'] };
  const paths: CallPath[] = ['direct', 'single', 'aggregate'];
  for (const path of paths) await sequential(tools[path][0], OVERHEAD_WARM, 'warm', tools[path][1]);
  const callsMs: Record<CallPath, number[]> = { direct: [], single: [], aggregate: [] };
  const callsCpu: Record<CallPath, CpuTally> = { direct: newTally(), single: newTally(), aggregate: newTally() };
  const perBlock = OVERHEAD_CALLS / OVERHEAD_BLOCKS;
  for (let b = 0; b < OVERHEAD_BLOCKS; b++) {
    await alternate(b, paths, async (path) => {
      const [conn, name] = tools[path];
      callsMs[path].push(...(await tallyCpu(callsCpu[path], conn, perBlock, () => sequential(conn, perBlock, `b${b}`, name))));
    });
  }
  const aggregateAfterCalls = aggregate.pid ? readMemory(aggregate.pid) : undefined;
  await direct.close();
  await single.close();
  return { memory: { aggregate: aggregateMemory, singles: singleMemory, aggregateAfterCalls }, callsMs, callsCpu, aggregate };
}

async function listAcross(o: AggregateBenchOptions, servers: StreamableServer[]): Promise<{ list: AggregateResults['list']; aggregate: Connection }> {
  const delaysMs = servers.map((_, i) => listDelayMs(i));
  o.log(`tools/list across ${SERVERS} servers listing in ${delaysMs[0]}…${delaysMs.at(-1)} ms: each server straight, then ${LIST_ROUNDS} rounds aggregate vs slowest …`);
  const directs: Connection[] = [];
  for (const server of servers) directs.push((await connectDirect(server.url)).conn);
  const listOnce = async (conn: Connection, expected: number): Promise<number> => {
    const t0 = performance.now();
    const names = await toolNames(conn);
    const ms = performance.now() - t0;
    if (names.length !== expected) throw new Error(`${conn.mode} tools/list returned ${names.length} tools, expected ${expected}: ${names.join(', ')}`);
    return ms;
  };
  const eachMedianMs: number[] = [];
  for (const conn of directs) {
    const times: number[] = [];
    for (let i = 0; i < LIST_ROUNDS_EACH; i++) times.push(await listOnce(conn, 1));
    eachMedianMs.push(median(times));
  }
  const aggregate = await connectAggregate(writeConfig('lists.json', servers), SERVERS, o.spawn);
  const slowest = directs.at(-1)!;
  await listOnce(aggregate, SERVERS);
  await listOnce(slowest, 1);
  const aggregateMs: number[] = [];
  const slowestMs: number[] = [];
  for (let r = 0; r < LIST_ROUNDS; r++) {
    await alternate(r, ['aggregate', 'slowest'] as const, async (which) => {
      if (which === 'aggregate') aggregateMs.push(await listOnce(aggregate, SERVERS));
      else slowestMs.push(await listOnce(slowest, 1));
    });
  }
  for (const conn of directs) await conn.close();
  return { list: { delaysMs, aggregateMs, slowestMs, eachMedianMs }, aggregate };
}

/**
 * Measures the aggregation figures (see the module comment). Starts and closes its own servers; the bridges it
 * spawns are closed here, or by connections.ts's closeAll / killAll when the run is cut short.
 */
export async function benchAggregate(o: AggregateBenchOptions): Promise<AggregateResults> {
  const started: StreamableServer[] = [];
  try {
    const plain: StreamableServer[] = [];
    for (let i = 0; i < SERVERS; i++) plain.push(await startStreamableServer({ teardown: 'manual' }));
    started.push(...plain);
    const first = await memoryAndCalls(o, plain);
    const delayed: StreamableServer[] = [];
    for (let i = 0; i < SERVERS; i++) delayed.push(await startStreamableServer({ teardown: 'manual', createServer: delayedListServer(listDelayMs(i)) }));
    started.push(...delayed);
    const second = await listAcross(o, delayed);
    const stderr = {
      lines: first.aggregate.stderrLines() + second.aggregate.stderrLines(),
      head: first.aggregate.stderrHead() || second.aggregate.stderrHead(),
    };
    await first.aggregate.close();
    await second.aggregate.close();
    return { servers: SERVERS, memory: first.memory, list: second.list, callsMs: first.callsMs, callsCpu: first.callsCpu, stderr };
  } finally {
    await Promise.allSettled(started.map((s) => s.close()));
  }
}
