/**
 * A signal is something the engine is told (a completion, a launch receipt, a timer, a cancel). It is
 * already correlated to an execution (and to a step attempt where it concerns one): parsing raw
 * LogEntries / CloudEvents into signals is `engine/signals`' job. `decide` turns signals into events.
 */
import type { Json } from '../flow/model.ts';
import type { TimerKind } from './commands.ts';
import type { NotificationRef, Receipt, SignalSource, StepError } from './events.ts';

export interface StepAttemptRef {
  path: string;
  attempt: number;
}

export type Signal =
  /** The adapter launched the attempt (dispatcher, after commit). */
  | ({
      kind: 'launched';
      commandId: string;
      receipt: Receipt;
      /** The resolved input the attempt was launched with (the launch command's `input`). */
      input?: Json;
      source: SignalSource;
    } & StepAttemptRef)
  /** The launch failed terminally (after the dispatcher's own retries). */
  | ({ kind: 'launchFailed'; commandId: string; error: StepError; source: SignalSource } & StepAttemptRef)
  /** The step attempt finished (log entry, Eventarc, callback, sync HTTP response, probe). */
  | ({
      kind: 'completed';
      outcome: 'succeeded';
      output: Json;
      /**
       * `true` when the platform reported it (a function's end line, a request log): the process
       * ended well, but the report carries no output. For a step that waits for its callback it only
       * confirms; otherwise it is the step's success (output `null`).
       */
      platform?: true;
      source: SignalSource;
    } & StepAttemptRef)
  | ({ kind: 'completed'; outcome: 'failed'; error: StepError; source: SignalSource } & StepAttemptRef)
  /** Log lines / metadata reported by a running attempt (callback SDK). */
  | ({ kind: 'logged'; lines: string[]; metadata?: Json; source: SignalSource } & StepAttemptRef)
  /**
   * A timer the engine scheduled is due. `execution`: the flow's `timeout_seconds`, at path
   * `$execution` with attempt = the run it belongs to (redriveCount + 1).
   */
  | ({ kind: 'timer'; timer: TimerKind; source: SignalSource } & StepAttemptRef)
  /** A Map iteration's child execution ended (its `notifyParent` command, after the child's commit). */
  | ({
      kind: 'child';
      index: number;
      childId: string;
      outcome: 'succeeded';
      output: Json;
      source: SignalSource;
    } & StepAttemptRef)
  | ({
      kind: 'child';
      index: number;
      childId: string;
      outcome: 'failed';
      error: StepError;
      source: SignalSource;
    } & StepAttemptRef)
  | { kind: 'cancel'; reason: string; source: SignalSource }
  /** Re-run a FAILED execution from its failed/unfinished steps (Step Functions "redrive"). */
  | { kind: 'redrive'; source: SignalSource }
  /** A notification was delivered or given up on (dispatcher, after the execution ended). */
  | ({
      kind: 'notified';
      outcome: 'sent' | 'failed';
      messageId?: string;
      httpStatus?: number;
      error?: StepError;
      source: SignalSource;
    } & NotificationRef);

export type SignalKind = Signal['kind'];

/**
 * Business dedupe key (DESIGN.md §5): (step attempt + what happened), not the transport's message id,
 * so two log entries, or a callback and an Eventarc event, reporting the same success collapse into
 * one. A platform line's success (`platform: true`, no output) has its own key: the callback that
 * carries the output must still reach `decide` after it.
 *
 * @example signalKey({kind:'completed', outcome:'succeeded', path:'Step1', attempt:1, …}) === 'Step1#1#succeeded'
 */
export function signalKey(signal: Signal, redriveCount = 0): string {
  switch (signal.kind) {
    case 'launched':
      return `${signal.path}#${signal.attempt}#launched`;
    case 'launchFailed':
      return `${signal.path}#${signal.attempt}#failed`;
    case 'completed':
      // A platform success and a callback success are two facts (the callback carries the output).
      if (signal.outcome === 'succeeded' && signal.platform === true)
        return `${signal.path}#${signal.attempt}#ended`;
      return `${signal.path}#${signal.attempt}#${signal.outcome}`;
    case 'logged':
      return `${signal.path}#${signal.attempt}#log#${signal.source.id ?? ''}`;
    case 'timer':
      return `${signal.path}#${signal.attempt}#timer-${signal.timer}`;
    case 'child':
      return `${signal.path}#${signal.attempt}#child#${signal.index}`;
    case 'cancel':
      return 'cancel';
    case 'redrive':
      return `redrive#${redriveCount + 1}`;
    case 'notified':
      return `notify#${signal.rule}#${signal.round}`;
  }
}
