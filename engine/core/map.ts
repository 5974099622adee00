/**
 * Map bookkeeping, pure: the child execution an iteration runs as, the iterator's own flow
 * definition, how many iterations may run at once and whether the failures seen so far exceed
 * what the Map tolerates. The parent keeps only counters and a cursor per Map (`MapProgress`), so
 * recording one child's end costs O(1) whatever the width.
 */
import { definitionHash } from '../flow/hash.ts';
import { type FlowDefinition, MAP_CONCURRENCY_CAP, type MapStep } from '../flow/model.ts';

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
