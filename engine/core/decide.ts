/**
 * decide: state × signal → events + commands. The signal is admitted (or ignored with a code), turned
 * into events, and each event is applied with evolve; the machine actions it causes become more
 * events (retry scheduled, execution failed/succeeded) and commands (launch, timers, cancel). Every
 * event gets the next `seq`, `at = now` and the signal's `source`.
 */
import { FirestepError } from '../errors.ts';
import { launchable } from '../flow/launchable.ts';
import type { MachineAction } from '../flow/machine-contract.ts';
import { type WriteScope, withWriteScope } from '../flow/machine-logic.ts';
import {
  ERROR_NAMES,
  type FlowDefinition,
  type Json,
  MAP_MAX_ITEMS,
  type MapStep,
  type TaskStep,
} from '../flow/model.ts';
import { resolveParametersDetailed, resolveValueDetailed } from '../flow/parameters.ts';
import { stepAt } from '../flow/paths.ts';
import { lookup, type ReferenceContext } from '../flow/reference.ts';
import { admit, type Ignored } from './admit.ts';
import {
  type Command,
  childCommandId,
  commandId,
  EXECUTION_TIMER_PATH,
  type LaunchCommand,
  type TimerKind,
} from './commands.ts';
import {
  type EventBody,
  type ExecutionEvent,
  type SignalSource,
  type StepError,
  TERMINAL_EXECUTION_EVENTS,
} from './events.ts';
import { evolveWithActions } from './evolve.ts';
import { executionTimeoutError } from './execution-timeout.ts';
import { contextOf, stepMachine } from './machine.ts';
import {
  breachesTolerance,
  childExecutionId,
  iterationInput,
  mapConcurrency,
  mapFinished,
  mapOutput,
  runningIndices,
} from './map.ts';
import { notifyCommands } from './notify.ts';
import { replay } from './replay.ts';
import type { Signal } from './signals.ts';
import type { ExecutionState } from './state.ts';
import { ACTIVE_ATTEMPT } from './step-table.ts';
import { addSeconds } from './time.ts';
import { traceFor } from './trace.ts';

export type { Ignored } from './admit.ts';

/** What a signal decided: events to append, commands to write to the outbox, or why nothing. */
export interface Decision {
  events: ExecutionEvent[];
  commands: Command[];
  ignored?: Ignored;
}

const outcomes = new WeakMap<Decision, { from: ExecutionState; to: ExecutionState }>();

/** Options of `decide`. */
export interface DecideOptions {
  /**
   * A write scope the caller keeps across calls (`new WeakSet()`), for a caller that discards each
   * state once it has decided on it, e.g. a driver folding a whole execution. States decided under
   * the same scope are then updated in place: a signal costs O(1) instead of O(steps) copies. Never
   * pass it when the state decided on is still used afterwards (a cache, a retried decision).
   */
  inPlace?: WriteScope;
  /**
   * The deployment's trace key (the callback secret). Required to launch steps of an execution
   * whose traces are keyed (`traceKeyVersion` 1); ignored for executions started before.
   */
  traceKey?: string;
}

/**
 * Decide what a signal means for an execution.
 *
 * @example
 * const d = decide(def, state, { kind: 'completed', outcome: 'succeeded', path: 'Init', attempt: 1,
 *   output: { rows: 3 }, source: { kind: 'log', id: 'insert-1' } }, '2024-01-01T00:00:05.000Z');
 * d.events.map((e) => e.type); // ['StepSucceeded']
 * d.commands.map((c) => c.id); // ['launch~Step1~1']
 */
export function decide(
  def: FlowDefinition,
  state: ExecutionState,
  signal: Signal,
  now: string,
  options: DecideOptions = {},
): Decision {
  const admission = admit(def, state, signal);
  if ('ignored' in admission) return { events: [], commands: [], ignored: admission.ignored };
  const run = new Run(def, state, now, signal.source, options.inPlace, options.traceKey);
  if (signal.kind === 'cancel') run.cancel(signal.reason);
  else if (signal.kind === 'redrive') run.redrive();
  else if (signal.kind === 'timer' && signal.timer === 'execution') run.timeOut();
  else for (const body of admission.events) run.emit(body);
  return run.finish();
}

/**
 * Fold a decision's events into the state it was decided on.
 *
 * @example const next = applyDecision(def, state, decide(def, state, signal, now));
 */
