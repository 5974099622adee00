/**
 * Cancel and redrive as one code path for every front end: the `cancel` / `redrive` commands, the
 * `dev` control routes and the web console's buttons all call these. Each asks the engine's own
 * `decide` first (through `applyAndSettle`), so a refused action comes back with the engine's reason.
 */
import type { SignalSource } from '../../engine/core/events.ts';
import { FirestepError } from '../../engine/errors.ts';
import type { ExecutionStore } from '../../engine/store/index.ts';
import { applyAndSettle } from './writer.ts';

/** What became of an action. */
export interface ActionOutcome {
  executionId: string;
  /** `done`: applied; `already`: nothing to do (already cancelled); `queued`: left to the engine draining it. */
  result: 'done' | 'already' | 'queued';
  /** One line for people, e.g. `sample-dag~x CANCELLED`. */
  message: string;
}

async function headOf(store: ExecutionStore, executionId: string, where: string) {
  const head = await store.getHead(executionId);
  if (head === undefined) {
    throw new FirestepError('EXECUTION_NOT_FOUND', `execution "${executionId}" does not exist in ${where}`);
  }
  return head;
}

/**
 * Cancel a RUNNING execution.
 *
 * @example await cancelExecution(store, 'sample-dag~x', { reason: 'wrong input', where: 'project p' });
 */
export async function cancelExecution(
  store: ExecutionStore,
  executionId: string,
  opts: { reason?: string; source?: SignalSource; where: string },
): Promise<ActionOutcome> {
  const head = await headOf(store, executionId, opts.where);
  if (head.status === 'CANCELLED') {
    return { executionId, result: 'already', message: `${executionId} was already CANCELLED` };
  }
  const { result, head: after } = await applyAndSettle(
    store,
    executionId,
    {
      kind: 'cancel',
      reason: opts.reason ?? 'cancelled with firestep cancel',
      source: opts.source ?? { kind: 'api', id: 'cli' },
    },
    (h) => h.status !== 'RUNNING',
  );
  if (after?.status === 'RUNNING') {
    return {
      executionId,
      result: 'queued',
      message: `${executionId} cancel queued for the engine (it is draining this execution)`,
    };
  }
  if (after?.status !== 'CANCELLED') {
    throw new FirestepError(
      'EXECUTION_FINISHED',
      `cannot cancel ${executionId}: ${result.ignored?.message ?? `it is already ${after?.status ?? 'gone'}`}`,
    );
  }
  return { executionId, result: 'done', message: `${executionId} CANCELLED` };
}

/**
 * Redrive a FAILED execution from the steps that did not succeed.
 *
 * @example await redriveExecution(store, 'sample-dag~x', { where: 'project p' });
 */
export async function redriveExecution(
  store: ExecutionStore,
  executionId: string,
  opts: { source?: SignalSource; where: string },
): Promise<ActionOutcome> {
  const head = await headOf(store, executionId, opts.where);
  const before = head.redriveCount;
  const { result, head: after } = await applyAndSettle(
    store,
    executionId,
    { kind: 'redrive', source: opts.source ?? { kind: 'api', id: 'cli' } },
    (h) => h.redriveCount > before,
  );
  if (after === undefined || after.redriveCount <= before) {
    if (result.status === 'queued') {
      return {
        executionId,
        result: 'queued',
        message: `${executionId} redrive queued for the engine (it is draining this execution)`,
      };
    }
    throw new FirestepError(
      'EXECUTION_FINISHED',
      `cannot redrive ${executionId}: ${result.ignored?.message ?? `it is ${after?.status ?? head.status}`}`,
    );
  }
  const redriven = result.events.find((e) => e.type === 'ExecutionRedriven');
  const paths = redriven?.type === 'ExecutionRedriven' ? `: ${redriven.paths.join(', ')}` : '';
  return {
    executionId,
    result: 'done',
    message: `${executionId} RUNNING again (redrive #${after.redriveCount}${paths})`,
  };
}
