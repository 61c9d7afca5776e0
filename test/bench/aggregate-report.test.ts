/**
 * The `--config` bench report marks each figure against issue 10's targets: a regression must show as ✗, and a
 * figure that could not be measured must not show as ✓. Pure: the results are made up here, nothing is timed.
 */
import { describe, expect, it } from 'vitest';
import type { AggregateResults } from './aggregate.js';
import { aggregateRows, renderAggregateReport } from './aggregate-report.js';

const mem = (rssMb: number) => ({ rssMb, peakRssMb: rssMb + 2 });

/** Results that meet every target; `patch` changes some. */
function results(patch: Partial<AggregateResults> = {}): AggregateResults {
  return {
    servers: 10,
    memory: { aggregate: mem(55), singles: Array.from({ length: 10 }, () => mem(50)), aggregateAfterCalls: mem(56) },
    list: {
      delaysMs: [10, 30, 50, 70, 90, 110, 130, 150, 170, 190],
      aggregateMs: [195, 196, 197],
      slowestMs: [191, 192, 193],
      eachMedianMs: [12, 32, 52, 72, 92, 112, 132, 152, 172, 192],
    },
    callsMs: { direct: [0.7, 0.7, 0.7], single: [0.8, 0.8, 0.8], aggregate: [0.85, 0.85, 0.85] },
    callsCpu: { direct: { self: 3, child: 0, calls: 3 }, single: { self: 2, child: 1.5, calls: 3 }, aggregate: { self: 2, child: 1.6, calls: 3 } },
    stderr: { lines: 0, head: '' },
    ...patch,
  };
}

/** The ✓ (true), ✗ (false) or no mark (undefined) of every row whose metric starts with `prefix`. */
function marks(r: AggregateResults, prefix: string): Array<boolean | undefined> {
  return aggregateRows(r)
    .filter((row) => row.metric.trim().startsWith(prefix))
    .map((row) => row.ok);
}

describe('the --config bench report', () => {
  it('meets every target with figures like a healthy aggregate', () => {
    expect(aggregateRows(results()).filter((row) => row.ok === false)).toEqual([]);
    expect(renderAggregateReport(results(), 'heading')).toMatch(/all --config targets met$/);
  });

  it('marks a --config bridge above 1.3× ONE single bridge ✗, though it is far under the sum of ten', () => {
    const r = results({ memory: { aggregate: mem(70), singles: Array.from({ length: 10 }, () => mem(50)), aggregateAfterCalls: mem(70) } });
    expect(marks(r, 'RSS, MB: vs ONE')).toEqual([false]);
    expect(marks(r, 'peak RSS (VmHWM), MB: vs ONE')).toEqual([false]);
    expect(renderAggregateReport(r, 'heading')).toMatch(/--config targets missed: 2 /);
  });

  it('does not mark memory it could not read (no procfs, or a bridge gone) ✓', () => {
    const r = results({ memory: { aggregate: undefined, singles: Array.from({ length: 10 }, () => mem(50)), aggregateAfterCalls: undefined } });
    expect(marks(r, 'RSS, MB: vs ONE')).toEqual([undefined]);
    const oneMissing = results({ memory: { aggregate: mem(55), singles: [undefined, ...Array.from({ length: 9 }, () => mem(50))], aggregateAfterCalls: mem(55) } });
    expect(marks(oneMissing, 'RSS, MB: vs ONE')).toEqual([undefined]);
  });

  it('marks a tools/list that asks the servers one after another (the sum, not the slowest) ✗', () => {
    const r = results({ list: { ...results().list, aggregateMs: [1_030, 1_040, 1_050] } });
    expect(marks(r, 'tools/list across 10 servers')).toEqual([false]);
    expect(marks(r, "vs the sum of the 10 servers' own lists")).toEqual([false]);
  });

  it('marks a tools/list 50 ms or more over the slowest server ✗', () => {
    const r = results({ list: { ...results().list, aggregateMs: [243, 243, 243] } });
    expect(marks(r, 'tools/list across 10 servers')).toEqual([false]);
    expect(marks(r, "vs the sum of the 10 servers' own lists")).toEqual([true]);
  });

  it('marks a per-call overhead above 0.1 ms at p50 over a single bridge ✗', () => {
    const r = results({ callsMs: { direct: [0.7], single: [0.8], aggregate: [0.95] } });
    expect(marks(r, 'per-call overhead')).toEqual([false]);
    expect(marks(results(), 'per-call overhead')).toEqual([true]);
  });
});
