/**
 * The cluster part of the bench report (cluster.ts): the Redis store's cost per forwarded call against files, and 2
 * serve instances' throughput against 1 behind the round-robin proxy, as tables in the style of the other parts, with
 * ✓/✗ against the targets and notes. Pure: formats results, measures nothing.
 */
import { type ClusterResults, type ScaleThroughput } from './cluster.js';
import { fmt, median, percentile, renderTable, type Row } from './stats.js';

/** The cluster targets. */
export const CLUSTER_TARGET = {
  /**
   * No measurable difference between the stores per forwarded call (tokens are held in memory): the p50 with Redis
   * at most this much above the p50 with files, ms — or {@link CLUSTER_TARGET.storeRatio} times it, whichever is more.
   */
  storeDeltaMs: 0.1,
  storeRatio: 1.1,
  /** Redis commands per forwarded call, at most (none is needed; a few from other work of the instance may fall in). */
  redisCommandsPerCall: 0.05,
  /**
   * 2 instances behind the proxy serve at least this many times the calls of 1, on a machine of at least
   * {@link CLUSTER_TARGET.scaleCores} cores, where the second instance has CPUs of its own.
   */
  scaleRatio: 1.5,
  scaleCores: 4,
  /**
   * On fewer cores, one instance with the clients and the proxy already fills them: 2 instances cannot serve more,
   * and each, half as busy, spends more CPU per call; the target there is only that spreading loses no more than this.
   */
  scaleRatioFewCores: 0.75,
  /**
   * A relayed call of a 2025-11-25 session (the request reached the instance not holding the session) at most this
   * much above one that reached the holder, p50, ms: two pub/sub hops and one record lookup in Redis.
   */
  relayDeltaMs: 1,
} as const;

const STORE_HEADER = ['metric', '--store files', '--store redis', 'redis − files', 'target', ''] as const;
const SCALE_HEADER = ['metric', '1 instance', '2 instances', '2 / 1', 'target', ''] as const;
const RELAY_HEADER = ['metric', 'at the holder', 'relayed', 'relayed − holder', 'target', ''] as const;

/** The rows of part 1: latency per store, the difference, and the Redis commands per call. */
export function storeRows(r: ClusterResults): Row[] {
  const rows: Row[] = [];
  const n = r.storeMs.redis.length;
  for (const q of [50, 95]) {
    const files = percentile(r.storeMs.files, q);
    const redis = percentile(r.storeMs.redis, q);
    const delta = redis - files;
    const bound = Math.max(CLUSTER_TARGET.storeDeltaMs, files * (CLUSTER_TARGET.storeRatio - 1));
    const marked = q === 50;
    rows.push({
      metric: `forwarded call p${q}, ms (one session, n=${n})`,
      direct: fmt(files, 3),
      bridge: fmt(redis, 3),
      ratio: fmt(delta, 3),
      target: marked ? `≤ +${fmt(bound, 3)} ms` : '',
      ok: marked && Number.isFinite(delta) ? delta <= bound : undefined,
    });
  }
  const commands = r.redisCommandsPerCall;
  rows.push({
    metric: 'Redis commands per forwarded call',
    direct: '',
    bridge: fmt(commands, 3),
    ratio: '',
    target: `≤ ${CLUSTER_TARGET.redisCommandsPerCall}`,
    ok: Number.isFinite(commands) ? commands <= CLUSTER_TARGET.redisCommandsPerCall : undefined,
  });
  return rows;
}

/** The 2 / 1 instances target on a machine of `cores` cores. */
export function scaleTarget(cores: number): number {
  return cores >= CLUSTER_TARGET.scaleCores ? CLUSTER_TARGET.scaleRatio : CLUSTER_TARGET.scaleRatioFewCores;
}

/** The rows of part 2 for one kind of client, measured on `cores` cores. */
export function scaleRows(t: ScaleThroughput, cores: number): Row[] {
  const one = median(t.callsPerSecond[1]);
  const two = median(t.callsPerSecond[2]);
  const ratio = two / one;
  return [
    {
      metric: `throughput, calls/s, ${t.clients} ${t.kind} clients (median of ${t.callsPerSecond[2].length})`,
      direct: fmt(one, 0),
      bridge: fmt(two, 0),
      ratio: `${fmt(ratio, 2)}×`,
      target: `≥ ${scaleTarget(cores)}×`,
      ok: Number.isFinite(ratio) ? ratio >= scaleTarget(cores) : undefined,
    },
    {
      metric: '  CPU µs/call, the serve processes summed',
      direct: fmt(t.cpuUsPerCall[1], 0),
      bridge: fmt(t.cpuUsPerCall[2], 0),
      ratio: fmt(t.cpuUsPerCall[2] / t.cpuUsPerCall[1], 2),
      target: '',
      ok: undefined,
    },
    {
      metric: '  CPU µs/call, the bench process (clients and proxy)',
      direct: fmt(t.benchCpuUsPerCall[1], 0),
      bridge: fmt(t.benchCpuUsPerCall[2], 0),
      ratio: fmt(t.benchCpuUsPerCall[2] / t.benchCpuUsPerCall[1], 2),
      target: '',
      ok: undefined,
    },
    {
      metric: '  share of requests per instance',
      direct: '1.00',
      bridge: t.share.map((s) => fmt(s, 2)).join(' / '),
      ratio: '',
      target: '',
      ok: undefined,
    },
  ];
}

