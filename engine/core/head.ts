/**
 * The head document: what a person sees at `executions/{id}` in the Firestore console. It is the
 * execution state without the machine snapshot, with no `undefined` anywhere (Firestore rejects it).
 */
import type { ExecutionState } from './state.ts';

/** `ExecutionState` minus `machine`: status, input/output/error, times, lastSeq, per-step table. */
export type HeadDocument = Omit<ExecutionState, 'machine' | 'mapResults'>;

/**
 * Project a state to its head document (a fresh, JSON-ready object).
 *
 * @example toHead(state).steps['Step2/1/Branch2']?.status // 'RUNNING'
 */
export function toHead(state: ExecutionState): HeadDocument {
  const { machine: _machine, mapResults: _results, ...head } = state;
  return withoutUndefined(head) as HeadDocument;
}

function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) out[key] = withoutUndefined(item);
  }
  return out;
}