export function applyDecision(
  def: FlowDefinition,
  state: ExecutionState,
  decision: Decision,
): ExecutionState {
  const known = outcomes.get(decision);
  if (known !== undefined && known.from === state) return known.to;
  return replay(def, decision.events, state);
}

/** One decision in progress: appends events, applies them, translates machine actions. */
export class Run {
  readonly events: ExecutionEvent[] = [];
  readonly commands: Command[] = [];
  private readonly from: ExecutionState | undefined;

  constructor(
    private readonly def: FlowDefinition,
    private state: ExecutionState | undefined,
    private readonly now: string,
    private readonly source: SignalSource | undefined,
    /**
     * The decision's intermediate states are private (only the last one leaves, via `finish`), so
     * its events share one write scope: the step table and context maps are copied once per
     * decision rather than once per update (or never, with a caller's `inPlace` scope).
     */
    private readonly scope: WriteScope = new WeakSet(),
    private readonly traceKey: string | undefined = undefined,
  ) {
    this.from = state;
  }

  /** The state after every event emitted so far (a later `emit` may update it in place). */
  get current(): ExecutionState | undefined {
    return this.state;
  }

  emit(body: EventBody): void {
    const event = {
      ...body,
      seq: (this.state?.lastSeq ?? 0) + 1,
      at: this.now,
      ...(this.source === undefined ? {} : { source: this.source }),
    } as ExecutionEvent;
    const before = this.state;
    const launchedBefore =
      'path' in body && body.path !== undefined ? (before?.maps?.[body.path]?.next ?? 0) : 0;
    const wasRunning = before?.status === 'RUNNING';
    const { state, actions } = withWriteScope(this.scope, () => evolveWithActions(this.def, before, event));
    this.state = state;
    this.events.push(event);
    // The event that ends the execution writes its notify commands (flow `notify`) with it.
    if (wasRunning && state.status !== 'RUNNING')
      this.commands.push(
        ...notifyCommands(
          this.def,
          state,
          this.now,
          event.type === 'ExecutionCancelled' ? { type: event.type, reason: event.reason } : event,
        ),
      );
    for (const action of actions) this.translate(action);
    if (
      body.type === 'MapStarted' ||
      body.type === 'MapIterationSucceeded' ||
      body.type === 'MapIterationFailed'
    ) {
      this.followMap(body.path, launchedBefore);
    }
    const after = this.state;
    if (after.status === 'RUNNING' && after.machine.status === 'done') {
      this.emit({ type: 'ExecutionSucceeded', output: contextOf(after.machine).lastOutput });
    }
    if ((TERMINAL_EXECUTION_EVENTS as readonly string[]).includes(body.type) && after.parent !== undefined) {
      this.notifyParent(after);
    }
  }

  cancel(reason: string): void {
    this.stopOpenSteps(`parent execution cancelled: ${reason}`);
    this.emit({ type: 'ExecutionCancelled', reason });
  }

  /** The flow's `timeout_seconds` elapsed: stop what runs, as a cancel does, and end TIMED_OUT. */
  timeOut(): void {
    const seconds = this.def.flow.timeout_seconds ?? 0;
    const run = this.require().redriveCount + 1;
    this.stopOpenSteps(`parent execution timed out after timeout_seconds ${seconds}`);
    this.emit({
      type: 'ExecutionTimedOut',
      error: executionTimeoutError(seconds),
      timeoutSeconds: seconds,
      run,
    });
  }

  /**
   * Schedule the execution's own timeout (the flow's `timeout_seconds`) for the run that starts now:
   * attempt 1 at the start, redriveCount + 1 after a redrive. No-op for a flow without one or a run
   * that already ended in the decision that started it.
   */
  scheduleExecutionTimeout(): void {
    const state = this.require();
    const seconds = this.def.flow.timeout_seconds;
    if (seconds === undefined || state.status !== 'RUNNING') return;
    this.timer(
      state,
      'execution',
      EXECUTION_TIMER_PATH,
      EXECUTION_TIMER_PATH,
      state.redriveCount + 1,
      addSeconds(this.now, seconds),
    );
  }

