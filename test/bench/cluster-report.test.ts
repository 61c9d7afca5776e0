/**
 * The cluster bench report marks the figures against their targets: the Redis store no slower per call than files
 * beyond the bound, no Redis command per forwarded call, 2 instances serving more than 1 where the machine has the
 * cores for it (and losing little where it has not), a relayed session call little slower than one at the instance
 * holding the session; a regression shows as ✗, a figure that could not be measured never as ✓. Pure: the results
 * are made up here, nothing is timed.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterResults, ScaleThroughput } from './cluster.js';
import { CLUSTER_TARGET, clusterNotes, relayRows, renderClusterReport, scaleRows, storeRows } from './cluster-report.js';

const same = (ms: number, n = 100) => Array.from({ length: n }, () => ms);

function throughput(one: number, two: number, patch: Partial<ScaleThroughput> = {}): ScaleThroughput {
  return {
    kind: '2026-stateless',
    clients: 32,
    callsPerSecond: { 1: [one, one, one], 2: [two, two, two] },
    cpuUsPerCall: { 1: 500, 2: 550 },
    benchCpuUsPerCall: { 1: 300, 2: 310 },
    share: [0.5, 0.5],
    ...patch,
  };
}

/** Results meeting every target; `patch` changes some. */
function results(patch: Partial<ClusterResults> = {}): ClusterResults {
  return {
    storeMs: { files: same(2), redis: same(2.05) },
    redisCommandsPerCall: 0,
    throughput: [throughput(1000, 1400), throughput(900, 1000, { kind: '2025-session' })],
    relay: { heldMs: same(1.2, 300), relayedMs: same(1.9, 300) },
    tails: [],
    ...patch,
  };
}

const marks = (rows: Array<{ metric: string; ok: boolean | undefined }>, prefix: string) => rows.filter((r) => r.metric.trim().startsWith(prefix)).map((r) => r.ok);

describe('cluster bench report', () => {
  it('marks every target met when the Redis store costs nothing measurable and 2 instances serve more', () => {
    const text = renderClusterReport(results(), 'heading', 2);
    expect(text).toContain('all cluster targets met');
    expect(text).not.toContain('✗');
    expect(marks(storeRows(results()), 'forwarded call p50')).toEqual([true]);
    expect(marks(storeRows(results()), 'forwarded call p95')).toEqual([undefined]);
    const row = scaleRows(throughput(1000, 1400), 2)[0]!;
    expect(row.ratio).toBe('1.40×');
    expect(row.ok).toBe(true);
  });

  it('marks the store ✗ when Redis adds more than the bound per call, whichever of the absolute and relative bounds is larger', () => {
    // On a fast path the absolute bound applies: 0.5 ms → 0.65 ms is more than +0.1 ms.
    const slow = results({ storeMs: { files: same(0.5), redis: same(0.5 + CLUSTER_TARGET.storeDeltaMs + 0.05) } });
    expect(marks(storeRows(slow), 'forwarded call p50')).toEqual([false]);
    expect(marks(storeRows(results({ storeMs: { files: same(2), redis: same(2.25) } })), 'forwarded call p50')).toEqual([false]);
    // On a slow path the relative bound applies: 10 ms → 10.5 ms is within 10 %.
    const relative = results({ storeMs: { files: same(10), redis: same(10.5) } });
    expect(marks(storeRows(relative), 'forwarded call p50')).toEqual([true]);
    const text = renderClusterReport(slow, 'heading', 2);
    expect(text).toMatch(/cluster targets missed: 1 \(forwarded call p50/);
  });

  it('marks Redis commands on the call path ✗', () => {
    expect(marks(storeRows(results({ redisCommandsPerCall: 1 })), 'Redis commands')).toEqual([false]);
  });

  it('marks 2 instances ✗ when they lose calls on a small machine, or do not scale on a larger one', () => {
    expect(scaleRows(throughput(1000, 700), 2)[0]!.ok).toBe(false);
    expect(scaleRows(throughput(1000, 880), 2)[0]!.ok).toBe(true);
    expect(scaleRows(throughput(1000, 1400), 8)[0]!.ok).toBe(false);
    expect(scaleRows(throughput(1000, 1600), 8)[0]!.ok).toBe(true);
    expect(scaleRows(throughput(1000, 1600), 8)[0]!.target).toBe(`≥ ${CLUSTER_TARGET.scaleRatio}×`);
  });

  it('never marks ✓ what was not measured', () => {
    expect(marks(storeRows(results({ storeMs: { files: [], redis: [] }, redisCommandsPerCall: Number.NaN })), '')).toEqual([undefined, undefined, undefined]);
    expect(scaleRows(throughput(Number.NaN, 1000), 2)[0]!.ok).toBeUndefined();
  });

  it('marks a relayed session call ✗ when it costs more than the bound over one at the holder, and says how calls were attributed', () => {
    expect(marks(relayRows(results()), '2025-11-25 session call p50')).toEqual([true]);
    const slow = results({ relay: { heldMs: same(1.2, 300), relayedMs: same(1.2 + CLUSTER_TARGET.relayDeltaMs + 0.2, 300) } });
    expect(marks(relayRows(slow), '2025-11-25 session call p50')).toEqual([false]);
    expect(renderClusterReport(slow, 'heading', 2)).toMatch(/cluster targets missed: 1 \(2025-11-25 session call p50/);
    expect(marks(relayRows(results({ relay: { heldMs: [], relayedMs: [] } })), '')).toEqual([undefined, undefined]);
    expect(clusterNotes(results(), 2).join('\n')).toMatch(/relay: one 2025-11-25 session .* 600 echo calls/);
  });
});
