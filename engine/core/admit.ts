/**
 * Admission: is a signal still meaningful for this state, and which events does it become? This is
 * where idempotency lives in the model — a late, duplicate or stale signal is ignored with a code,
 * and nothing changes.
 */
import { FirestepError } from '../errors.ts';
import { launchable, waitsForCallback } from '../flow/launchable.ts';
import type { FlowDefinition } from '../flow/model.ts';
import { nameOf, stepAt } from '../flow/paths.ts';
import { EXECUTION_TIMER_PATH } from './commands.ts';
import type { EventBody } from './events.ts';
import type { Signal } from './signals.ts';
import type { ExecutionState } from './state.ts';
import { ACTIVE_ATTEMPT, FINISHED_ATTEMPT } from './step-table.ts';

/** Why a signal changed nothing. */
export interface Ignored {
  code: 'STALE_ATTEMPT' | 'UNKNOWN_STEP' | 'EXECUTION_FINISHED' | 'ALREADY_TERMINAL' | 'NOT_REDRIVABLE';
  message: string;
}

export type Admission = { ignored: Ignored } | { events: EventBody[] };

type StepSignal = Exclude<
  Signal,
  { kind: 'cancel' } | { kind: 'redrive' } | { kind: 'child' } | { kind: 'notified' }
>;
type ChildSignal = Extract<Signal, { kind: 'child' }>;

/**
 * Check a signal against the state; step-level signals become the events that record them.
 * `redrive` and `cancel` are admitted with no events (decide builds those, it needs the machine).
 *
 * @example admit(def, state, {kind: 'completed', outcome: 'succeeded', path: 'Nope', attempt: 1, output: null, source})
 * // {ignored: {code: 'UNKNOWN_STEP', …}}
 */
export function admit(def: FlowDefinition, state: ExecutionState, signal: Signal): Admission {
  checkShape(signal);
  if (signal.kind === 'redrive') return admitRedrive(state);
  // A receipt is a fact about an attempt, not a change to the execution: it is recorded even when
  // the execution ended meanwhile (the last step's completion often beats its launch receipt), so
  // the same facts end up in the log whatever order signals arrive in.
  if (signal.kind === 'launched') return admitStepSignal(def, state, signal);
  // A notification is about an execution that ended: it is recorded after the end (also once a
  // redrive runs again), once per (rule, round) — the signal key dedupes a repeated outcome.
  if (signal.kind === 'notified') return admitNotified(signal);
  if (state.status !== 'RUNNING') {
    // An output that would be lost is recorded even when the execution ended meanwhile.
    const late = lateOutput(def, state, signal);
    if (late !== undefined) return late;
    return ignore(
      'EXECUTION_FINISHED',
      `execution "${state.executionId}" is ${state.status}; ${describe(signal)} changes nothing`,
    );
  }
  if (signal.kind === 'cancel') return { events: [] };
  if (signal.kind === 'child') return admitChild(def, state, signal);
  if (signal.kind === 'timer' && signal.timer === 'execution') return admitExecutionTimer(state, signal);
  return admitStepSignal(def, state, signal);
}

/**
 * A child execution's end, for its parent's Map: admitted once per (Map attempt, index) while the
 * Map runs; anything else (a duplicate, a child of an earlier attempt, a Map already ended) is
 * ignored. O(1): the index is looked up in the Map's results.
 */
