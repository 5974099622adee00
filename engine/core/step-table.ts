/**
 * The head's per-step table, as pure updates. Rows are keyed by step path and describe the current
 * attempt of each Task and Wait step that has been entered. Updates return a new table (rows are
 * replaced, never edited) — except inside replay's write scope, where the table is copied once and
 * then updated in place (`editable`), so a fold stays linear in the number of events.
 */
import type { MachineAction } from '../flow/machine-contract.ts';
import { editable } from '../flow/machine-logic.ts';
import type { Json } from '../flow/model.ts';
import type { Receipt, StepError } from './events.ts';
import type { EventValueRef, StepState, StepStatus } from './state.ts';

export type StepTable = Record<string, StepState>;

/** Statuses after which the attempt can no longer complete. */
export const FINISHED_ATTEMPT: ReadonlySet<StepStatus> = new Set([
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'RETRY_SCHEDULED',
  'CANCELLED',
]);

/** Statuses of an attempt that is (or is about to be) running somewhere. */
export const ACTIVE_ATTEMPT: ReadonlySet<StepStatus> = new Set(['LAUNCHING', 'RUNNING']);

/**
 * New rows for the steps a machine transition entered: a launch starts a Task attempt, a
 * scheduleWait starts a Wait.
 *
 * @example enterSteps({}, [{type: 'launch', params: {path: 'Init', step: 'Init', attempt: 1}}], at).Init?.status === 'LAUNCHING'
 */
export function enterSteps(steps: StepTable, actions: readonly MachineAction[], at: string): StepTable {
  if (!actions.some((a) => a.type === 'launch' || a.type === 'scheduleWait')) return steps;
  const next = editable(steps);
  for (const action of actions) {
    if (action.type === 'launch') {
      const { path, step, attempt } = action.params;
      next[path] = { step, path, type: 'Task', status: 'LAUNCHING', attempt };
    } else if (action.type === 'scheduleWait') {
      const { path, step, attempt } = action.params;
      next[path] = { step, path, type: 'Wait', status: 'WAITING', attempt, launchedAt: at };
    }
  }
  return next;
}

/**
 * Record the adapter's receipt. The status moves LAUNCHING → RUNNING; an attempt that already
 * finished (completion before launch) keeps its status and just gains the receipt.
 */
export function recordLaunch(
  steps: StepTable,
  path: string,
  receipt: Receipt,
  at: string,
  input?: { value: Json; seq: number },
): StepTable {
  const row = steps[path];
  if (row === undefined) return steps;
  const status: StepStatus = row.status === 'LAUNCHING' ? 'RUNNING' : row.status;
  const data = input === undefined ? {} : { input: inlineOrRef(input.value, input.seq) };
  return withRow(steps, path, { ...row, status, receipt, launchedAt: at, ...data });
}

/** Largest JSON (in bytes) a step row holds inline; a larger value is an `EventValueRef`. */
export const ROW_INLINE_BYTES = 1024;

/**
 * A value as the step table holds it.
 *
 * @example inlineOrRef({ rows: 3 }, 7) // { rows: 3 }
 * @example inlineOrRef('x'.repeat(5000), 7) // { $event: 7, bytes: 5002 }
 */
export function inlineOrRef(value: Json, seq: number): Json | EventValueRef {
  const bytes = new TextEncoder().encode(JSON.stringify(value) ?? 'null').length;
  return bytes <= ROW_INLINE_BYTES ? value : { $event: seq, bytes };
}

/** Close the current attempt of a step with a final status (and error, for failures). */
export function finishStep(
  steps: StepTable,
  path: string,
  status: StepStatus,
  at: string,
  error?: StepError,
  output?: { value: Json; seq: number },
): StepTable {
  const row = steps[path];
  if (row === undefined) return steps;
  const { error: _previous, output: _earlier, ...rest } = row;
  return withRow(steps, path, {
    ...rest,
    status,
    finishedAt: at,
    ...(error === undefined ? {} : { error }),
    ...(output === undefined ? {} : { output: inlineOrRef(output.value, output.seq) }),
  });
}

/** The platform says the attempt's process ended well; the step still waits for its callback. */
export function confirmStep(steps: StepTable, path: string, at: string): StepTable {
  const row = steps[path];
  return row === undefined ? steps : withRow(steps, path, { ...row, confirmedAt: at });
}

/** A failed attempt that will be retried. */
export function markRetryScheduled(steps: StepTable, path: string): StepTable {
  const row = steps[path];
  return row === undefined ? steps : withRow(steps, path, { ...row, status: 'RETRY_SCHEDULED' });
}

/** Execution cancelled: every attempt still open is cancelled. */
export function cancelOpenSteps(steps: StepTable, at: string): StepTable {
  const next: StepTable = {};
  for (const [path, row] of Object.entries(steps)) {
    const open =
      ACTIVE_ATTEMPT.has(row.status) || row.status === 'RETRY_SCHEDULED' || row.status === 'WAITING';
    next[path] = open ? { ...row, status: 'CANCELLED', finishedAt: at } : row;
  }
  return next;
}

/** `{...steps, [path]: row}`, copy-on-first-write inside replay's write scope. */
function withRow(steps: StepTable, path: string, row: StepState): StepTable {
  const next = editable(steps);
  next[path] = row;
  return next;
}
