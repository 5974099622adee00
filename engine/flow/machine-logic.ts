/**
 * The named guards and actions every compiled flow machine uses (`setup({guards, actions})`). The
 * machine config refers to them by name with JSON params, so the config prints as JSON and opens in
 * Stately's visualizer; this module gives them meaning.
 *
 * Actions that the core must see (`launch`, `scheduleRetry`, `scheduleWait`, `failExecution`, see
 * machine-contract.ts) are no-op implementations enqueued with params computed from the context:
 * XState's pure `transition` returns them as data, and the core turns them into events and commands.
 */
import { assign, enqueueActions, setup } from 'xstate';
import type { StepError } from '../core/events.ts';
import { evaluateRule, unreadableReference } from './conditions.ts';
import {
  type MachineAction,
  type MachineContext,
  type MachineEvent,
  TriggeredInput,
} from './machine-contract.ts';
import { type Choice, type ChoiceRule, ERROR_NAMES, type Json, type RetryPolicy } from './model.ts';
import { branchScope, scopeOf } from './paths.ts';
import { errorMatches, policyFor, retryCounterKey, retryDelaySeconds } from './retry.ts';

/** The compiled machines' context: the contract's fields plus retry counters and branch outputs. */
export interface FlowContext extends MachineContext {
  /** Retries used, keyed `path#policyIndex` (Step Functions counts per retrier). */
  retries: Record<string, number>;
  /** Last output of each Parallel branch, keyed by branch scope (`Step2/1`). */
  scopeOutputs: Record<string, Json>;
}

/** The context before `acceptInput` runs; `input` and `lastOutput` are the execution input after. */
export const EMPTY_CONTEXT: FlowContext = {
  input: null,
  outputs: {},
  attempts: {},
  lastOutput: null,
  retries: {},
  scopeOutputs: {},
};

interface PathParams {
  path: string;
}
interface StepParams extends PathParams {
  step: string;
  timeoutSeconds?: number;
}
type Completion = Extract<MachineEvent, { type: 'STEP_SUCCEEDED' | 'STEP_FAILED' | 'STEP_TIMED_OUT' }>;
type Failure = Extract<MachineEvent, { type: 'STEP_FAILED' | 'STEP_TIMED_OUT' }>;

/**
 * The current attempt of a Task or Wait. Absent means 1: a step is entered from outside at most once
 * (flows are acyclic), and only retries and redrives write the map. Not assigning on entry matters:
 * every `assign` re-computes the snapshot's state value, which made entering a Parallel of N
 * branches cost O(N²).
 */
function attemptOf(context: FlowContext, path: string): number {
  return context.attempts[path] ?? 1;
}

function isCurrentAttempt(context: FlowContext, event: MachineEvent, path: string): event is Completion {
  return (
    (event.type === 'STEP_SUCCEEDED' || event.type === 'STEP_FAILED' || event.type === 'STEP_TIMED_OUT') &&
    event.path === path &&
    event.attempt === attemptOf(context, path)
  );
}

function failureOf(event: MachineEvent, p: StepParams): StepError | undefined {
  if (event.type === 'STEP_FAILED') return event.error;
  if (event.type !== 'STEP_TIMED_OUT') return undefined;
  const limit = p.timeoutSeconds === undefined ? '' : ` within ${p.timeoutSeconds} s`;
  return {
    name: ERROR_NAMES.timeout,
    kind: 'timeout',
    message: `step "${p.step}" attempt ${event.attempt} did not finish${limit}`,
  };
}

function isFailure(context: FlowContext, event: MachineEvent, path: string): event is Failure {
  return isCurrentAttempt(context, event, path) && event.type !== 'STEP_SUCCEEDED';
}

/**
 * Enqueue one of the contract's actions. XState cannot type an enqueue of an action declared in the
 * same `setup()` call, so the contract type (MachineAction) is checked here instead.
 */
function push(enqueue: unknown, action: MachineAction): void {
  (enqueue as (action: MachineAction) => void)(action);
}

/**
 * Records (context maps, the core's step table) that one private fold created and may therefore
 * write in place. See `withWriteScope`.
 */
export type WriteScope = WeakSet<object>;

let writeScope: WriteScope | undefined;

/**
 * Run `fn` with copy-on-first-write records: inside, `editable` copies a record once and then hands
 * back that same copy for every later write, instead of copying it on every write. Only for folds
 * whose intermediate states nobody sees (replay): a state produced inside shares records with the
 * states before it. Records the scope did not create (the starting state's) are never written, and
 * once the last `withWriteScope(scope, …)` returns, nothing writes the scope's records again.
 *
 * @example
 * const scope: WriteScope = new WeakSet();
 * for (const event of events) state = withWriteScope(scope, () => evolve(def, state, event));
 */
