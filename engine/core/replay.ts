/**
 * replay: the state is the fold of the log. Used by the store (from a snapshot plus the tail), by
 * `firestep replay`, and by tests to prove that incremental decisions and a cold replay agree.
 */
import { FirestepError } from '../errors.ts';
import type { FlowDefinition } from '../flow/model.ts';
import type { ExecutionEvent } from './events.ts';
import { evolve } from './evolve.ts';
import type { ExecutionState } from './state.ts';

/**
 * Fold events (in seq order, no gaps) onto `from` (a snapshot) or onto nothing (from ExecutionStarted).
 * Throws DEFINITION_MISMATCH when `def` is not the definition the execution was started with (to
 * compare definitions on purpose, pass `{...def, hash: state.definitionHash}`), INTERNAL on a gap.
 *
 * @example const state = replay(def, events); toHead(state).status === 'SUCCEEDED';
 */
export function replay(
  def: FlowDefinition,
  events: Iterable<ExecutionEvent>,
  from?: ExecutionState,
): ExecutionState {
  let state = from;
  for (const event of events) state = evolve(def, state, event);
  if (state === undefined) {
    throw new FirestepError(
      'EXECUTION_NOT_FOUND',
      'nothing to replay: the log is empty and no snapshot was given',
    );
  }
  return state;
}