function admitChild(def: FlowDefinition, state: ExecutionState, signal: ChildSignal): Admission {
  const { path, attempt, index } = signal;
  const step = stepAt(def.flow, path);
  if (step?.type !== 'Map')
    return ignore('UNKNOWN_STEP', `flow "${def.id}" has no Map step at path "${path}"`);
  const row = state.steps[path];
  const progress = state.maps?.[path];
  if (
    row === undefined ||
    progress === undefined ||
    row.attempt !== attempt ||
    progress.attempt !== attempt
  ) {
    return ignore(
      'STALE_ATTEMPT',
      `Map "${path}" is not running attempt ${attempt}; the end of child "${signal.childId}" is stale`,
    );
  }
  if (row.status !== 'RUNNING') return terminal(`Map "${path}" attempt ${attempt} is already ${row.status}`);
  if (index >= progress.next) {
    return ignore(
      'STALE_ATTEMPT',
      `Map "${path}" has not launched item ${index} (next is ${progress.next}); child "${signal.childId}" is not one of its iterations`,
    );
  }
  if (state.mapResults?.[path]?.[index] !== undefined)
    return terminal(`item ${index} of Map "${path}" attempt ${attempt} already ended`);
  const ref = { step: row.step, path, attempt, index, childId: signal.childId };
  return signal.outcome === 'succeeded'
    ? { events: [{ type: 'MapIterationSucceeded', output: signal.output, ...ref }] }
    : { events: [{ type: 'MapIterationFailed', error: signal.error, ...ref }] };
}

function admitNotified(signal: Extract<Signal, { kind: 'notified' }>): Admission {
  const ref = {
    commandId: signal.commandId,
    rule: signal.rule,
    round: signal.round,
    channel: signal.channel,
  };
  if (signal.outcome === 'sent')
    return {
      events: [
        {
          type: 'NotificationSent',
          ...ref,
          ...(signal.messageId === undefined ? {} : { messageId: signal.messageId }),
          ...(signal.httpStatus === undefined ? {} : { httpStatus: signal.httpStatus }),
        },
      ],
    };
  const error = signal.error ?? {
    name: 'States.NotificationFailed',
    kind: 'launch' as const,
    message: 'the notification could not be delivered',
  };
  return { events: [{ type: 'NotificationFailed', ...ref, error }] };
}

/**
 * The execution's own timeout, for the run it was scheduled in (attempt = redriveCount + 1): a timer
 * of an earlier run (before a redrive) is stale. Admitted with no events; decide builds them.
 */
function admitExecutionTimer(state: ExecutionState, signal: Extract<Signal, { kind: 'timer' }>): Admission {
  if (signal.path !== EXECUTION_TIMER_PATH || signal.attempt !== state.redriveCount + 1) {
    return ignore(
      'STALE_ATTEMPT',
      `execution timeout ${signal.path}#${signal.attempt} is for an earlier run of "${state.executionId}" (now run ${state.redriveCount + 1}); ignored`,
    );
  }
  return { events: [] };
}

function admitRedrive(state: ExecutionState): Admission {
  if (state.status === 'SUCCEEDED' || state.status === 'CANCELLED') {
    return ignore(
      'EXECUTION_FINISHED',
      `execution "${state.executionId}" is ${state.status}; only a FAILED execution can be redriven`,
    );
  }
  if (state.status !== 'FAILED') {
    return ignore(
      'NOT_REDRIVABLE',
      `execution "${state.executionId}" is ${state.status}; only a FAILED execution can be redriven`,
    );
  }
  const error = state.error;
  if (error !== undefined && (error.kind === 'fail' || error.kind === 'condition')) {
    const where = error.kind === 'fail' ? 'a Fail step' : 'a Condition with no match';
    return ignore(
      'NOT_REDRIVABLE',
      `execution "${state.executionId}" failed by design (${error.name} at ${where}); a redrive would fail the same way — start a new execution instead`,
    );
  }
  return { events: [] };
}

