/**
 * Compile a flow into one XState v5 machine (DESIGN.md §4). The config is plain JSON — guards and
 * actions are referenced by name with params (implemented in machine-logic.ts) — so it prints with
 * `firestep graph --format xstate` and opens in Stately's visualizer.
 *
 * Shape per step type (state ids are step paths, so targets read `#Step2/1/Branch2`):
 * - Task → `{running, retrying, failed}`; `running` launches on entry, its STEP_* transitions are
 *   guarded by path and attempt; failures retry, then catch, else `failed` (a non-final dead end
 *   that emits `failExecution` and that REDRIVE revives).
 * - Parallel → `type: 'parallel'`, one region per branch ending in a final state, `onDone` → next.
 * - Condition → `evaluating` with guarded `always` transitions, else default, else `noMatch`.
 * - Wait → `waiting` (entry `scheduleWait`), WAIT_ELAPSED → next.
 * - Map → a Task (the core runs its iterations as child executions; the iterator is not compiled here).
 * - Fail → dead end emitting `failExecution`. End, and `end: true` → a final state.
 */
import { FirestepError } from '../errors.ts';
import { ruleOf } from './conditions.ts';
import { launchable } from './launchable.ts';
import { EMPTY_CONTEXT, type FlowContext, flowSetup } from './machine-logic.ts';
import type { Branch, ConditionStep, Flow, Step, TaskStep, WaitStep } from './model.ts';
import { branchScope, pathIn } from './paths.ts';

/** A guard or action reference in the JSON config. */
export interface NamedRef {
  type: string;
  params?: Record<string, unknown>;
}

export interface TransitionConfig {
  target?: string;
  guard?: NamedRef;
  actions?: NamedRef[];
  reenter?: boolean;
}

export interface StateConfig {
  id?: string;
  type?: 'parallel' | 'final';
  initial?: string;
  entry?: NamedRef[];
  states?: Record<string, StateConfig>;
  on?: Record<string, TransitionConfig[]>;
  always?: TransitionConfig[];
  onDone?: TransitionConfig;
}

export interface MachineConfig extends StateConfig {
  id: string;
  context: FlowContext;
}

export type FlowMachine = ReturnType<typeof flowSetup.createMachine>;

export interface CompiledFlow {
  machine: FlowMachine;
  config: MachineConfig;
}

/**
 * Version of the compiled machine's shape (state keys, context fields). A persisted machine snapshot
 * is only valid for the version that produced it: when this changes, discard snapshots and replay
 * the log (events never change meaning).
 */
export const MACHINE_VERSION = 2;

/** Id of the root state node. Step names may not start with `$`, so it cannot collide. */
export const ROOT_ID = '$flow';
/** Key of the transient state the machine starts in before entering the flow's start step. */
export const START_KEY = '$start';
/** Key of the final state a scope's `end: true` steps go to. */
export const END_KEY = '$end';

/**
 * Compile a (valid) flow. Deterministic: the same flow gives a deep-equal config.
 *
 * @example
 * const { machine, config } = compileFlow(flow);
 * const [snapshot, actions] = initialTransition(machine, { date: '2024-01-01' });
 * // actions[0] → { type: 'launch', params: { path: 'Init', step: 'Init', attempt: 1 } }
 */
export function compileFlow(flow: Flow): CompiledFlow {
  checkReferences(flow, '');
  const { initial, states } = compileScope(flow, '');
  const config: MachineConfig = {
    id: ROOT_ID,
    context: EMPTY_CONTEXT,
    entry: [{ type: 'acceptInput' }],
    // Enter the start step through an eventless transition rather than as the initial state: XState
    // computes the initial entry set per initial leaf, which is O(N³) for a Parallel of N branches
    // at the start; a transition into it is O(N²).
    initial: START_KEY,
    states: { [START_KEY]: { always: [{ target: `#${initial}` }] }, ...states },
  };
  // The config is data typed by this module; XState's config generics cannot express named refs
  // with per-name params without the literal types, hence the one cast here.
  const machine = flowSetup.createMachine(config as unknown as Parameters<typeof flowSetup.createMachine>[0]);
  return { machine, config };
}

