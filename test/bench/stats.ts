/**
 * Small, pure helpers for the benchmark: percentiles, medians, and the fixed-width report table.
 */

/** Nearest-rank percentile (`p` in 0..100) of `samples`; NaN when empty. Does not modify `samples`. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Median (the mean of the two middle values for an even count); NaN when empty. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Formats a number with `digits` decimals, or `n/a` when it is not finite. */
export function fmt(value: number | undefined, digits = 2): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
}

/** One row of the report. */
export interface Row {
  metric: string;
  direct: string;
  bridge: string;
  ratio: string;
  target: string;
  /** true ✓, false ✗, undefined: informational (no mark). */
  ok: boolean | undefined;
}

/** The column titles of the main table, in {@link Row} order. */
const HEADER = ['metric', 'direct', 'bridge', 'bridge/direct', 'target', ''] as const;

/** Renders rows as an aligned text table with a header line (`header`: other column titles, in {@link Row} order). */
export function renderTable(rows: readonly Row[], header: readonly string[] = HEADER): string {
  const cells = rows.map((r) => [r.metric, r.direct, r.bridge, r.ratio, r.target, r.ok === undefined ? '' : r.ok ? '✓' : '✗']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c.map((text, i) => (i === 0 || i === 4 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}
