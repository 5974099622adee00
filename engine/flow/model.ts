/**
 * The normalized flow model: what both front doors (reference JSON, TypeScript builder) produce,
 * what validation checks, what the definition hash covers and what compiles to XState.
 *
 * It stays close to the reference JSON (snake_case, `next`/`end`) so that a person can read a
 * normalized flow next to the file they wrote. Target-specific fields are grouped under `target`,
 * a union discriminated by `type`, so that a Dataflow step without a template cannot be expressed.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const TARGET_TYPES = [
  'CloudFunction',
  'Dataflow',
  'Dataproc',
  'Http',
  'PubSub',
  'BigQuery',
  'CloudRunJob',
] as const;
/**
 * Target types a flow can name, plus `StorageObject`: the internal target of a `Wait` with
 * `for_object` (written as a Wait, never as a `target_type`).
 */
export type TargetType = (typeof TARGET_TYPES)[number] | 'StorageObject';

export const STEP_TYPES = ['Task', 'Parallel', 'Condition', 'Wait', 'Pass', 'Map', 'Fail', 'End'] as const;
export type StepType = (typeof STEP_TYPES)[number];

/** A step continues to `next`, or ends its (sub-)flow. Exactly one, by construction. */
export type NextOrEnd = { next: string; end?: never } | { end: true; next?: never };

/** Step Functions semantics: `max_attempts` counts retries after the first attempt. */
export interface RetryPolicy {
  /** Error names this policy applies to; absent = all errors (`States.ALL`). */
  errors?: string[];
  /** Retries after the first attempt (Step Functions default 3). */
  max_attempts: number;
  /** Delay before the first retry (default 1 s). */
  interval_seconds: number;
  /** Multiplier per retry (default 2.0). */
  backoff_rate: number;
  /** Upper bound for one delay, if any. */
  max_delay_seconds?: number;
}

/** On a failure matching `errors` (after retries are exhausted) continue at `next`. */
export interface CatchRule {
  /** Error names; `States.ALL` matches everything. */
  errors: string[];
  next: string;
}

interface TargetBase {
  /** The function / job / endpoint name as people know it (reference `target_name`). */
  name: string;
  project_id?: string;
  region?: string;
}

export interface CloudFunctionTarget extends TargetBase {
  type: 'CloudFunction';
  /** Full HTTPS URL; default derived from name/project/region (gen1 URL form). */
  url?: string;
  /** 1 = gen1 (log lines "Function execution took…"), 2 = gen2/Cloud Run (request logs). Default 1. */
  gen?: 1 | 2;
  /** `http` = HTTP invocation (default); `pubsub` = publish to `topic` (Pub/Sub-triggered function). */
  trigger?: 'http' | 'pubsub';
  topic?: string;
  /**
   * The function replies with the firestep SDK and its output matters: the step waits for that
   * callback. The platform's end line (which carries no output) then only confirms the function
   * ended well (`StepConfirmed`); a failure line still fails the step. Needs the Task's
   * `timeout_seconds`, which ends a step whose function ended without calling back.
   */
  wait_for_callback?: boolean;
}

export type DataflowTemplate =
  | { kind: 'flex'; container_gcs_path: string }
  | { kind: 'classic'; template_path: string };

export interface DataflowTarget extends TargetBase {
  type: 'Dataflow';
  template: DataflowTemplate;
}

export interface DataprocTarget extends TargetBase {
  type: 'Dataproc';
  /** Inline WorkflowTemplate body (REST shape) for `workflowTemplates.instantiateInline`. */
  workflow: JsonObject;
}

export type HttpAuth =
  | { type: 'none' }
  | { type: 'oidc'; audience?: string }
  | { type: 'bearer'; secret_env: string };

export interface HttpTarget extends TargetBase {
  type: 'Http';
  url: string;
  method?: 'POST' | 'PUT' | 'GET';
  auth?: HttpAuth;
  /** `sync`: the HTTP response is the completion (default). `async`: completion by callback. */
  mode?: 'sync' | 'async';
}

export interface PubSubTarget extends TargetBase {
  type: 'PubSub';
  topic: string;
  /** `fire` (default): publishing is the completion. `callback`: a subscriber reports back. */
  mode?: 'fire' | 'callback';
}

/** BigQuery's write dispositions for a query's destination table. */
export const WRITE_DISPOSITIONS = ['WRITE_TRUNCATE', 'WRITE_APPEND', 'WRITE_EMPTY'] as const;

/**
 * A BigQuery query job (`jobs.insert`). The step's `parameters` become named query parameters
 * (`@name` in the query); `name` only labels the job (default: the step name).
 */
