/**
 * Turns the `--config` measurements (aggregate.ts) into the printed report: a table of the aggregate against its
 * baseline with the targets of issue 10 and ✓/✗, then notes that help read it.
 */
import type { AggregateResults } from './aggregate.js';
import type { ProcMemory } from './proc.js';
import { fmt, median, percentile, renderTable, type Row } from './stats.js';

/** The targets of issue 10 for one bridge fronting many servers. */
export const AGGREGATE_TARGET = {
  /** Memory of the `--config` bridge over 10 servers, at most this times one single bridge's. */
  memoryRatio: 1.3,
  /** tools/list across servers: under the slowest server's own list time plus this… */
  listOverSlowestMs: 50,
  /** …and at most this fraction of the sum of the servers' own list times. */
  listOfSum: 0.5,
  /** p50 of an echo call through the aggregate, at most this much above a single bridge's. */
  callOverheadMs: 0.1,
} as const;

const HEADER = ['metric', 'compared with', '--config bridge', 'ratio', 'target', ''];

const ratio = (a: number, b: number) => `${fmt(a / b)}×`;

type Field = keyof ProcMemory;

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** The report's table rows. */
export function aggregateRows(r: AggregateResults): Row[] {
  const rows: Row[] = [];
  const n = r.servers;
  const singles = (field: Field) => r.memory.singles.map((m) => m?.[field]).filter((v): v is number => v !== undefined);
  const complete = r.memory.aggregate !== undefined && singles('rssMb').length === r.memory.singles.length;
  for (const [field, label] of [
    ['rssMb', 'RSS'],
    ['peakRssMb', 'peak RSS (VmHWM)'],
  ] as const) {
    const agg = r.memory.aggregate?.[field] ?? Number.NaN;
    const one = complete ? median(singles(field)) : Number.NaN;
    rows.push({
      metric: `${label}, MB: vs ONE single bridge (median of ${n})`,
      direct: fmt(one, 1),
      bridge: fmt(agg, 1),
      ratio: ratio(agg, one),
      target: `≤ ${AGGREGATE_TARGET.memoryRatio.toFixed(2)}×`,
      ok: complete ? agg <= AGGREGATE_TARGET.memoryRatio * one : undefined,
    });
    const all = complete ? sum(singles(field)) : Number.NaN;
    rows.push({ metric: `${label}, MB: vs ${n} single bridges (sum)`, direct: fmt(all, 1), bridge: fmt(agg, 1), ratio: ratio(agg, all), target: '', ok: undefined });
  }

  const listAgg = median(r.list.aggregateMs);
  const slowest = median(r.list.slowestMs);
  const listSum = sum(r.list.eachMedianMs);
  rows.push({
    metric: `tools/list across ${n} servers, median ms: vs slowest server straight`,
    direct: fmt(slowest, 1),
    bridge: fmt(listAgg, 1),
    ratio: ratio(listAgg, slowest),
    target: `< slowest + ${AGGREGATE_TARGET.listOverSlowestMs} ms`,
    ok: listAgg < slowest + AGGREGATE_TARGET.listOverSlowestMs,
  });
  rows.push({
    metric: `  vs the sum of the ${n} servers' own lists`,
    direct: fmt(listSum, 1),
    bridge: fmt(listAgg, 1),
    ratio: ratio(listAgg, listSum),
    target: `≤ ${AGGREGATE_TARGET.listOfSum.toFixed(2)}× sum`,
    ok: listAgg <= AGGREGATE_TARGET.listOfSum * listSum,
  });

  const p = (path: keyof AggregateResults['callsMs'], q: number) => percentile(r.callsMs[path], q);
  for (const q of [50, 90]) {
    rows.push({
      metric: `echo latency p${q}, ms (n=${r.callsMs.aggregate.length}): vs single bridge`,
      direct: fmt(p('single', q), 3),
      bridge: fmt(p('aggregate', q), 3),
      ratio: ratio(p('aggregate', q), p('single', q)),
      target: '',
      ok: undefined,
    });
  }
  const childCpu = (path: 'single' | 'aggregate') => {
    const t = r.callsCpu[path];
    return t.calls ? (1000 * t.child) / t.calls : Number.NaN;
  };
  rows.push({
    metric: 'CPU µs/call in the bridge child: vs single bridge',
    direct: fmt(childCpu('single'), 0),
    bridge: fmt(childCpu('aggregate'), 0),
    ratio: ratio(childCpu('aggregate'), childCpu('single')),
    target: '',
    ok: undefined,
  });
  const overhead = p('aggregate', 50) - p('single', 50);
  rows.push({
    metric: 'per-call overhead (p50 --config − single bridge), ms',
    direct: '',
    bridge: fmt(overhead, 3),
    ratio: '',
    target: `≤ ${AGGREGATE_TARGET.callOverheadMs} ms`,
    ok: overhead <= AGGREGATE_TARGET.callOverheadMs,
  });
  return rows;
}

/** Lines under the table. */
export function aggregateNotes(r: AggregateResults): string[] {
  const range = (xs: readonly number[], digits = 1) => `${fmt(Math.min(...xs), digits)}/${fmt(Math.max(...xs), digits)}`;
  const rss = r.memory.singles.map((m) => m?.rssMb ?? Number.NaN);
  const peak = r.memory.singles.map((m) => m?.peakRssMb ?? Number.NaN);
  const out = [
    `memory after connect, tools/list and one echo call to each of its servers; single bridges RSS min/max ${range(rss)} MB, peak ${range(peak)} MB; --config bridge after the echo calls below RSS/peak ${fmt(r.memory.aggregateAfterCalls?.rssMb, 1)}/${fmt(r.memory.aggregateAfterCalls?.peakRssMb, 1)} MB`,
    `servers' tools/list delays ${r.list.delaysMs.join(', ')} ms (sum ${sum(r.list.delaysMs)}); each server's own list, median ms: ${r.list.eachMedianMs.map((v) => v.toFixed(0)).join(', ')}`,
    `tools/list ms, min/max: --config bridge ${range(r.list.aggregateMs)}, slowest server straight ${range(r.list.slowestMs)} (${r.list.aggregateMs.length} rounds)`,
    `echo p50 ms to the same server: direct ${fmt(percentile(r.callsMs.direct, 50), 3)}, single bridge ${fmt(percentile(r.callsMs.single, 50), 3)}, --config bridge ${fmt(percentile(r.callsMs.aggregate, 50), 3)}`,
  ];
  if (r.stderr.lines > 0) out.push(`the --config bridges (--silent) wrote ${r.stderr.lines} stderr lines; first: ${(r.stderr.head.split('\n')[0] ?? '').slice(0, 200)}`);
  return out;
}

/** The aggregate part of the report: heading, table, notes and its verdict line. */
export function renderAggregateReport(r: AggregateResults, heading: string): string {
  const rows = aggregateRows(r);
  const missed = rows.filter((row) => row.ok === false).map((row) => row.metric.trim());
  return [
    '',
    heading,
    '',
    renderTable(rows, HEADER),
    '',
    ...aggregateNotes(r).map((n) => `  ${n}`),
    '',
    missed.length ? `--config targets missed: ${missed.length} (${missed.join('; ')})` : 'all --config targets met',
  ].join('\n');
}