function compileScope(flow: Flow | Branch, scope: string): Pick<StateConfig, 'initial' | 'states'> {
  const states: Record<string, StateConfig> = {};
  let needsEnd = false;
  for (const [name, step] of Object.entries(flow.steps)) {
    checkName(name, scope);
    states[name] = compileStep(name, step, scope);
    if ('end' in step && step.end === true) needsEnd = true;
  }
  if (!Object.hasOwn(flow.steps, flow.start)) {
    throw invalid(scope, `start "${flow.start}" is not a step of this ${scope === '' ? 'flow' : 'branch'}`);
  }
  if (needsEnd) states[END_KEY] = { id: pathIn(scope, END_KEY), type: 'final' };
  return { initial: flow.start, states };
}

function compileStep(name: string, step: Step, scope: string): StateConfig {
  const path = pathIn(scope, name);
  switch (step.type) {
    case 'Task':
      return compileTask(name, step, scope);
    case 'Parallel':
      return {
        id: path,
        type: 'parallel',
        entry: [{ type: 'seedBranches', params: { path, branches: step.branches.length } }],
        states: Object.fromEntries(
          step.branches.map((branch, i) => [`branch${i}`, compileScope(branch, branchScope(path, i))]),
        ),
        onDone: {
          target: nextTarget(step, scope),
          actions: [{ type: 'joinBranches', params: { path, step: name, branches: step.branches.length } }],
        },
      };
    case 'Condition':
      return compileCondition(name, step, scope);
    case 'Wait':
      return compileWait(name, step, scope);
    case 'Pass':
      // Run like a Task without retry/catch/timeout: the core resolves `value` in the decision
      // that enters it and records StepSucceeded (or StepFailed), so the output is in the log.
      return compileTask(name, { type: 'Task', target: PASS_TARGET, ...nextOf(step) }, scope);
    case 'Map':
      // A Map is a Task of the parent machine: the core starts its iterations as child executions
      // (each with the iterator's own machine) and records the Map's StepSucceeded/StepFailed when
      // they are done, so retry and catch work as for a Task.
      return compileTask(
        name,
        compact({ type: 'Task', target: MAP_TARGET, retry: step.retry, catch: step.catch, ...nextOf(step) }),
        scope,
      );
    case 'Fail':
      return {
        id: path,
        entry: [
          {
            type: 'emitFail',
            params: omitUndefined({ path, step: name, error: step.error, cause: step.cause }),
          },
        ],
      };
    case 'End':
      return { id: path, type: 'final' };
  }
}

function compileTask(name: string, task: TaskStep, scope: string): StateConfig {
  const path = pathIn(scope, name);
  const stepParams = omitUndefined({ path, step: name, timeoutSeconds: task.timeout_seconds });
  const redrive: TransitionConfig = {
    target: 'running',
    actions: [{ type: 'bumpAttempt', params: { path } }],
  };
  const onFailure: TransitionConfig[] = [
    ...(task.retry !== undefined && task.retry.length > 0
      ? [
          {
            guard: { type: 'canRetry', params: { ...stepParams, retry: task.retry } },
            target: 'retrying',
            actions: [{ type: 'emitRetry', params: { ...stepParams, retry: task.retry } }],
          },
        ]
      : []),
    ...(task.catch ?? []).map((rule) => ({
      guard: { type: 'errorIs', params: { ...stepParams, errors: rule.errors } },
      target: `#${pathIn(scope, rule.next)}`,
      actions: [{ type: 'recordCaught', params: stepParams }],
    })),
    { guard: { type: 'isAttempt', params: { path } }, target: 'failed' },
  ];
  return {
    id: path,
    initial: 'running',
    states: {
      running: {
        entry: [{ type: 'emitLaunch', params: { path, step: name } }],
        on: {
          STEP_SUCCEEDED: [
            {
              guard: { type: 'isAttempt', params: { path } },
              target: nextTarget(task, scope),
              actions: [{ type: 'recordOutput', params: { path, step: name } }],
            },
          ],
          STEP_FAILED: onFailure,
          STEP_TIMED_OUT: onFailure,
          REDRIVE: [{ ...redrive, reenter: true }],
        },
      },
      retrying: {
        on: {
          RETRY_DUE: [
            {
              guard: { type: 'isRetryDue', params: { path } },
              target: 'running',
              actions: [{ type: 'setAttempt', params: { path } }],
            },
          ],
          REDRIVE: [redrive],
        },
      },
      failed: {
        entry: [{ type: 'emitTaskFailure', params: stepParams }],
        on: { REDRIVE: [redrive] },
      },
    },
  };
}