export interface BigQueryTarget extends TargetBase {
  type: 'BigQuery';
  /** GoogleSQL text; `@name` reads the step parameter `name`. */
  query: string;
  /** `project.dataset.table` or `dataset.table` (the target's project). */
  destination_table?: string;
  write_disposition?: (typeof WRITE_DISPOSITIONS)[number];
  /** BigQuery location of the job (`US`, `EU`, `europe-west1` …); default: BigQuery's choice. */
  location?: string;
  /** Job labels (lower-case keys and values). */
  labels?: Record<string, string>;
}

/**
 * A Cloud Run job (`jobs.run`): `name` is the job. The step's `parameters` may hold per-execution
 * overrides: `args` (string list), `env` (name → value), `task_count`, `timeout_seconds`.
 */
export interface CloudRunJobTarget extends TargetBase {
  type: 'CloudRunJob';
  /** Container the `args`/`env` overrides apply to (jobs with several containers). */
  container?: string;
}

/**
 * The internal target of a `Wait` with `for_object`: succeeds when the object exists. Its launch
 * input is `{object: "gs://…"}` with references resolved.
 */
export interface StorageObjectTarget extends TargetBase {
  type: 'StorageObject';
}

export type Target =
  | CloudFunctionTarget
  | DataflowTarget
  | DataprocTarget
  | HttpTarget
  | PubSubTarget
  | BigQueryTarget
  | CloudRunJobTarget
  | StorageObjectTarget;

export type TaskStep = {
  type: 'Task';
  target: Target;
  /** May contain `$.input…` / `$.steps.<Name>.output…` strings, resolved at launch. */
  parameters?: JsonObject;
  retry?: RetryPolicy[];
  catch?: CatchRule[];
  timeout_seconds?: number;
} & NextOrEnd;

/** A branch of a Parallel: a sub-flow with its own start. */
export interface Branch {
  start: string;
  steps: Record<string, Step>;
}

export type ParallelStep = { type: 'Parallel'; branches: Branch[] } & NextOrEnd;

export type ChoiceRule =
  | { variable: string; string_equals: string }
  | { variable: string; numeric_equals: number }
  | { variable: string; numeric_greater_than: number }
  | { variable: string; numeric_greater_than_or_equal: number }
  | { variable: string; numeric_less_than: number }
  | { variable: string; numeric_less_than_or_equal: number }
  | { variable: string; boolean_equals: boolean }
  | { variable: string; is_present: boolean }
  | { and: ChoiceRule[] }
  | { or: ChoiceRule[] }
  | { not: ChoiceRule };

export type Choice = ChoiceRule & { next: string };

export interface ConditionStep {
  type: 'Condition';
  choices: Choice[];
  /** Taken when no choice matches; without it, no match fails the execution (States.NoChoiceMatched). */
  default?: string;
}

/**
 * A Wait for a time (`seconds`), or until a Cloud Storage object exists (`for_object`, a `gs://` URI
 * that may contain `${$.input…}` templates): it ends when the object is finalized, at once if it
 * already exists, and fails with `States.Timeout` after `timeout_seconds`.
 */
export type WaitStep =
  | ({
      type: 'Wait';
      seconds: number;
      for_object?: never;
      timeout_seconds?: never;
      catch?: never;
    } & NextOrEnd)
  | ({
      type: 'Wait';
      for_object: string;
      timeout_seconds?: number;
      catch?: CatchRule[];
      seconds?: never;
    } & NextOrEnd);

/**
 * Builds a JSON value from references and templates (resolved like Task parameters) and makes it the
 * step's output, readable as `$.steps.<Name>.output`; launches nothing (Step Functions' Pass,
 * Workflows' assign). An unreadable reference without `?? default` fails it with
 * `States.ReferenceNotFound`.
 */
export type PassStep = { type: 'Pass'; value: Json } & NextOrEnd;

/**
 * Runs its `iterator` once per element of the array `items` reads, each iteration as a child
 * execution (Step Functions' Distributed Map). Inside the iterator `$.input` is the iteration's
 * input (`item_selector` resolved with `$.item`/`$.index`, default `$.item`), `$.item`/`$.index`
 * the element and its position, and `$.steps.X` the iteration's own steps. The output is the array
 * of iteration outputs in item order (`{error, cause}` for a tolerated failure).
 */
export type MapStep = {
  type: 'Map';
  /** A reference to an array (`$.steps.List.output.files`, `$.input.tables`). */
  items: string;
  /** The iteration's input, resolved per item; may read `$.item`, `$.index`, `$.input`, `$.steps`. */
  item_selector?: Json;
  /** Iterations running at once; 0 or absent = no limit but the deployment's cap. */
  max_concurrency?: number;
  /** Failed iterations the Map tolerates (default 0). */
  tolerated_failure_count?: number;
  /** Percentage (0–100) of failed iterations the Map tolerates (default 0). */
  tolerated_failure_percentage?: number;
  iterator: Branch;
  retry?: RetryPolicy[];
  catch?: CatchRule[];
} & NextOrEnd;