  /** Cancel commands for every open attempt (a Map's children are cancelled with `why`). */
  private stopOpenSteps(why: string): void {
    const state = this.require();
    for (const row of Object.values(state.steps)) {
      if (row.type !== 'Task' || !ACTIVE_ATTEMPT.has(row.status)) continue;
      if (stepAt(this.def.flow, row.path)?.type === 'Map') {
        this.cancelChildren(state, row.path, why);
        continue;
      }
      const task = this.task(row.path);
      this.commands.push({
        id: commandId('cancel', row.path, row.attempt),
        kind: 'cancel',
        executionId: state.executionId,
        step: row.step,
        path: row.path,
        attempt: row.attempt,
        target: task.target,
        ...(row.receipt === undefined ? {} : { receipt: row.receipt }),
      });
    }
  }

  redrive(): void {
    const state = this.require();
    // A trial transition, outside the write scope on purpose: it must not touch the state.
    const { actions } = stepMachine(this.def, state.machine, { type: 'REDRIVE' });
    const paths = actions.flatMap((a) =>
      a.type === 'launch' || a.type === 'scheduleWait' ? [a.params.path] : [],
    );
    this.emit({ type: 'ExecutionRedriven', redriveCount: state.redriveCount + 1, paths });
    this.scheduleExecutionTimeout();
  }

  finish(): Decision {
    const decision: Decision = { events: this.events, commands: this.commands };
    if (this.from !== undefined && this.state !== undefined) {
      outcomes.set(decision, { from: this.from, to: this.state });
    }
    return decision;
  }

  private translate(action: MachineAction): void {
    const state = this.require();
    switch (action.type) {
      case 'launch':
        this.launch(state, action.params.path, action.params.step, action.params.attempt);
        return;
      case 'scheduleRetry': {
        const { path, step, attempt, nextAttempt, delaySeconds } = action.params;
        const dueAt = addSeconds(this.now, delaySeconds);
        this.emit({ type: 'StepRetryScheduled', step, path, attempt, nextAttempt, delaySeconds, dueAt });
        this.timer(state, 'retry', step, path, nextAttempt, dueAt);
        return;
      }
      case 'scheduleWait': {
        const { path, step, seconds, attempt } = action.params;
        this.timer(state, 'wait', step, path, attempt, addSeconds(this.now, seconds));
        return;
      }
      case 'choiceTaken': {
        const { path, step, next, choice } = action.params;
        // A sibling branch may have failed the execution earlier in this transition.
        if (state.status === 'RUNNING') this.emit({ type: 'ChoiceTaken', step, path, next, choice });
        return;
      }
      case 'failExecution':
        if (state.status === 'RUNNING') {
          const { error, step, path } = action.params;
          this.emit({ type: 'ExecutionFailed', error, step, path });
        }
        return;
    }
  }

  private launch(state: ExecutionState, path: string, step: string, attempt: number): void {
    // An earlier action of this decision (a sibling branch failing on data) may have ended the run.
    if (this.state !== undefined && this.state.status !== 'RUNNING') return;
    const pass = stepAt(this.def.flow, path);
    if (pass?.type === 'Pass') {
      const { value, missing } = resolveValueDetailed(pass.value, this.references(state));
      if (missing.length > 0)
        this.emit({ type: 'StepFailed', step, path, attempt, error: referenceNotFound(step, missing) });
      else this.emit({ type: 'StepSucceeded', step, path, attempt, output: value });
      return;
    }
    if (pass?.type === 'Map') {
      this.startMap(state, pass, step, path, attempt);
      return;
    }
    const task = this.task(path);
    const { value, missing } = resolveParametersDetailed(task.parameters, this.references(state));
    if (missing.length > 0) {
      // Launching with a hole would run the target on wrong data: fail the step, launch nothing.
      this.emit({ type: 'StepFailed', step, path, attempt, error: referenceNotFound(step, missing) });
      return;
    }
    const command: LaunchCommand = {
      id: commandId('launch', path, attempt),
      kind: 'launch',
      executionId: state.executionId,
      flowId: state.flowId,
      step,
      path,
      attempt,
      target: task.target,
      input: value,
      trace: this.trace(state, path, attempt),
      ...(task.timeout_seconds === undefined ? {} : { timeoutSeconds: task.timeout_seconds }),
    };
    this.commands.push(command);
    if (task.timeout_seconds !== undefined) {
      this.timer(state, 'timeout', step, path, attempt, addSeconds(this.now, task.timeout_seconds));
    }
  }