export function withWriteScope<T>(scope: WriteScope, fn: () => T): T {
  const outer = writeScope;
  writeScope = scope;
  try {
    return fn();
  } finally {
    writeScope = outer;
  }
}

/**
 * A record the caller may write to: a shallow copy, except inside `withWriteScope` when the scope
 * already made this record (then the record itself). Keeps per-event updates O(1) in a fold where
 * copying would make them O(entries), i.e. replay O(events²).
 *
 * @example const outputs = editable(context.outputs); outputs[p.step] = output;
 */
export function editable<V>(record: Record<string, V>): Record<string, V> {
  if (writeScope === undefined) return { ...record };
  if (writeScope.has(record)) return record;
  const copy = { ...record };
  writeScope.add(copy);
  return copy;
}

/** `{...record, [key]: value}`, copy-on-first-write inside a write scope. */
function withEntry<V>(record: Record<string, V>, key: string, value: V): Record<string, V> {
  const next = editable(record);
  next[key] = value;
  return next;
}

function scopeOutput(context: FlowContext, scope: string): Json {
  return scope === '' ? context.lastOutput : (context.scopeOutputs[scope] ?? null);
}

function withScopeOutput(context: FlowContext, scope: string, value: Json): Partial<FlowContext> {
  return scope === ''
    ? { lastOutput: value }
    : { scopeOutputs: withEntry(context.scopeOutputs, scope, value) };
}

function withoutRetries(context: FlowContext, path: string): Record<string, number> {
  const prefix = `${path}#`;
  return Object.fromEntries(Object.entries(context.retries).filter(([key]) => !key.startsWith(prefix)));
}

function retryPlan(context: FlowContext, event: MachineEvent, p: StepParams & { retry: RetryPolicy[] }) {
  const error = failureOf(event, p);
  if (error === undefined) return undefined;
  const index = policyFor(p.retry, error.name);
  if (index === undefined) return undefined;
  const policy = p.retry[index] as RetryPolicy;
  const used = context.retries[retryCounterKey(p.path, index)] ?? 0;
  if (used >= policy.max_attempts) return undefined;
  return { key: retryCounterKey(p.path, index), used, delaySeconds: retryDelaySeconds(policy, used + 1) };
}

/**
 * `setup()` with the guards and actions compiled configs refer to.
 *
 * @example flowSetup.createMachine(compileConfig(flow))
 */
