/**
 * Map bookkeeping, pure: the child execution an iteration runs as, the iterator's own flow
 * definition, how many iterations may run at once and whether the failures seen so far exceed
 * what the Map tolerates. The parent keeps only counters and a cursor per Map (`MapProgress`), so
 * recording one child's end costs O(1) whatever the width.
 */
import { definitionHash } from '../flow/hash.ts';
import { type FlowDefinition, type Json, MAP_CONCURRENCY_CAP, type MapStep } from '../flow/model.ts';
import { resolveValueDetailed } from '../flow/parameters.ts';
import type { ReferenceContext } from '../flow/reference.ts';
import type { MapResult } from './state.ts';

/** A running Map's counters and cursor (on the head, so the Firestore console shows them). */
export interface MapProgress {
  step: string;
  attempt: number;
  total: number;
  /** Iterations allowed to run at once. */
  concurrency: number;
  /** The next item index to launch (items before it were launched). */
  next: number;
  running: number;
  succeeded: number;
  failed: number;
}

/**
 * The id of the child execution that runs item `index` of the Map at `path` (attempt `attempt`):
 * deterministic, so a repeated launch finds the same child, and a valid document id.
 *
 * @example childExecutionId('e1', 'Outer/0/PerFile', 1, 7) === 'e1~Outer%2F0%2FPerFile~1~7'
 */
export function childExecutionId(parentId: string, path: string, attempt: number, index: number): string {
  return `${parentId}~${encodeURIComponent(path)}~${attempt}~${index}`;
}

/**
 * The flow a Map's iterations run: the iterator as a flow of its own, pinned by its own hash.
 *
 * @example iteratorDefinition(def, 'PerFile').id === `${def.id}~PerFile`
 */
export function iteratorDefinition(parent: FlowDefinition, path: string, step: MapStep): FlowDefinition {
  const flow = { start: step.iterator.start, steps: step.iterator.steps };
  return { id: `${parent.id}~${path}`, flow, hash: definitionHash(flow) };
}

/**
 * Iterations that may run at once: `max_concurrency`, bounded by the deployment cap (0 = the cap).
 *
 * @example mapConcurrency({ max_concurrency: 50 } as MapStep) === 50
 */
export function mapConcurrency(step: MapStep, cap = MAP_CONCURRENCY_CAP): number {
  const wanted = step.max_concurrency ?? 0;
  return wanted === 0 ? cap : Math.min(wanted, cap);
}

/**
 * Whether `failed` failures among `total` items breach the Map's tolerance (Step Functions: each
 * threshold given applies; with neither, any failure breaches).
 *
 * @example breachesTolerance({ tolerated_failure_count: 2 } as MapStep, 2, 10) === false
 */
export function breachesTolerance(step: MapStep, failed: number, total: number): boolean {
  const count = step.tolerated_failure_count;
  const percentage = step.tolerated_failure_percentage;
  if (count === undefined && percentage === undefined) return failed > 0;
  if (count !== undefined && failed > count) return true;
  return percentage !== undefined && total > 0 && (failed * 100) / total > percentage;
}

/**
 * The progress of a Map just started: the first `concurrency` items (at most `total`) launched.
 *
 * @example startProgress('PerFile', 1, 10, 4).running === 4
 */
export function startProgress(
  step: string,
  attempt: number,
  total: number,
  concurrency: number,
): MapProgress {
  const first = Math.min(concurrency, total);
  return { step, attempt, total, concurrency, next: first, running: first, succeeded: 0, failed: 0 };
}

/**
 * The progress after one iteration ended: its slot goes to the next item, unless the failures now
 * breach the tolerance (the Map fails and launches nothing more). O(1) whatever the width.
 *
 * @example recordIteration(step, startProgress('M', 1, 10, 2), true).next === 3
 */
export function recordIteration(step: MapStep, progress: MapProgress, succeeded: boolean): MapProgress {
  const done = {
    ...progress,
    running: progress.running - 1,
    succeeded: progress.succeeded + (succeeded ? 1 : 0),
    failed: progress.failed + (succeeded ? 0 : 1),
  };
  if (breachesTolerance(step, done.failed, done.total) || done.next >= done.total) return done;
  return { ...done, next: done.next + 1, running: done.running + 1 };
}

/**
 * Whether every item of the Map has finished.
 *
 * @example mapFinished({ total: 2, next: 2, running: 0 } as MapProgress) === true
 */
export function mapFinished(progress: MapProgress): boolean {
  return progress.running === 0 && progress.next >= progress.total;
}

/**
 * Indices launched and not finished (to cancel them): O(launched), used only when a Map stops early.
 *
 * @example runningIndices({ next: 3 } as MapProgress, { '1': { output: 1 } }) // [0, 2]
 */
export function runningIndices(
  progress: MapProgress,
  results: Readonly<Record<string, MapResult>>,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < progress.next; i++) if (results[i] === undefined) out.push(i);
  return out;
}

/**
 * The Map's output: each iteration's output in item order, `{error, cause}` for a tolerated failure.
 *
 * @example mapOutput(2, { '0': { output: 'a' }, '1': { failure: { error: 'E', cause: 'c' } } }) // ['a', {error: 'E', cause: 'c'}]
 */
export function mapOutput(total: number, results: Readonly<Record<string, MapResult>>): Json[] {
  const out: Json[] = [];
  for (let i = 0; i < total; i++) {
    const result = results[i];
    if (result === undefined) out.push(null);
    else if ('output' in result) out.push(result.output);
    else out.push({ error: result.failure.error, cause: result.failure.cause });
  }
  return out;
}

/**
 * The input of iteration `index`: `item_selector` resolved against the parent's references plus
 * `$.item`/`$.index` (default: the item itself). References that cannot be read are reported.
 *
 * @example iterationInput({ item_selector: { f: '$.item' } } as MapStep, 'a.csv', 0, ctx).value // {f: 'a.csv'}
 */
export function iterationInput(
  step: MapStep,
  item: Json,
  index: number,
  ctx: ReferenceContext,
): { value: Json; missing: string[] } {
  if (step.item_selector === undefined) return { value: item, missing: [] };
  return resolveValueDetailed(step.item_selector, { ...ctx, item, index });
}