function compileCondition(name: string, step: ConditionStep, scope: string): StateConfig {
  const path = pathIn(scope, name);
  const took = (next: string, choice: number | null): NamedRef[] => [
    { type: 'choiceTaken', params: { path, step: name, next, choice } },
  ];
  const always: TransitionConfig[] = [
    { guard: { type: 'choiceUnreadable', params: { choices: step.choices } }, target: 'unreadable' },
    ...step.choices.map((choice, i) => ({
      guard: { type: 'choiceHolds', params: { rule: ruleOf(choice) } },
      target: `#${pathIn(scope, choice.next)}`,
      actions: took(choice.next, i),
    })),
  ];
  const states: Record<string, StateConfig> = {
    evaluating: { always },
    unreadable: { entry: [{ type: 'emitUnreadable', params: { path, step: name, choices: step.choices } }] },
  };
  if (step.default !== undefined) {
    always.push({ target: `#${pathIn(scope, step.default)}`, actions: took(step.default, null) });
  } else {
    always.push({ target: 'noMatch' });
    states.noMatch = { entry: [{ type: 'emitNoChoice', params: { path, step: name } }] };
  }
  return { id: path, initial: 'evaluating', states };
}

function compileWait(name: string, step: WaitStep, scope: string): StateConfig {
  const asTask = launchable(step);
  if (asTask !== undefined) return compileTask(name, asTask, scope);
  const path = pathIn(scope, name);
  return {
    id: path,
    initial: 'waiting',
    states: {
      waiting: {
        entry: [{ type: 'emitWait', params: { path, step: name, seconds: step.seconds } }],
        on: {
          WAIT_ELAPSED: [
            { guard: { type: 'isWaitOver', params: { path } }, target: nextTarget(step, scope) },
          ],
          REDRIVE: [
            { target: 'waiting', reenter: true, actions: [{ type: 'bumpAttempt', params: { path } }] },
          ],
        },
      },
    },
  };
}

/** Compilation needs every reference to resolve; validateFlow reports these with more context. */
function checkReferences(flow: Flow | Branch, scope: string): void {
  const names = Object.keys(flow.steps);
  for (const [name, step] of Object.entries(flow.steps)) {
    const refs: Array<[string, string | undefined]> = [];
    if (step.type === 'Condition') {
      step.choices.forEach((choice, i) => {
        refs.push([`choices[${i}].next`, choice.next]);
      });
      refs.push(['default', step.default]);
    } else if ('next' in step) {
      refs.push(['next', step.next]);
    }
    if (step.type === 'Task' || step.type === 'Map') {
      (step.catch ?? []).forEach((rule, i) => {
        refs.push([`catch[${i}].next`, rule.next]);
      });
    }
    if (step.type === 'Parallel') {
      step.branches.forEach((branch, i) => {
        checkReferences(branch, branchScope(pathIn(scope, name), i));
      });
    }
    for (const [field, target] of refs) {
      if (target !== undefined && !names.includes(target)) {
        throw invalid(
          scope,
          `step "${name}" ${field}: unknown step "${target}"; run \`firestep validate\` for every problem`,
        );
      }
    }
  }
}

/** Placeholder target of a compiled Pass; never launched (decide resolves a Pass in place). */
const PASS_TARGET = { type: 'Http', name: 'Pass', url: 'pass:' } as const;
/** Placeholder target of a compiled Map; never launched (decide starts child executions). */
const MAP_TARGET = { type: 'Http', name: 'Map', url: 'map:' } as const;

function compact(task: TaskStep): TaskStep {
  return omitUndefined(task as unknown as Record<string, unknown>) as unknown as TaskStep;
}

function nextOf(step: { next?: string; end?: true }): { next: string } | { end: true } {
  return step.end === true ? { end: true } : { next: step.next as string };
}

function nextTarget(step: { next?: string; end?: true }, scope: string): string {
  return step.end === true ? `#${pathIn(scope, END_KEY)}` : `#${pathIn(scope, step.next as string)}`;
}

/** Names become XState state keys and ids: `.`, `#` and `/` have meaning there and in paths. */
function checkName(name: string, scope: string): void {
  if (name === '' || /[./#]/.test(name) || name.startsWith('$')) {
    throw invalid(
      scope,
      `step name "${name}" cannot be compiled: names must be non-empty, must not contain ".", "/" or "#" and must not start with "$"`,
    );
  }
}

function invalid(scope: string, message: string): FirestepError {
  const where = scope === '' ? 'flow' : `branch ${scope}`;
  return new FirestepError('FLOW_INVALID', `${where}: ${message}`);
}

function omitUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
