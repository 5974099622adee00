/**
 * The TypeScript front door. Every step reference — `start`, `next`, `default`, a choice's `next`,
 * a catch's `next`, a branch's `start` — is checked by the compiler against the step names of its
 * own scope: a misspelt name is a type error. What types cannot express (cycles, Dataflow's
 * `temp_location`, …) is checked by `validateFlow` when the flow is defined.
 *
 * @example
 * export default defineFlow({
 *   id: 'hello',
 *   start: 'Greet',
 *   steps: {
 *     Greet: task(cloudFunction('greet'), { next: 'Done' }),
 *     Done: end(),
 *   },
 * });
 */
import type { ChoiceInput } from './builder-choices.ts';
import type { TargetInput } from './builder-targets.ts';
import { definitionHash } from './hash.ts';
import { invalidFlowError } from './json-reader.ts';
import type {
  ConcurrencyPolicy,
  EndStep,
  FailStep,
  FlowDefinition,
  GcsTrigger,
  Json,
  JsonObject,
  NotifyOn,
  PubSubTrigger,
  RetryPolicy,
} from './model.ts';
import { validateFlow } from './validate.ts';

/** `next: N` or `end: true`, never both. */
export type NextOrEndInput<N extends string> = { next: N; end?: never } | { end: true; next?: never };

/** A retry policy as written: Step Functions defaults (3 attempts, 1 s, ×2) fill what is left out. */
export type RetryInput = Partial<RetryPolicy>;

/** On a failure matching `errors` (default `States.ALL`), continue at `next`. */
export interface CatchInput<N extends string> {
  errors?: string[];
  next: N;
}

/** Options of a Task besides its target. */
export type TaskOptions<N extends string> = {
  /** May contain `$.input…` / `$.steps.<Name>.output…` strings, resolved at launch. */
  parameters?: JsonObject;
  retry?: RetryInput | RetryInput[];
  catch?: CatchInput<N>[];
  timeout_seconds?: number;
} & NextOrEndInput<N>;

export type TaskInput<N extends string> = { type: 'Task'; target: TargetInput } & TaskOptions<N>;

declare const checkedBranch: unique symbol;
/** A branch made by `branch()`, whose references were checked in its own scope. */
export interface BranchInput {
  start: string;
  steps: Record<string, StepInput<string>>;
  readonly [checkedBranch]: true;
}

export type ParallelInput<N extends string> = {
  type: 'Parallel';
  branches: BranchInput[];
} & NextOrEndInput<N>;
export interface ConditionInput<N extends string> {
  type: 'Condition';
  choices: ChoiceInput<N>[];
  default?: N;
}
export type WaitInput<N extends string> =
  | ({ type: 'Wait'; seconds: number } & NextOrEndInput<N>)
  | ({
      type: 'Wait';
      for_object: string;
      timeout_seconds?: number;
      catch?: CatchInput<N>[];
    } & NextOrEndInput<N>);
export type PassInput<N extends string> = { type: 'Pass'; value: Json } & NextOrEndInput<N>;
/** A Map's own fields, shared by its input type and the `map()` builder's options. */
interface MapFields {
  items: string;
  item_selector?: Json;
  max_concurrency?: number;
  tolerated_failure_count?: number;
  tolerated_failure_percentage?: number;
  iterator: BranchInput;
  retry?: RetryInput | RetryInput[];
}
export type MapInput<N extends string> = { type: 'Map'; catch?: CatchInput<N>[] } & MapFields &
  NextOrEndInput<N>;

/** A step whose references may only name `N`. */
export type StepInput<N extends string> =
  | TaskInput<N>
  | ParallelInput<N>
  | ConditionInput<N>
  | WaitInput<N>
  | PassInput<N>
  | MapInput<N>
  | FailStep
  | EndStep;

/** The step names of a `steps` object. */
export type StepName<S> = Extract<keyof S, string>;

/** Steps that only reference each other: the constraint that makes a typo a type error. */
export type StepsOf<S> = { [K in keyof S]: StepInput<StepName<S>> };

/**
 * Flow-level options as written: `triggers` (see `scheduleTrigger`, `gcsTrigger`, `pubsubTrigger`),
 * `concurrency` (`on_overlap` defaults to `queue`), `timeout_seconds`, `notify` (`on` defaults to
 * FAILED and TIMED_OUT).
 */
export interface FlowOptionsInput {
  triggers?: TriggerInput[];
  concurrency?: { max_running: number; on_overlap?: ConcurrencyPolicy['on_overlap'] };
  timeout_seconds?: number;
  notify?: Array<{ on?: NotifyOn[] } & ({ pubsub: string } | { webhook: string })>;
}

/** A trigger as written (`time_zone` defaults to UTC). */
export type TriggerInput =
  | { schedule: string; time_zone?: string; input?: Json }
  | GcsTrigger
  | PubSubTrigger;

/**
 * A cron schedule (five fields) in a time zone (default UTC).
 *
 * @example scheduleTrigger('0 2 * * *', { time_zone: 'Europe/Amsterdam', input: { mode: 'full' } })
 */
export function scheduleTrigger(
  schedule: string,
  options: { time_zone?: string; input?: Json } = {},
): TriggerInput {
  return { schedule, ...options };
}

/**
 * Objects finalized in a bucket (filtered by name `prefix`/`suffix`).
 *
 * @example gcsTrigger('acme-landing', { prefix: 'orders/', suffix: '.csv' })
 */
export function gcsTrigger(
  bucket: string,
  options: { prefix?: string; suffix?: string; input?: Json } = {},
): TriggerInput {
  const { input, ...filter } = options;
  return { gcs: { bucket, ...filter }, ...(input === undefined ? {} : { input }) };
}

