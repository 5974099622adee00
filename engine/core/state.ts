/**
 * Execution state: the fold of the event log. The head document in Firestore is a projection of it
 * (everything but `machine`); snapshots store all of it. Never a second truth: replay(events) must
 * reproduce it exactly.
 */
import type { Json } from '../flow/model.ts';
import type { Receipt, StepError } from './events.ts';
import type { MapProgress } from './map.ts';

/** `TIMED_OUT`: the flow's `timeout_seconds` elapsed (error `States.Timeout`). */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';

export type StepStatus =
  /** Launch decided (outbox command written), no receipt yet. */
  | 'LAUNCHING'
  /** Adapter receipt recorded. */
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  /** Failed, waiting for the retry timer. */
  | 'RETRY_SCHEDULED'
  | 'TIMED_OUT'
  /** A Wait step waiting for its timer. */
  | 'WAITING'
  | 'CANCELLED';

/** One row of the per-step table on the head document. Keyed by step path. */
export interface StepState {
  step: string;
  path: string;
  type: 'Task' | 'Wait';
  status: StepStatus;
  attempt: number;
  launchedAt?: string;
  finishedAt?: string;
  /** When the platform reported the process ended well, for a step still waiting for its callback. */
  confirmedAt?: string;
  receipt?: Receipt;
  error?: StepError;
  /** What the attempt was launched with: inline when small, else where the event holding it is. */
  input?: Json | EventValueRef;
  /** What the step returned: inline when small, else where the event holding it is. */
  output?: Json | EventValueRef;
}

/**
 * A value too large for the head's step table, by reference: the event `seq` that carries it
 * (`executions/{id}/events/{seq}`, field `input` of StepLaunched or `output` of StepSucceeded) and
 * its size. Keeps the head small while the Firestore console still shows small values inline.
 */
export interface EventValueRef {
  $event: number;
  bytes: number;
}

/** XState persisted snapshot essentials (`value` + `context`), enough for `machine.resolveState`. */
export interface MachineState {
  value: Json;
  context: Json;
  /** XState snapshot status: 'active' | 'done' | 'error' | 'stopped'. */
  status: string;
}

/** A child execution's link to the Map iteration it runs (on ExecutionStarted and the head). */
export interface ParentRef {
  executionId: string;
  /** Path of the parent's Map step. */
  path: string;
  /** The Map step's attempt the child belongs to. */
  attempt: number;
  /** The item's position (0-based). */
  index: number;
  /** The element itself (`$.item` inside the iterator). */
  item: Json;
}

/** One finished iteration of a Map: its output, or a tolerated failure as `{error, cause}`. */
export type MapResult = { output: Json } | { failure: { error: string; cause: string } };

export interface ExecutionState {
  executionId: string;
  flowId: string;
  definitionHash: string;
  name?: string;
  /** Trace form of the execution's launches (1 = keyed); absent for executions started before. */
  traceKeyVersion?: number;
  status: ExecutionStatus;
  input: Json;
  output?: Json;
  error?: StepError;
  startedAt: string;
  updatedAt: string;
  lastSeq: number;
  redriveCount: number;
  steps: Record<string, StepState>;
  /** Set on a Map iteration's child execution. */
  parent?: ParentRef;
  /** Counters and cursor of each Map entered, keyed by the Map's path (on the head). */
  maps?: Record<string, MapProgress>;
  /**
   * Finished iterations of each running Map, keyed by path then item index. Snapshot only (the head
   * leaves it out); dropped once the Map's StepSucceeded/StepFailed carries the result.
   */
  mapResults?: Record<string, Record<string, MapResult>>;
  machine: MachineState;
}