function admitStepSignal(def: FlowDefinition, state: ExecutionState, signal: StepSignal): Admission {
  const { path, attempt } = signal;
  const step = stepAt(def.flow, path);
  if (step === undefined) return ignore('UNKNOWN_STEP', `flow "${def.id}" has no step at path "${path}"`);
  const expected = signal.kind === 'timer' && signal.timer === 'wait' ? 'Wait' : 'Task';
  if ((launchable(step) !== undefined ? 'Task' : step.type) !== expected) {
    return ignore(
      'UNKNOWN_STEP',
      `step "${path}" is a ${step.type}; ${describe(signal)} is for a ${expected} step`,
    );
  }
  const row = state.steps[path];
  if (row === undefined)
    return ignore(
      'STALE_ATTEMPT',
      `step "${path}" has not started; ${describe(signal)} is not for this execution's run`,
    );
  const ref = { step: row.step, path, attempt };

  if (signal.kind === 'timer' && signal.timer === 'retry') {
    if (row.status === 'RETRY_SCHEDULED' && attempt === row.attempt + 1) {
      return { events: [{ type: 'TimerFired', timer: 'retry', ...ref }] };
    }
    return ignore(
      'STALE_ATTEMPT',
      `step "${path}" is ${row.status} at attempt ${row.attempt}; retry timer for attempt ${attempt} is stale`,
    );
  }
  if (attempt !== row.attempt) {
    return ignore(
      'STALE_ATTEMPT',
      `step "${path}" is at attempt ${row.attempt}; ${describe(signal)} is stale`,
    );
  }
  switch (signal.kind) {
    case 'logged':
      return {
        events: [
          {
            type: 'StepLogged',
            lines: signal.lines,
            ...ref,
            ...(signal.metadata === undefined ? {} : { metadata: signal.metadata }),
          },
        ],
      };
    case 'launched':
      if (row.receipt !== undefined)
        return terminal(`launch of step "${path}" attempt ${attempt} is already recorded`);
      return {
        events: [
          {
            type: 'StepLaunched',
            commandId: signal.commandId,
            receipt: signal.receipt,
            ...(signal.input === undefined ? {} : { input: signal.input }),
            ...ref,
          },
        ],
      };
    case 'timer':
      if (signal.timer === 'wait') {
        if (row.status !== 'WAITING')
          return terminal(`wait "${path}" attempt ${attempt} is already ${row.status}`);
        return { events: [{ type: 'TimerFired', timer: 'wait', ...ref }] };
      }
      if (!ACTIVE_ATTEMPT.has(row.status))
        return terminal(`step "${path}" attempt ${attempt} is already ${row.status}; timeout ignored`);
      return { events: [{ type: 'StepTimedOut', ...ref }] };
    case 'launchFailed':
    case 'completed':
      if (FINISHED_ATTEMPT.has(row.status)) {
        return (
          lateOutput(def, state, signal) ??
          terminal(`step "${path}" attempt ${attempt} is already ${row.status}; ${describe(signal)} ignored`)
        );
      }
      if (signal.kind === 'completed' && signal.outcome === 'succeeded') {
        const task = launchable(step);
        if (signal.platform === true && task !== undefined && waitsForCallback(task.target)) {
          // The platform's line carries no output: it confirms, the callback completes the step.
          if (row.confirmedAt !== undefined)
            return terminal(
              `step "${path}" attempt ${attempt} is already confirmed; waiting for its callback`,
            );
          return { events: [{ type: 'StepConfirmed', ...ref }] };
        }
        return { events: [{ type: 'StepSucceeded', output: signal.output, ...ref }] };
      }
      return { events: [{ type: 'StepFailed', error: signal.error, ...ref }] };
  }
}

/**
 * A callback's output for an attempt that already SUCCEEDED without one (its platform line, which
 * carries none, was applied first and the step does not wait for its callback). The flow has moved
 * on, so nothing changes, but the output is recorded as `LateOutputRejected` — never dropped unseen.
 */
function lateOutput(def: FlowDefinition, state: ExecutionState, signal: Signal): Admission | undefined {
  if (signal.kind !== 'completed' || signal.outcome !== 'succeeded') return undefined;
  if (signal.platform === true || signal.output === null) return undefined;
  const row = state.steps[signal.path];
  const task = launchable(stepAt(def.flow, signal.path));
  if (task === undefined || row === undefined || row.type !== 'Task') return undefined;
  if (row.attempt !== signal.attempt || row.status !== 'SUCCEEDED' || row.output !== null) return undefined;
  const wait =
    task.target.type === 'Http'
      ? '"mode": "async"'
      : task.target.type === 'PubSub'
        ? '"mode": "callback"'
        : '"wait_for_callback": true';
  const reason = `the callback of "${row.step}" attempt ${signal.attempt} brought an output after the step had already succeeded without one (its platform log line came first) and the flow moved on without it; give the step ${wait} so that it waits for its callback's output`;
  return {
    events: [
      {
        type: 'LateOutputRejected',
        step: row.step,
        path: signal.path,
        attempt: signal.attempt,
        output: signal.output,
        reason,
      },
    ],
  };
}