/** Most items one Map runs (more fails the step with `States.ItemsTooMany`). */
export const MAP_MAX_ITEMS = 10_000;
/** Most iterations of one Map running at once, whatever `max_concurrency` says (0 = this cap). */
export const MAP_CONCURRENCY_CAP = 1_000;

export interface FailStep {
  type: 'Fail';
  error?: string;
  cause?: string;
}

export interface EndStep {
  type: 'End';
}

export type Step =
  | TaskStep
  | ParallelStep
  | ConditionStep
  | WaitStep
  | PassStep
  | MapStep
  | FailStep
  | EndStep;

/**
 * Starts the flow on a cron schedule (unix-cron, five fields, as Cloud Scheduler reads it) in
 * `time_zone` (IANA name, default `UTC`). `input` is the execution's input (default `{}`).
 */
export interface ScheduleTrigger {
  schedule: string;
  time_zone: string;
  input?: Json;
}

/** Starts the flow when an object is finalized in `bucket` (name filtered by `prefix`/`suffix`). */
export interface GcsTrigger {
  gcs: { bucket: string; prefix?: string; suffix?: string };
  input?: Json;
}

/** Starts the flow for each message published to `topic`. */
export interface PubSubTrigger {
  pubsub: { topic: string };
  input?: Json;
}

/** What starts a flow besides a person or the API (flow-level `triggers`). */
export type Trigger = ScheduleTrigger | GcsTrigger | PubSubTrigger;

/** What happens to a start while `max_running` executions of the flow run: dropped, or started later. */
export const OVERLAP_POLICIES = ['skip', 'queue'] as const;

/** At most `max_running` executions of the flow run at once (Airflow's `max_active_runs`). */
export interface ConcurrencyPolicy {
  max_running: number;
  on_overlap: (typeof OVERLAP_POLICIES)[number];
}

/** Execution ends a notification can be sent on (`TIMED_OUT`: failed with `States.Timeout`). */
export const NOTIFY_ON = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELLED'] as const;
export type NotifyOn = (typeof NOTIFY_ON)[number];

/** Send one message per execution end in `on`: published to a Pub/Sub topic, or POSTed to a webhook. */
export type NotifyRule =
  | { on: NotifyOn[]; pubsub: string; webhook?: never }
  | { on: NotifyOn[]; webhook: string; pubsub?: never };

/** A normalized flow. The definition hash covers exactly this object (canonical JSON). */
export interface Flow {
  start: string;
  steps: Record<string, Step>;
  /** Schedules and events that start the flow. */
  triggers?: Trigger[];
  /** How many executions of the flow may run at once, and what happens to the others. */
  concurrency?: ConcurrencyPolicy;
  /** The whole execution fails with `States.Timeout` when it runs longer. */
  timeout_seconds?: number;
  /** Messages sent when an execution ends. */
  notify?: NotifyRule[];
}

/** A flow with its identity, as the registry, the store and the CLI handle it. */
export interface FlowDefinition {
  /** Registry id (file base name or `defineFlow` id). */
  id: string;
  flow: Flow;
  /** sha256 hex of the canonical JSON of `flow`. */
  hash: string;
}

/**
 * A step's address in the flow: names of enclosing Parallels and branch indexes (0-based), then the
 * step name. Top-level `Step1` → `Step1`; `Branch2` in the second branch of `Step2` → `Step2/1/Branch2`.
 */
export type StepPath = string;

/** Step Functions-compatible error names the engine itself produces. */
export const ERROR_NAMES = {
  all: 'States.ALL',
  timeout: 'States.Timeout',
  taskFailed: 'States.TaskFailed',
  launchFailed: 'States.LaunchFailed',
  noChoice: 'States.NoChoiceMatched',
  branchFailed: 'States.BranchFailed',
  /** A reference in a step's input has no value; the step is not launched (never retried). */
  referenceNotFound: 'States.ReferenceNotFound',
  /** The engine cannot run this step (e.g. a Map on an engine without child executions). */
  runtime: 'States.Runtime',
  /** A Map's `items` did not read an array. */
  itemsNotArray: 'States.ItemsNotArray',
  /** A Map's `items` held more than the deployment's maximum. */
  itemsTooMany: 'States.ItemsTooMany',
  /** More Map iterations failed than the Map tolerates. */
  mapFailed: 'States.ExceedToleratedFailureThreshold',
} as const;