export const flowSetup = setup({
  types: {} as { context: FlowContext; events: MachineEvent },
  guards: {
    isAttempt: ({ context, event }, p: PathParams) => isCurrentAttempt(context, event, p.path),
    canRetry: ({ context, event }, p: StepParams & { retry: RetryPolicy[] }) =>
      isFailure(context, event, p.path) && retryPlan(context, event, p) !== undefined,
    errorIs: ({ context, event }, p: StepParams & { errors: string[] }) => {
      const error = isFailure(context, event, p.path) ? failureOf(event, p) : undefined;
      return error !== undefined && errorMatches(p.errors, error.name);
    },
    isRetryDue: ({ context, event }, p: PathParams) =>
      event.type === 'RETRY_DUE' && event.path === p.path && event.attempt === attemptOf(context, p.path) + 1,
    isWaitOver: ({ context, event }, p: PathParams) =>
      event.type === 'WAIT_ELAPSED' &&
      event.path === p.path &&
      (event.attempt === undefined || event.attempt === attemptOf(context, p.path)),
    choiceHolds: ({ context }, p: { rule: ChoiceRule }) => evaluateRule(p.rule, context),
    choiceUnreadable: ({ context }, p: { choices: Choice[] }) =>
      unreadableReference(p.choices, context) !== undefined,
  },
  actions: {
    launch: (_, _p: { path: string; step: string; attempt: number }) => {},
    scheduleRetry: (
      _,
      _p: { path: string; step: string; attempt: number; nextAttempt: number; delaySeconds: number },
    ) => {},
    scheduleWait: (_, _p: { path: string; step: string; seconds: number; attempt: number }) => {},
    failExecution: (_, _p: { path: string; step: string; error: StepError }) => {},
    choiceTaken: (_, _p: { path: string; step: string; next: string; choice: number | null }) => {},
    acceptInput: assign(({ event }) => {
      const given = (event as { input?: Json | TriggeredInput }).input;
      if (given instanceof TriggeredInput)
        return { input: given.input, lastOutput: given.input, trigger: given.trigger };
      const input = (given ?? null) as Json;
      return { input, lastOutput: input };
    }),
    setAttempt: assign(({ context, event }, p: PathParams) =>
      event.type === 'RETRY_DUE' ? { attempts: withEntry(context.attempts, p.path, event.attempt) } : {},
    ),
    bumpAttempt: assign(({ context }, p: PathParams) => ({
      attempts: withEntry(context.attempts, p.path, attemptOf(context, p.path) + 1),
      retries: withoutRetries(context, p.path),
    })),
    emitLaunch: enqueueActions(({ context, enqueue }, p: StepParams) => {
      push(enqueue, {
        type: 'launch',
        params: { path: p.path, step: p.step, attempt: attemptOf(context, p.path) },
      });
    }),
    emitRetry: enqueueActions(({ context, event, enqueue }, p: StepParams & { retry: RetryPolicy[] }) => {
      const plan = retryPlan(context, event, p);
      if (plan === undefined) return;
      const attempt = attemptOf(context, p.path);
      enqueue.assign({ retries: withEntry(context.retries, plan.key, plan.used + 1) });
      push(enqueue, {
        type: 'scheduleRetry',
        params: {
          path: p.path,
          step: p.step,
          attempt,
          nextAttempt: attempt + 1,
          delaySeconds: plan.delaySeconds,
        },
      });
    }),
    recordOutput: assign(({ context, event }, p: StepParams) => {
      if (event.type !== 'STEP_SUCCEEDED') return {};
      return {
        outputs: withEntry(context.outputs, p.step, event.output),
        ...withScopeOutput(context, scopeOf(p.path), event.output),
      };
    }),
    recordCaught: assign(({ context, event }, p: StepParams) => {
      const error = failureOf(event, p);
      if (error === undefined) return {};
      const output: Json = { error: error.name, cause: error.message };
      return {
        outputs: withEntry(context.outputs, p.step, output),
        ...withScopeOutput(context, scopeOf(p.path), output),
      };
    }),
    emitTaskFailure: enqueueActions(({ event, enqueue }, p: StepParams) => {
      const error = failureOf(event, p);
      if (error !== undefined)
        push(enqueue, { type: 'failExecution', params: { path: p.path, step: p.step, error } });
    }),
    emitWait: enqueueActions(({ context, enqueue }, p: StepParams & { seconds: number }) => {
      const attempt = attemptOf(context, p.path);
      push(enqueue, {
        type: 'scheduleWait',
        params: { path: p.path, step: p.step, seconds: p.seconds, attempt },
      });
    }),
    emitFail: enqueueActions(({ enqueue }, p: StepParams & { error?: string; cause?: string }) => {
      const error: StepError = {
        name: p.error ?? 'States.Fail',
        kind: 'fail',
        message: p.cause ?? `the flow reached Fail step "${p.step}"`,
      };
      push(enqueue, { type: 'failExecution', params: { path: p.path, step: p.step, error } });
    }),
    emitUnreadable: enqueueActions(({ enqueue, context }, p: StepParams & { choices: Choice[] }) => {
      const reference = unreadableReference(p.choices, context) ?? '';
      const error: StepError = {
        name: ERROR_NAMES.referenceNotFound,
        kind: 'reference',
        message: `Condition "${p.step}" compares ${JSON.stringify(reference)}, which has no value; test it with "is_present" first (inside an "and")`,
        cause: { references: [reference] },
      };
      push(enqueue, { type: 'failExecution', params: { path: p.path, step: p.step, error } });
    }),
    emitNoChoice: enqueueActions(({ enqueue }, p: StepParams) => {
      const error: StepError = {
        name: ERROR_NAMES.noChoice,
        kind: 'condition',
        message: `no choice of Condition "${p.step}" matched and it has no default`,
      };
      push(enqueue, { type: 'failExecution', params: { path: p.path, step: p.step, error } });
    }),
    seedBranches: assign(({ context }, p: PathParams & { branches: number }) => {
      const seed = scopeOutput(context, scopeOf(p.path));
      const scopeOutputs = editable(context.scopeOutputs);
      for (let i = 0; i < p.branches; i++) scopeOutputs[branchScope(p.path, i)] = seed;
      return { scopeOutputs };
    }),
    joinBranches: assign(({ context }, p: StepParams & { branches: number }) => {
      const output: Json = [];
      for (let i = 0; i < p.branches; i++) output.push(context.scopeOutputs[branchScope(p.path, i)] ?? null);
      return {
        outputs: withEntry(context.outputs, p.step, output),
        ...withScopeOutput(context, scopeOf(p.path), output),
      };
    }),
  },
});