const STEP_KINDS = new Set(['launched', 'launchFailed', 'completed', 'logged', 'timer', 'child']);

/** Signals may come from stored JSON (inbox, dead letters): a wrong shape is the caller's fault, said clearly. */
function checkShape(signal: Signal): void {
  const raw = signal as unknown as Record<string, unknown> | null;
  const kind = typeof raw === 'object' && raw !== null ? raw.kind : undefined;
  if (kind === 'cancel' || kind === 'redrive') return;
  if (kind === 'notified') {
    const { rule, round, outcome, channel } = raw as Record<string, unknown>;
    if (
      !Number.isInteger(rule) ||
      !Number.isInteger(round) ||
      (outcome !== 'sent' && outcome !== 'failed') ||
      typeof channel !== 'object' ||
      channel === null
    )
      throw new FirestepError(
        'SIGNAL_MALFORMED',
        'a notified signal needs an integer rule and round, outcome sent or failed, and a channel',
      );
    return;
  }
  if (typeof kind !== 'string' || !STEP_KINDS.has(kind)) {
    throw new FirestepError(
      'SIGNAL_MALFORMED',
      `signal kind ${JSON.stringify(kind)} is not one of launched, launchFailed, completed, logged, timer, child, cancel, redrive, notified`,
    );
  }
  const { path, attempt, timer, outcome, error, index } = raw as Record<string, unknown>;
  const malformed = (what: string) =>
    new FirestepError('SIGNAL_MALFORMED', `a ${kind} signal for ${JSON.stringify(path)} needs ${what}`);
  if (typeof path !== 'string' || path === '') throw malformed('a step path');
  if (!Number.isInteger(attempt) || (attempt as number) < 1)
    throw malformed(`an attempt ≥ 1, not ${JSON.stringify(attempt)}`);
  if (kind === 'timer' && !['retry', 'wait', 'timeout', 'execution'].includes(timer as string)) {
    throw malformed(`timer retry, wait, timeout or execution, not ${JSON.stringify(timer)}`);
  }
  if (kind === 'child' && (!Number.isInteger(index) || (index as number) < 0))
    throw malformed(`an item index ≥ 0, not ${JSON.stringify(index)}`);
  if ((kind === 'completed' || kind === 'child') && outcome !== 'succeeded' && outcome !== 'failed') {
    throw malformed(`outcome succeeded or failed, not ${JSON.stringify(outcome)}`);
  }
  const failing =
    kind === 'launchFailed' || ((kind === 'completed' || kind === 'child') && outcome === 'failed');
  if (
    failing &&
    (typeof error !== 'object' || error === null || typeof (error as { name?: unknown }).name !== 'string')
  ) {
    throw malformed('an error with a name');
  }
}

function terminal(message: string): Admission {
  return ignore('ALREADY_TERMINAL', message);
}

function ignore(code: Ignored['code'], message: string): Admission {
  return { ignored: { code, message } };
}

function describe(signal: Signal): string {
  switch (signal.kind) {
    case 'completed':
      return `completion (${signal.outcome}) of "${nameOf(signal.path)}" attempt ${signal.attempt}`;
    case 'child':
      return `end (${signal.outcome}) of item ${signal.index} of Map "${nameOf(signal.path)}" attempt ${signal.attempt}`;
    case 'launched':
    case 'launchFailed':
    case 'logged':
      return `${signal.kind} signal for "${nameOf(signal.path)}" attempt ${signal.attempt}`;
    case 'timer':
      return `${signal.timer} timer of "${nameOf(signal.path)}" attempt ${signal.attempt}`;
    case 'cancel':
    case 'redrive':
      return signal.kind;
    case 'notified':
      return `notification ${signal.rule} of end ${signal.round}`;
  }
}
