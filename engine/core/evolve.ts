/**
 * evolve: state × event → state. The only way state changes; replay is a fold of it. Events that
 * move the flow (completions, timers, redrive) are sent to the compiled machine; the machine's
 * actions (launches, waits) open rows in the step table. Nothing here reads the clock: times come
 * from the events.
 */
import { FirestepError } from '../errors.ts';
import type { MachineAction, MachineEvent } from '../flow/machine-contract.ts';
import { editable } from '../flow/machine-logic.ts';
import type { FlowDefinition, MapStep } from '../flow/model.ts';
import { ERROR_NAMES } from '../flow/model.ts';
import { stepAt } from '../flow/paths.ts';
import type { ExecutionEvent } from './events.ts';
import { startMachine, stepMachine } from './machine.ts';
import { recordIteration, startProgress } from './map.ts';
import type { ExecutionState, MapResult } from './state.ts';
import {
  cancelOpenSteps,
  confirmStep,
  enterSteps,
  finishStep,
  markRetryScheduled,
  recordLaunch,
  type StepTable,
} from './step-table.ts';

/** A state after one event, with the actions the machine emitted while applying it. */
export interface Evolution {
  state: ExecutionState;
  actions: MachineAction[];
}

/**
 * Apply one event to a state (`undefined` before `ExecutionStarted`).
 *
 * @example
 * const state = evolve(def, undefined, { type: 'ExecutionStarted', seq: 1, at, executionId: 'e1',
 *   flowId: def.id, definitionHash: def.hash, input: {} });
 * state.steps.Init?.status === 'LAUNCHING';
 */
export function evolve(
  def: FlowDefinition,
  state: ExecutionState | undefined,
  event: ExecutionEvent,
): ExecutionState {
  return evolveWithActions(def, state, event).state;
}

/**
 * evolve, also returning the machine actions the event caused (decide turns them into commands).
 *
 * @example evolveWithActions(def, state, succeeded).actions // [{type: 'launch', params: {path: 'Step1', …}}]
 */
export function evolveWithActions(
  def: FlowDefinition,
  state: ExecutionState | undefined,
  event: ExecutionEvent,
): Evolution {
  if (event.type === 'ExecutionStarted') return started(def, state, event);
  const s = expectNext(def, state, event);
  const at = event.at;
  switch (event.type) {
    case 'StepLaunched':
      return same({
        ...s,
        steps: recordLaunch(
          s.steps,
          event.path,
          event.receipt,
          at,
          event.input === undefined ? undefined : { value: event.input, seq: event.seq },
        ),
      });
    case 'MapStarted': {
      const row = s.steps[event.path];
      const steps = row === undefined ? s.steps : editable(s.steps);
      if (row !== undefined) steps[event.path] = { ...row, status: 'RUNNING', launchedAt: at };
      const maps = editable(s.maps ?? {});
      maps[event.path] = startProgress(event.step, event.attempt, event.total, event.concurrency);
      const results = editable(s.mapResults ?? {});
      results[event.path] = {};
      return same({ ...s, steps, maps, mapResults: results });
    }
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return same(iterationEnded(def, s, event));
    case 'StepSucceeded':
      return drive(
        def,
        closeMap(s, event.path),
        finishStep(s.steps, event.path, 'SUCCEEDED', at, undefined, { value: event.output, seq: event.seq }),
        at,
        {
          type: 'STEP_SUCCEEDED',
          path: event.path,
          attempt: event.attempt,
          output: event.output,
        },
      );
    case 'StepFailed':
      return drive(
        def,
        closeMap(s, event.path),
        finishStep(s.steps, event.path, 'FAILED', at, event.error),
        at,
        {
          type: 'STEP_FAILED',
          path: event.path,
          attempt: event.attempt,
          error: event.error,
        },
      );
    case 'StepTimedOut': {
      const confirmedAt = s.steps[event.path]?.confirmedAt;
      const error = {
        name: ERROR_NAMES.timeout,
        kind: 'timeout' as const,
        message:
          confirmedAt === undefined
            ? `step "${event.step}" attempt ${event.attempt} timed out`
            : `step "${event.step}" attempt ${event.attempt} timed out waiting for its callback: its platform log line said it ended well at ${confirmedAt}, but no callback brought its output; wrap the function with the firestep SDK (withFirestep / firestep.step), or drop "wait_for_callback" if it returns nothing`,
      };
      return drive(def, s, finishStep(s.steps, event.path, 'TIMED_OUT', at, error), at, {
        type: 'STEP_TIMED_OUT',
        path: event.path,
        attempt: event.attempt,
      });
    }
    case 'StepRetryScheduled':
      return same({ ...s, steps: markRetryScheduled(s.steps, event.path) });
    case 'TimerFired':
      return event.timer === 'retry'
        ? drive(def, s, s.steps, at, { type: 'RETRY_DUE', path: event.path, attempt: event.attempt })
        : drive(def, s, finishStep(s.steps, event.path, 'SUCCEEDED', at), at, {
            type: 'WAIT_ELAPSED',
            path: event.path,
            attempt: event.attempt,
          });
    case 'StepConfirmed':
      return same({ ...s, steps: confirmStep(s.steps, event.path, at) });
    case 'StepLogged':
    case 'ChoiceTaken':
    case 'LateOutputRejected':
    case 'NotificationSent':
    case 'NotificationFailed':
      return same(s);
    case 'ExecutionSucceeded':
      return same({ ...s, status: 'SUCCEEDED', output: event.output });
    case 'ExecutionFailed':
      return same({ ...s, status: 'FAILED', error: event.error });
    case 'ExecutionCancelled':
      return same({ ...s, status: 'CANCELLED', steps: cancelOpenSteps(s.steps, at) });
    case 'ExecutionTimedOut':
      return same({ ...s, status: 'TIMED_OUT', error: event.error, steps: cancelOpenSteps(s.steps, at) });
    case 'ExecutionRedriven': {
      const { error: _cleared, ...rest } = s;
      return drive(def, { ...rest, status: 'RUNNING', redriveCount: event.redriveCount }, s.steps, at, {
        type: 'REDRIVE',
      });
    }
  }
}

