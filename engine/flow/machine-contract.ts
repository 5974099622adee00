/**
 * The contract between the compiled XState machine (engine/flow/compile.ts) and the core
 * (engine/core/decide.ts): which events the machine accepts and which actions it emits. Actions are
 * plain data (`{type, params}`) returned by XState's pure `transition`; the core turns them into
 * events and commands. The machine never performs I/O.
 */

import type { StepError } from '../core/events.ts';
import type { Json } from './model.ts';

/** Events the machine reacts to. `path` addresses the step; `attempt` guards against stale signals. */
export type MachineEvent =
  | { type: 'STEP_SUCCEEDED'; path: string; attempt: number; output: Json }
  | { type: 'STEP_FAILED'; path: string; attempt: number; error: StepError }
  | { type: 'STEP_TIMED_OUT'; path: string; attempt: number }
  /** The retry timer fired: re-enter the Task with `attempt` (the new attempt number). */
  | { type: 'RETRY_DUE'; path: string; attempt: number }
  /** The wait timer fired. `attempt` (additive) guards against a timer armed before a redrive. */
  | { type: 'WAIT_ELAPSED'; path: string; attempt?: number }
  /** Re-enter every Task that did not succeed (failed or still running) with attempt + 1. */
  | { type: 'REDRIVE' };

/** Actions the machine emits (XState action objects: `{ type, params }`). */
export type MachineAction =
  /** Entering a Task (first attempt, retry, redrive): launch it. */
  | { type: 'launch'; params: { path: string; step: string; attempt: number } }
  /** A Task failed with retries left: schedule `RETRY_DUE` after `delaySeconds`. */
  | {
      type: 'scheduleRetry';
      params: { path: string; step: string; attempt: number; nextAttempt: number; delaySeconds: number };
    }
  /** Entering a Wait step. */
  | { type: 'scheduleWait'; params: { path: string; step: string; seconds: number; attempt: number } }
  /** A Condition routed to `next`: choice index, or null for its default. Recorded as `ChoiceTaken`. */
  | { type: 'choiceTaken'; params: { path: string; step: string; next: string; choice: number | null } }
  /**
   * The execution cannot go on: an unhandled Task failure, a Fail step, a Condition with no match.
   * The machine stays in a non-final dead-end state (so that REDRIVE can revive failed Tasks).
   */
  | { type: 'failExecution'; params: { path: string; step: string; error: StepError } };

/**
 * The machine input of an execution started by a trigger: `acceptInput` puts `trigger` into the
 * context next to `input`. (Executions without a trigger get their input as is.)
 */
export class TriggeredInput {
  constructor(
    readonly input: Json,
    readonly trigger: Json,
  ) {}
}

/**
 * Machine context. `outputs` is keyed by step *name* (what `$.steps.<Name>.output` reads);
 * `attempts` by step path. `lastOutput` is what the flow (or a branch) returns: the output of the
 * last Task completed on the path that ended it; a Parallel's output is the array of its branches'.
 */
export interface MachineContext {
  input: Json;
  /** `$.trigger`: what started the execution (absent: started by a person or the API). */
  trigger?: Json;
  outputs: Record<string, Json>;
  attempts: Record<string, number>;
  lastOutput: Json;
  [key: string]: Json | Record<string, Json> | Record<string, number> | undefined;
}