  /** What references read here: the machine's context, plus `$.item`/`$.index` in a Map iteration. */
  private references(state: ExecutionState): ReferenceContext {
    const context = contextOf(state.machine);
    if (state.parent === undefined) return context;
    return { ...context, item: state.parent.item, index: state.parent.index };
  }

  /** Enter a Map: read its items, fail the step on bad ones, else record MapStarted (children follow). */
  private startMap(state: ExecutionState, map: MapStep, step: string, path: string, attempt: number): void {
    const read = lookup(this.references(state), map.items);
    if (!read.found) {
      this.emit({ type: 'StepFailed', step, path, attempt, error: referenceNotFound(step, [map.items]) });
      return;
    }
    const items = read.value;
    if (!Array.isArray(items)) {
      this.emit({ type: 'StepFailed', step, path, attempt, error: itemsNotArray(step, map.items, items) });
      return;
    }
    if (items.length > MAP_MAX_ITEMS) {
      this.emit({ type: 'StepFailed', step, path, attempt, error: itemsTooMany(step, items.length) });
      return;
    }
    this.emit({
      type: 'MapStarted',
      step,
      path,
      attempt,
      total: items.length,
      concurrency: mapConcurrency(map),
    });
  }

  /**
   * After a Map event: start the children the cursor moved over, then end the Map when every item
   * finished, or fail it (cancelling the iterations still running) when failures breach its tolerance.
   */
  private followMap(path: string, launchedBefore: number): void {
    const state = this.require();
    const progress = state.maps?.[path];
    const map = stepAt(this.def.flow, path);
    const row = state.steps[path];
    if (progress === undefined || map?.type !== 'Map' || row === undefined || row.status !== 'RUNNING')
      return;
    const { step, attempt, total } = progress;
    const results = state.mapResults?.[path] ?? {};
    if (breachesTolerance(map, progress.failed, total)) {
      this.cancelChildren(state, path, `Map "${step}" failed`);
      this.emit({
        type: 'StepFailed',
        step,
        path,
        attempt,
        error: toleranceExceeded(step, progress.failed, total),
      });
      return;
    }
    if (progress.next > launchedBefore) {
      const context = this.references(state);
      const read = lookup(context, map.items);
      const items = read.found && Array.isArray(read.value) ? read.value : [];
      for (let index = launchedBefore; index < progress.next; index++) {
        const item = items[index] ?? null;
        const input = iterationInput(map, item, index, context);
        if (input.missing.length > 0) {
          this.commands.splice(this.commands.length - (index - launchedBefore));
          this.cancelChildren(state, path, `Map "${step}" failed`);
          const error = referenceNotFound(step, input.missing);
          this.emit({ type: 'StepFailed', step, path, attempt, error });
          return;
        }
        this.commands.push({
          id: childCommandId('child', path, attempt, index),
          kind: 'startChild',
          executionId: state.executionId,
          step,
          path,
          attempt,
          index,
          childId: childExecutionId(state.executionId, path, attempt, index),
          parentDefinitionHash: state.definitionHash,
          input: input.value,
          item,
        });
      }
    }
    if (mapFinished(progress)) {
      this.emit({ type: 'StepSucceeded', step, path, attempt, output: mapOutput(total, results) });
    }
  }

  private cancelChildren(state: ExecutionState, path: string, reason: string): void {
    const progress = state.maps?.[path];
    if (progress === undefined) return;
    const results = state.mapResults?.[path] ?? {};
    for (const index of runningIndices(progress, results)) {
      this.commands.push({
        id: childCommandId('cancel-child', path, progress.attempt, index),
        kind: 'cancelChild',
        executionId: state.executionId,
        step: progress.step,
        path,
        attempt: progress.attempt,
        index,
        childId: childExecutionId(state.executionId, path, progress.attempt, index),
        reason,
      });
    }
  }

  /** A child execution ended: tell its parent's Map (after commit, through the parent's intake). */
  private notifyParent(state: ExecutionState): void {
    const parent = state.parent;
    if (parent === undefined) return;
    const ended: { outcome: 'succeeded'; output: Json } | { outcome: 'failed'; error: StepError } =
      state.status === 'SUCCEEDED'
        ? { outcome: 'succeeded', output: state.output ?? null }
        : { outcome: 'failed', error: state.error ?? childCancelled(state.executionId) };
    this.commands.push({
      id: childCommandId('notify-parent', parent.path, parent.attempt, parent.index),
      kind: 'notifyParent',
      executionId: state.executionId,
      step: parent.path.split('/').at(-1) ?? parent.path,
      path: parent.path,
      attempt: parent.attempt,
      parentId: parent.executionId,
      index: parent.index,
      ...ended,
    });
  }

