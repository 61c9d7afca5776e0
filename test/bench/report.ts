/**
 * Turns the bench's measurements into the printed report: the table with the targets and ✓/✗, then notes that
 * help read it (spread, the node start-up floor, memory per phase, anything the bridge wrote to stderr).
 */
import type { Mode } from './connections.js';
import type { ProcMemory } from './proc.js';
import { fmt, median, percentile, renderTable, type Row } from './stats.js';
import type { CpuTally } from './workload.js';

/** The targets the bridge is held to (see the brief in TESTING.md / the bench's module comment). */
export const TARGET = { spawnMs: 200, overheadMs: 0.3, throughputRatio: 0.9, bigRatio: 1.3, peakRssMb: 70 } as const;

type PerMode<T> = Record<Mode, T>;

/** Everything one run measured. */
export interface Results {
  /** spawn (bridge) or transport creation (direct) → initialized, ms per run. */
  spawnMs: PerMode<number[]>;
  /** Median ms of `node -e 0` from spawn to exit. */
  nodeFloorMs: number;
  /** Sequential echo latencies, ms. */
  sequentialMs: PerMode<number[]>;
  sequentialCpu: PerMode<CpuTally>;
  /** Calls per second of each throughput round. */
  throughput: PerMode<number[]>;
  throughputCpu: PerMode<CpuTally>;
  inFlight: number;
  /** ms per large result. */
  bigMs: PerMode<number[]>;
  /** The bridge child's memory at the end (undefined without procfs). */
  bridgeMemory: ProcMemory | undefined;
  /** `phase rss/peak` strings, in order. */
  memoryByPhase: string[];
  /** RSS of this process (client + server), MB. */
  selfRssMb: number;
  bridgeStderrLines: number;
  bridgeStderrHead: string;
  /** Warnings of this process that were counted instead of printed, by name. */
  suppressedWarnings: Map<string, number>;
}

const ratio = (a: number, b: number) => `${fmt(a / b)}×`;

/** The report's table rows. */
export function tableRows(r: Results): Row[] {
  const rows: Row[] = [];
  const spawnD = median(r.spawnMs.direct);
  const spawnB = median(r.spawnMs.bridge);
  rows.push({
    metric: 'spawn → initialize, median ms',
    direct: fmt(spawnD, 1),
    bridge: fmt(spawnB, 1),
    ratio: ratio(spawnB, spawnD),
    target: `bridge < ${TARGET.spawnMs} ms`,
    ok: spawnB < TARGET.spawnMs,
  });
  const p = (mode: Mode, q: number) => percentile(r.sequentialMs[mode], q);
  for (const q of [50, 90, 99]) {
    rows.push({
      metric: `echo latency p${q}, ms (n=${r.sequentialMs.bridge.length})`,
      direct: fmt(p('direct', q), 3),
      bridge: fmt(p('bridge', q), 3),
      ratio: ratio(p('bridge', q), p('direct', q)),
      target: '',
      ok: undefined,
    });
  }
  const overhead = p('bridge', 50) - p('direct', 50);
  rows.push({
    metric: 'per-call overhead (p50 bridge − direct), ms',
    direct: '',
    bridge: fmt(overhead, 3),
    ratio: '',
    target: `< ${TARGET.overheadMs} ms`,
    ok: overhead < TARGET.overheadMs,
  });
  const tD = median(r.throughput.direct);
  const tB = median(r.throughput.bridge);
  rows.push({
    metric: `throughput, ${r.inFlight} in flight, calls/s (median of ${r.throughput.bridge.length})`,
    direct: fmt(tD, 0),
    bridge: fmt(tB, 0),
    ratio: ratio(tB, tD),
    target: `≥ ${TARGET.throughputRatio.toFixed(2)}× direct`,
    ok: tB / tD >= TARGET.throughputRatio,
  });
  const bD = median(r.bigMs.direct);
  const bB = median(r.bigMs.bridge);
  rows.push({
    metric: '1 MiB tool result, median ms',
    direct: fmt(bD, 1),
    bridge: fmt(bB, 1),
    ratio: ratio(bB, bD),
    target: `≤ ${TARGET.bigRatio.toFixed(2)}× direct`,
    ok: bB / bD <= TARGET.bigRatio,
  });
  rows.push({
    metric: 'bridge peak RSS (VmHWM), MB',
    direct: '',
    bridge: fmt(r.bridgeMemory?.peakRssMb, 1),
    ratio: '',
    target: `< ${TARGET.peakRssMb} MB`,
    ok: r.bridgeMemory ? r.bridgeMemory.peakRssMb < TARGET.peakRssMb : undefined,
  });
  // Direct throughput is bounded by this one process doing client and server work on one core, while the bridge
  // moves the HTTP client work to a second process: CPU per call over all processes is the fairer cost.
  const perCall = (t: CpuTally, which: 'total' | 'child') =>
    t.calls ? (1000 * (which === 'total' ? t.self + t.child : t.child)) / t.calls : Number.NaN;
  for (const [label, tally] of [
    ['sequential', r.sequentialCpu],
    ['throughput', r.throughputCpu],
  ] as const) {
    const d = perCall(tally.direct, 'total');
    const b = perCall(tally.bridge, 'total');
    rows.push({ metric: `CPU µs/call, ${label}, all processes`, direct: fmt(d, 0), bridge: fmt(b, 0), ratio: ratio(b, d), target: '', ok: undefined });
    rows.push({ metric: '  of which the bridge child', direct: '', bridge: fmt(perCall(tally.bridge, 'child'), 0), ratio: '', target: '', ok: undefined });
  }
  return rows;
}

/** Lines under the table. */
export function notes(r: Results): string[] {
  const range = (xs: number[]) => `${fmt(Math.min(...xs), 1)}/${fmt(Math.max(...xs), 1)}`;
  const out = [
    `node start-up floor (spawn \`node -e 0\` → exit): median ${fmt(r.nodeFloorMs, 1)} ms`,
    `spawn → initialize ms, min/max: direct ${range(r.spawnMs.direct)}, bridge ${range(r.spawnMs.bridge)}`,
    `throughput rounds, calls/s: direct ${r.throughput.direct.map((v) => v.toFixed(0)).join(', ')}; bridge ${r.throughput.bridge.map((v) => v.toFixed(0)).join(', ')}`,
    `1 MiB ms, min: direct ${fmt(Math.min(...r.bigMs.direct), 1)}, bridge ${fmt(Math.min(...r.bigMs.bridge), 1)}`,
    `bridge RSS/VmHWM MB after each phase: ${r.memoryByPhase.join(', ')}; this process (client + server) RSS ${fmt(r.selfRssMb, 0)} MB`,
  ];
  if (r.bridgeStderrLines > 0) {
    const first = r.bridgeStderrHead.split('\n')[0] ?? '';
    out.push(`the bridge (--silent) wrote ${r.bridgeStderrLines} stderr lines; first: ${first.slice(0, 200)}`);
  }
  if (r.suppressedWarnings.size > 0) {
    out.push(`warnings in this process (counted, not printed): ${[...r.suppressedWarnings].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  }
  return out;
}

/** The whole report: heading, table, notes and the verdict line. */
export function renderReport(r: Results, heading: string): string {
  const rows = tableRows(r);
  const missed = rows.filter((row) => row.ok === false).map((row) => row.metric);
  return [
    '',
    heading,
    '',
    renderTable(rows),
    '',
    ...notes(r).map((n) => `  ${n}`),
    '',
    missed.length ? `targets missed: ${missed.length} (${missed.join('; ')})` : 'all targets met',
  ].join('\n');
}