/** The rows of part 3: a session's call at the instance holding it, and relayed from the other. */
export function relayRows(r: ClusterResults): Row[] {
  return [50, 95].map((q) => {
    const held = percentile(r.relay.heldMs, q);
    const relayed = percentile(r.relay.relayedMs, q);
    const delta = relayed - held;
    const marked = q === 50;
    return {
      metric: `2025-11-25 session call p${q}, ms (n=${r.relay.heldMs.length} / ${r.relay.relayedMs.length})`,
      direct: fmt(held, 3),
      bridge: fmt(relayed, 3),
      ratio: fmt(delta, 3),
      target: marked ? `≤ +${CLUSTER_TARGET.relayDeltaMs} ms` : '',
      ok: marked && Number.isFinite(delta) ? delta <= CLUSTER_TARGET.relayDeltaMs : undefined,
    };
  });
}

/** Lines under the tables. */
export function clusterNotes(r: ClusterResults, cores: number): string[] {
  const out = [
    'store: two serve processes, --store files and --store redis://…, each in front of the same OAuth-protected server (a real OpenID provider); the user logged in once through each one\'s login link; the SDK 1.x client on /servers/secure/mcp; echo calls one at a time, alternating between the two call by call',
    'Redis commands: every command the Redis server processed while the calls ran (from all its clients, the other instance\'s included), per call to the Redis-backed instance, the reading itself left out',
    `throughput: 2 serve instances on one Redis behind the tests' round-robin proxy (node:http, in the bench process, per-request round robin); "1 instance": the same proxy with the second marked down; the same local stdio server behind each; rounds alternate; on ${cores} cores the clients, the proxy and each instance's stdio servers share the CPUs with the instances${
      cores >= CLUSTER_TARGET.scaleCores
        ? ''
        : `: one instance already fills them, so 2 cannot serve more (target ≥ ${CLUSTER_TARGET.scaleRatio}× from ${CLUSTER_TARGET.scaleCores} cores; here only that spreading loses little), and each instance, half as busy, spends more CPU per call (likely fewer requests per event-loop turn to share its fixed costs)`
    }`,
    '2026-07-28 clients are stateless: each request stands alone and may land on any instance; each of the 32 is a lean client (one POST per call over a keep-alive connection, test/bench/raw-2026.ts) with a client name of its own (serve keeps warm engines per user and client), after a check with the SDK\'s 2.x client',
  ];
  out.push(
    '2025-11-25 session clients: SDK 1.x, a session each, every request with its Mcp-Session-Id; behind per-request round robin about half of a session\'s requests reach the instance that does not hold it, which relays them to the one that does over Redis pub/sub (the answer comes back the same way)',
    `relay: one 2025-11-25 session through the proxy with both instances up, ${r.relay.heldMs.length + r.relay.relayedMs.length} echo calls one at a time; each call attributed by the proxy's record of its POST to the instance holding the session or to the other, which relays it`,
  );
  out.push(...r.tails.map((t) => `serve (--silent) wrote: ${t}`));
  return out;
}

/** The cluster part of the report: heading, the two tables, notes and the verdict line. */
export function renderClusterReport(r: ClusterResults, heading: string, cores: number): string {
  const store = storeRows(r);
  const scale = r.throughput.flatMap((t) => scaleRows(t, cores));
  const relay = relayRows(r);
  const missed = [...store, ...scale, ...relay].filter((row) => row.ok === false).map((row) => row.metric.trim());
  return [
    '',
    heading,
    '',
    renderTable(store, STORE_HEADER),
    '',
    renderTable(scale, SCALE_HEADER),
    '',
    renderTable(relay, RELAY_HEADER),
    '',
    ...clusterNotes(r, cores).map((n) => `  ${n}`),
    '',
    missed.length ? `cluster targets missed: ${missed.length} (${missed.join('; ')})` : 'all cluster targets met',
  ].join('\n');
}
