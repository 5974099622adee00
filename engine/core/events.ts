/**
 * The event log: the only source of truth about an execution (DESIGN.md §5). Stored `type` names are
 * a contract with tests, exports and replay; never rename one. A new event type must be handled in
 * `evolve` (a `switch` with no `default`), so the compiler points at every place to update.
 */
import type { Json } from '../flow/model.ts';
import type { NotifyChannel } from './notify.ts';
import type { ParentRef } from './state.ts';

/** Where a fact came from, for audit (log insertId, CloudEvent id, callback id, timer id, api request). */
export interface SignalSource {
  kind: 'log' | 'eventarc' | 'callback' | 'timer' | 'api' | 'dispatcher' | 'probe' | 'sweep';
  /** insertId / CloudEvent id / callback id / command id … */
  id?: string;
}

/** A failure as data: `name` is the Step Functions-style error name that retry/catch match on. */
export interface StepError {
  /** e.g. `States.TaskFailed`, `States.Timeout`, `States.LaunchFailed`, or a user error name. */
  name: string;
  /** What kind of thing failed: the function, the job, the launch, a timeout, the engine. */
  kind:
    | 'function'
    | 'job'
    | 'http'
    | 'launch'
    | 'timeout'
    | 'condition'
    | 'fail'
    | 'branch'
    | 'cancelled'
    | 'reference'
    | 'child';
  message: string;
  cause?: Json;
}

/** What an adapter returned when it launched a step attempt. */
export interface Receipt {
  /** Adapter that launched it: CloudFunction, Dataflow, Dataproc, Http, PubSub. */
  target: string;
  traceId?: string;
  jobId?: string;
  jobName?: string;
  url?: string;
  consoleUrl?: string;
  operation?: string;
  taskName?: string;
  messageId?: string;
  [extra: string]: Json | undefined;
}

interface StepRef {
  /** The step's name as written in the flow. */
  step: string;
  /** Full path, e.g. `Step2/1/Branch2`. */
  path: string;
  attempt: number;
}

export type EventBody =
  | {
      type: 'ExecutionStarted';
      executionId: string;
      flowId: string;
      definitionHash: string;
      input: Json;
      /** Caller-given idempotent name, if any. */
      name?: string;
      /** 1: step trace ids are keyed with the deployment secret; absent: legacy unkeyed traces. */
      traceKeyVersion?: number;
      /** What started it (`$.trigger`: schedule, gcs, pubsub); absent: a person or the API. */
      trigger?: Json;
      /** Set when the execution is an iteration of a parent's Map step. */
      parent?: ParentRef;
    }
  | ({
      type: 'StepLaunched';
      commandId: string;
      receipt: Receipt;
      /** The step's resolved input (its `parameters` with every reference read), as launched. */
      input?: Json;
    } & StepRef)
  | ({ type: 'StepSucceeded'; output: Json } & StepRef)
  | ({ type: 'StepFailed'; error: StepError } & StepRef)
  | ({ type: 'StepRetryScheduled'; nextAttempt: number; delaySeconds: number; dueAt: string } & StepRef)
  | ({ type: 'StepTimedOut' } & StepRef)
  | ({ type: 'TimerFired'; timer: 'retry' | 'wait' } & StepRef)
  /** A Map step resolved its items and launched its first iterations (`concurrency` at most). */
  | ({ type: 'MapStarted'; total: number; concurrency: number } & StepRef)
  /** A Map iteration's child execution succeeded (its output) and freed its slot. */
  | ({ type: 'MapIterationSucceeded'; index: number; childId: string; output: Json } & StepRef)
  /** A Map iteration's child execution failed or was cancelled. */
  | ({ type: 'MapIterationFailed'; index: number; childId: string; error: StepError } & StepRef)
  | ({ type: 'StepLogged'; lines: string[]; metadata?: Json } & StepRef)
  /**
   * The platform reported that the attempt's process ended well (a function's end line), for a step
   * that waits for its callback: recorded, no transition; the callback completes the step.
   */
  | ({ type: 'StepConfirmed' } & StepRef)
  /**
   * A callback with an output arrived for an attempt already SUCCEEDED without one (its platform
   * line came first, and the step does not wait for its callback): the output is kept here for
   * people to see, and the flow does not change — the next step already ran without it.
   */
  | ({ type: 'LateOutputRejected'; output: Json; reason: string } & StepRef)
  /** A Condition routed to `next` by choice `choice` (0-based), or by its default (`choice: null`). */
  | { type: 'ChoiceTaken'; step: string; path: string; next: string; choice: number | null }
  | { type: 'ExecutionSucceeded'; output: Json }
  | { type: 'ExecutionFailed'; error: StepError; step?: string; path?: string }
  | { type: 'ExecutionCancelled'; reason: string }
  /** The flow's `timeout_seconds` elapsed while the execution ran: it ends with `States.Timeout`. */
  /** `run`: 1, or redriveCount + 1 for a redriven execution (the timer's attempt). */
  | { type: 'ExecutionTimedOut'; error: StepError; timeoutSeconds: number; run: number }
  | { type: 'ExecutionRedriven'; redriveCount: number; paths: string[] }
  /** A `notify` rule's message was published / POSTed (after the execution ended). */
  | ({ type: 'NotificationSent'; messageId?: string; httpStatus?: number } & NotificationRef)
  /** A `notify` rule's message could not be delivered (refused, or retries exhausted). */
  | ({ type: 'NotificationFailed'; error: StepError } & NotificationRef);

/** Which notification an event is about: rule `rule` of the flow's `notify`, for the `round`-th end. */
export interface NotificationRef {
  commandId: string;
  rule: number;
  /** 1 for the first end, 2 after a redrive ended again, … */
  round: number;
  channel: NotifyChannel;
}

export type EventType = EventBody['type'];

/** An event as stored at `executions/{id}/events/{seq}` (seq zero-padded in the doc id). */
export type ExecutionEvent = EventBody & {
  /** 1, 2, 3 … with no gaps. */
  seq: number;
  /** ISO-8601 time the engine recorded it (taken from the `now` argument, never the clock). */
  at: string;
  source?: SignalSource;
};

export const TERMINAL_EXECUTION_EVENTS = [
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionCancelled',
  'ExecutionTimedOut',
] as const;