function started(
  def: FlowDefinition,
  state: ExecutionState | undefined,
  event: Extract<ExecutionEvent, { type: 'ExecutionStarted' }>,
): Evolution {
  if (state !== undefined) {
    throw new FirestepError(
      'INTERNAL',
      `execution "${state.executionId}" already started; its log has two starts`,
    );
  }
  if (event.seq !== 1) {
    throw new FirestepError(
      'INTERNAL',
      `ExecutionStarted has seq ${event.seq}; an execution's log starts at 1`,
    );
  }
  checkDefinition(def, event.definitionHash, event.executionId);
  const { machine, actions } = startMachine(def, event.input, event.trigger);
  const state0: ExecutionState = {
    executionId: event.executionId,
    flowId: event.flowId,
    definitionHash: event.definitionHash,
    ...(event.name === undefined ? {} : { name: event.name }),
    ...(event.traceKeyVersion === undefined ? {} : { traceKeyVersion: event.traceKeyVersion }),
    ...(event.parent === undefined ? {} : { parent: event.parent }),
    status: 'RUNNING',
    input: event.input,
    startedAt: event.at,
    updatedAt: event.at,
    lastSeq: event.seq,
    redriveCount: 0,
    steps: enterSteps({}, actions, event.at),
    machine,
  };
  return { state: state0, actions };
}

/** The state an event applies to, with lastSeq/updatedAt advanced; refuses gaps and foreign events. */
function expectNext(
  def: FlowDefinition,
  state: ExecutionState | undefined,
  event: ExecutionEvent,
): ExecutionState {
  if (state === undefined) {
    throw new FirestepError('INTERNAL', `event ${event.seq} (${event.type}) comes before ExecutionStarted`);
  }
  checkDefinition(def, state.definitionHash, state.executionId);
  if (event.seq !== state.lastSeq + 1) {
    throw new FirestepError(
      'INTERNAL',
      `execution "${state.executionId}": event seq ${event.seq} does not follow ${state.lastSeq}; the log has a gap or a duplicate`,
    );
  }
  return { ...state, lastSeq: event.seq, updatedAt: event.at };
}

function checkDefinition(def: FlowDefinition, hash: string, executionId: string): void {
  if (def.hash !== hash) {
    throw new FirestepError(
      'DEFINITION_MISMATCH',
      `execution "${executionId}" runs definition ${hash.slice(0, 12)}…, not ${def.hash.slice(0, 12)}… of flow "${def.id}"; load the definition the execution was started with`,
      { details: { executionId, expected: hash, given: def.hash } },
    );
  }
}

/** Record one finished iteration: counters and cursor (O(1)) and its result under its index. */
function iterationEnded(
  def: FlowDefinition,
  s: ExecutionState,
  event: Extract<ExecutionEvent, { type: 'MapIterationSucceeded' | 'MapIterationFailed' }>,
): ExecutionState {
  const progress = s.maps?.[event.path];
  const step = stepAt(def.flow, event.path);
  if (progress === undefined || step?.type !== 'Map') {
    throw new FirestepError(
      'INTERNAL',
      `execution "${s.executionId}": event ${event.seq} (${event.type}) names "${event.path}", which is not a running Map`,
    );
  }
  const ok = event.type === 'MapIterationSucceeded';
  const maps = editable(s.maps ?? {});
  maps[event.path] = recordIteration(step as MapStep, progress, ok);
  const all = editable(s.mapResults ?? {});
  const mine = editable(all[event.path] ?? {});
  const result: MapResult = ok
    ? { output: event.output }
    : { failure: { error: event.error.name, cause: event.error.message } };
  mine[event.index] = result;
  all[event.path] = mine;
  return { ...s, maps, mapResults: all };
}

/** A Map's step ended: its results now live in the StepSucceeded/StepFailed event, not the state. */
function closeMap(s: ExecutionState, path: string): ExecutionState {
  if (s.mapResults?.[path] === undefined) return s;
  const { [path]: _done, ...rest } = s.mapResults;
  return { ...s, mapResults: rest };
}

function same(state: ExecutionState): Evolution {
  return { state, actions: [] };
}

function drive(
  def: FlowDefinition,
  state: ExecutionState,
  steps: StepTable,
  at: string,
  event: MachineEvent,
): Evolution {
  const { machine, actions } = stepMachine(def, state.machine, event);
  return { state: { ...state, steps: enterSteps(steps, actions, at), machine }, actions };
}
