/**
 * A Dataflow job's custom counters, read with `jobs.getMetrics` when the job ends successfully and
 * added to the step's output as `metrics: {name: value}`, so that a Condition can branch on rows
 * written (`$.steps.Load.output.metrics.rows_written`).
 */
import type { Signal } from '../core/signals.ts';
import type { Json } from '../flow/model.ts';
import type { CorrelationTarget, DataflowJobs } from '../ports/index.ts';

/**
 * The signals with each Dataflow success's output enriched with the job's counters. Without a
 * `getMetrics` client, or without the job's project/region, the signals are returned unchanged.
 *
 * @example const signals = await withJobMetrics(signalsFor(o, target), target, deps.dataflow);
 */
export async function withJobMetrics(
  signals: Signal[],
  target: CorrelationTarget | undefined,
  jobs: DataflowJobs | undefined,
  fallback: { project?: string; region?: string } = {},
): Promise<Signal[]> {
  if (jobs?.getMetrics === undefined) return signals;
  const project = target?.projectId ?? fallback.project;
  const region = target?.region ?? fallback.region;
  if (project === undefined || region === undefined) return signals;
  const out: Signal[] = [];
  for (const signal of signals) {
    const output = signal.kind === 'completed' && signal.outcome === 'succeeded' ? signal.output : undefined;
    const jobId = isObject(output) && typeof output.jobId === 'string' ? output.jobId : undefined;
    if (signal.kind !== 'completed' || signal.outcome !== 'succeeded' || jobId === undefined) {
      out.push(signal);
      continue;
    }
    const metrics = await jobs.getMetrics(project, region, jobId);
    out.push({ ...signal, output: { ...(output as Record<string, Json>), metrics } });
  }
  return out;
}

function isObject(value: Json | undefined): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
