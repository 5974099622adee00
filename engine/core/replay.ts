/**
 * replay: the state is the fold of the log. Used by the store (from a snapshot plus the tail), by
 * `firestep replay`, and by tests to prove that incremental decisions and a cold replay agree.
 */
import { FirestepError } from '../errors.ts';
import { type WriteScope, withWriteScope } from '../flow/machine-logic.ts';
import type { FlowDefinition } from '../flow/model.ts';
import type { ExecutionEvent } from './events.ts';
import { evolve } from './evolve.ts';
import type { ExecutionState } from './state.ts';

/**
 * Fold events (in seq order, no gaps) onto `from` (a snapshot) or onto nothing (from ExecutionStarted).
 * Throws DEFINITION_MISMATCH when `def` is not the definition the execution was started with (to
 * compare definitions on purpose, pass `{...def, hash: state.definitionHash}`), INTERNAL on a gap.
 *
 * Gives exactly `events.reduce(evolve, from)`, in time linear in the number of events: nobody sees
 * the intermediate states, so each event runs in one write scope where the step table and the
 * machine context's maps are copied on their first write and then updated in place (evolve alone
 * copies them per event, which made a 25,000-event replay quadratic). `from` is never modified; the
 * returned state owns its records (nothing writes them after this returns).
 *
 * @example const state = replay(def, events); toHead(state).status === 'SUCCEEDED';
 */
export function replay(
  def: FlowDefinition,
  events: Iterable<ExecutionEvent>,
  from?: ExecutionState,
): ExecutionState {
  let state = from;
  // Entered per event, not around the loop, so that code behind `events` (a generator) runs
  // outside the scope.
  const scope: WriteScope = new WeakSet();
  for (const event of events) {
    const before = state;
    state = withWriteScope(scope, () => evolve(def, before, event));
  }
  if (state === undefined) {
    throw new FirestepError(
      'EXECUTION_NOT_FOUND',
      'nothing to replay: the log is empty and no snapshot was given',
    );
  }
  return state;
}
