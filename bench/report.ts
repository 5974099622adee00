/**
 * Benchmark results: one shape for the human table and the `--json` lines
 * (`{bench, metric, value, unit, baseline, ratio, n}`), so docs/BENCHMARKS.md and CI logs agree.
 */
export interface BenchResult {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  /** Same metric for the baseline measured in the same run (null when the bench has none). */
  baseline: number | null;
  /** value / baseline (null without a baseline). */
  ratio: number | null;
  /** Number of samples behind `value`. */
  n: number;
  /** The goal as written in the issue, e.g. "ratio ≤ 1.5", for the table only. */
  goal?: string;
}

/** Build a result, computing the ratio. */
export function result(
  bench: string,
  metric: string,
  value: number,
  unit: string,
  n: number,
  baseline: number | null = null,
  goal?: string,
): BenchResult {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    bench,
    metric,
    value: round(value),
    unit,
    baseline: baseline === null ? null : round(baseline),
    ratio: baseline === null || baseline === 0 ? null : round(value / baseline),
    n,
    ...(goal ? { goal } : {}),
  };
}

/** Percentile (0–100) of samples, nearest-rank. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function printJson(results: BenchResult[], out: NodeJS.WritableStream = process.stdout): void {
  for (const r of results) {
    const { goal: _goal, ...line } = r;
    out.write(`${JSON.stringify(line)}\n`);
  }
}

export function printTable(results: BenchResult[], out: NodeJS.WritableStream = process.stdout): void {
  const rows = results.map((r) => [
    r.bench,
    r.metric,
    `${r.value} ${r.unit}`,
    r.baseline === null ? '—' : `${r.baseline} ${r.unit}`,
    r.ratio === null ? '—' : String(r.ratio),
    String(r.n),
    r.goal ?? '',
  ]);
  const head = ['bench', 'metric', 'value', 'baseline', 'ratio', 'n', 'goal'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  out.write(`${fmt(head)}\n${fmt(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) out.write(`${fmt(row)}\n`);
}