  private trace(state: ExecutionState, path: string, attempt: number) {
    if (state.traceKeyVersion === undefined) return traceFor(state.executionId, path, attempt);
    if (this.traceKey === undefined) {
      throw new FirestepError(
        'CONFIG',
        `execution "${state.executionId}" uses keyed trace ids (traceKeyVersion ${state.traceKeyVersion}) and launching its step "${path}" needs the trace key; set FIRESTEP_CALLBACK_SECRET`,
      );
    }
    return traceFor(state.executionId, path, attempt, this.traceKey);
  }

  private timer(
    state: ExecutionState,
    timer: TimerKind,
    step: string,
    path: string,
    attempt: number,
    dueAt: string,
  ): void {
    this.commands.push({
      id: commandId(`timer-${timer}`, path, attempt),
      kind: 'timer',
      timer,
      executionId: state.executionId,
      step,
      path,
      attempt,
      dueAt,
    });
  }

  private task(path: string): TaskStep {
    const step = launchable(stepAt(this.def.flow, path));
    if (step === undefined) {
      throw new FirestepError(
        'INTERNAL',
        `the compiled machine launched "${path}", which is not a Task of flow "${this.def.id}"`,
      );
    }
    return step;
  }

  private require(): ExecutionState {
    if (this.state === undefined)
      throw new FirestepError('INTERNAL', 'a decision needs a state: emit ExecutionStarted first');
    return this.state;
  }
}

/**
 * A Map whose `items` did not read an array.
 *
 * @example itemsNotArray('PerFile', '$.input.files', 'x').name === 'States.ItemsNotArray'
 */
export function itemsNotArray(step: string, reference: string, value: Json): StepError {
  const kind = value === null ? 'null' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
  return {
    name: ERROR_NAMES.itemsNotArray,
    kind: 'reference',
    message: `Map "${step}": items ${JSON.stringify(reference)} read ${kind}, not an array; point items at an array (e.g. "$.steps.List.output.files")`,
  };
}

/**
 * A Map with more items than one Map runs.
 *
 * @example itemsTooMany('PerFile', 20000).name === 'States.ItemsTooMany'
 */
export function itemsTooMany(step: string, count: number): StepError {
  return {
    name: ERROR_NAMES.itemsTooMany,
    kind: 'reference',
    message: `Map "${step}": items holds ${count} elements, more than the ${MAP_MAX_ITEMS} one Map runs; split the list (e.g. a Map of batches whose iterator holds a Map)`,
    cause: { count, max: MAP_MAX_ITEMS },
  };
}

/**
 * A Map whose failed iterations exceed what it tolerates.
 *
 * @example toleranceExceeded('PerFile', 3, 10).name === 'States.ExceedToleratedFailureThreshold'
 */
export function toleranceExceeded(step: string, failed: number, total: number): StepError {
  return {
    name: ERROR_NAMES.mapFailed,
    kind: 'child',
    message: `Map "${step}": ${failed} of ${total} iterations failed, more than tolerated_failure_count/percentage allow; the iterations still running were cancelled`,
    cause: { failed, total },
  };
}

function childCancelled(executionId: string): StepError {
  return {
    name: 'States.Cancelled',
    kind: 'cancelled',
    message: `child execution "${executionId}" was cancelled`,
  };
}

/**
 * The failure of a step whose input names data that does not exist (Step Functions fails such a
 * state with a runtime error too). Catchable by name or `States.ALL`; never retried.
 *
 * @example referenceNotFound('Load', ['$.steps.Extract.output.date']).name === 'States.ReferenceNotFound'
 */
export function referenceNotFound(step: string, missing: readonly string[]): StepError {
  const list = missing.map((m) => JSON.stringify(m)).join(', ');
  const one = missing.length === 1;
  return {
    name: ERROR_NAMES.referenceNotFound,
    kind: 'reference',
    message: `step "${step}" was not launched: ${one ? 'reference' : 'references'} ${list} ${one ? 'has' : 'have'} no value (a step that did not run or did not return that member, or a missing input field); give a default with "?? <JSON>" if absence is expected`,
    cause: { references: [...missing] },
  };
}