/**
 * Messages published to a topic.
 *
 * @example pubsubTrigger('orders-ready')
 */
export function pubsubTrigger(topic: string, options: { input?: Json } = {}): TriggerInput {
  return { pubsub: { topic }, ...options };
}

/**
 * Defines a flow: checks it (throws `FLOW_INVALID` listing every problem), normalizes it exactly
 * as the JSON reader does, and hashes it.
 *
 * @example
 * defineFlow({ id: 'nightly', start: 'Load', steps: { Load: task(cloudFunction('load'), { end: true }) } })
 */
export function defineFlow<const S extends StepsOf<S>>(
  definition: {
    id: string;
    start: NoInfer<StepName<S>>;
    steps: S;
  } & FlowOptionsInput,
): FlowDefinition {
  const { id, ...flow } = definition;
  const check = validateFlow(flow);
  if (check.flow === undefined) throw invalidFlowError(`flow "${id}"`, check.errors, check.warnings);
  return { id, flow: check.flow, hash: definitionHash(check.flow) };
}

/**
 * One branch of a Parallel: a sub-flow whose `start` and references name its own steps.
 *
 * @example branch({ start: 'Load', steps: { Load: task(cloudFunction('load'), { end: true }) } })
 */
export function branch<const S extends StepsOf<S>>(definition: {
  start: NoInfer<StepName<S>>;
  steps: S;
}): BranchInput {
  return { start: definition.start, steps: definition.steps } as unknown as BranchInput;
}

/**
 * A Task: launches `target`, then continues to `next` or ends.
 *
 * @example task(cloudFunction('orch-test-1'), { next: 'Step1', retry: { max_attempts: 2 }, timeout_seconds: 600 })
 */
export function task<const N extends string = never>(
  target: TargetInput,
  options: TaskOptions<N>,
): TaskInput<NoInfer<N>> {
  return { type: 'Task', target, ...options } as TaskInput<N>;
}

/**
 * Runs every branch at once; continues when all have ended.
 *
 * @example parallel({ branches: [branch(…), branch(…)], next: 'End' })
 */
export function parallel<const N extends string = never>(
  options: { branches: [BranchInput, ...BranchInput[]] } & NextOrEndInput<N>,
): ParallelInput<NoInfer<N>> {
  return { type: 'Parallel', ...options } as ParallelInput<N>;
}

/**
 * Routes to the first matching choice, else to `default` (without one, no match fails the execution).
 *
 * @example condition({ choices: [choice(when('$.input.mode').stringEquals('full'), 'FullLoad')], default: 'Delta' })
 */
export function condition<const N extends string = never>(options: {
  choices: [ChoiceInput<N>, ...ChoiceInput<N>[]];
  default?: N;
}): ConditionInput<NoInfer<N>> {
  return { type: 'Condition', ...options } as ConditionInput<N>;
}

/**
 * Waits `seconds`, then continues.
 *
 * @example wait(300, { next: 'Poll' })
 */
export function wait<const N extends string = never>(
  seconds: number,
  options: NextOrEndInput<N>,
): WaitInput<NoInfer<N>> {
  return { type: 'Wait', seconds, ...options } as WaitInput<N>;
}

/**
 * Builds `value` (references and templates resolved as in Task parameters) as the step's output;
 * launches nothing. Later steps read it as `$.steps.<Name>.output`.
 *
 * @example pass({ day: '$.steps.Extract.output.date', path: 'gs://b/${$.input.day}/' }, { next: 'Load' })
 */
export function pass<const N extends string = never>(
  value: Json,
  options: NextOrEndInput<N>,
): PassInput<NoInfer<N>> {
  return { type: 'Pass', value, ...options } as PassInput<N>;
}

/**
 * Runs `iterator` (a `branch()`) once per element of the array `items` reads, each iteration as a
 * child execution; the output is the array of iteration outputs in item order. Inside the iterator
 * `$.input` is `item_selector` resolved per item (default `$.item`), `$.item`/`$.index` the element
 * and its position.
 *
 * @example
 * map({ items: '$.steps.List.output.files', item_selector: { file: '$.item' }, max_concurrency: 50,
 *   iterator: branch({ start: 'Load', steps: { Load: task(cloudFunction('load'), { end: true }) } }),
 *   next: 'Report' })
 */
export function map<const N extends string = never>(
  options: MapFields & { catch?: CatchInput<NoInfer<N>>[] } & NextOrEndInput<N>,
): MapInput<NoInfer<N>> {
  return { type: 'Map', ...options } as MapInput<N>;
}

/**
 * Waits until a Cloud Storage object exists (its finalized event, or at once if it is already there);
 * fails with `States.Timeout` after `timeout_seconds`. The URI may contain `${$.input…}` templates.
 *
 * @example waitForObject('gs://raw/${$.input.date}/_SUCCESS', { timeout_seconds: 3600, next: 'Load' })
 */
export function waitForObject<const N extends string = never>(
  uri: string,
  options: { timeout_seconds?: number; catch?: CatchInput<NoInfer<N>>[] } & NextOrEndInput<N>,
): WaitInput<NoInfer<N>> {
  return { type: 'Wait', for_object: uri, ...options } as WaitInput<N>;
}

/**
 * Fails the execution with an error name and cause.
 *
 * @example fail({ error: 'NoData', cause: 'the export was empty' })
 */
export function fail(options: { error?: string; cause?: string } = {}): FailStep {
  return { type: 'Fail', ...options };
}

/**
 * Ends the flow (or the branch) successfully.
 *
 * @example end()
 */
export function end(): EndStep {
  return { type: 'End' };
}
