/**
 * The execution-level timeout (the flow's `timeout_seconds`): its error and its timer's command id.
 * The timer is scheduled at the start (and after a redrive) by `Run.scheduleExecutionTimeout`; when
 * it fires while its run still goes on, `decide` ends the execution with `ExecutionTimedOut`.
 */
import { ERROR_NAMES } from '../flow/model.ts';
import { commandId, EXECUTION_TIMER_PATH } from './commands.ts';
import type { StepError } from './events.ts';

/**
 * The error of an execution that ran longer than its flow's `timeout_seconds`.
 *
 * @example executionTimeoutError(3600).name === 'States.Timeout'
 */
export function executionTimeoutError(seconds: number): StepError {
  return {
    name: ERROR_NAMES.timeout,
    kind: 'timeout',
    message: `the execution ran longer than the flow's timeout_seconds (${seconds} s) and was stopped; raise timeout_seconds if it needs longer`,
  };
}

/**
 * The outbox command id of the execution timer of run `run` (1, then redriveCount + 1).
 *
 * @example executionTimerId(1) === 'timer-execution~%24execution~1'
 */
export function executionTimerId(run: number): string {
  return commandId('timer-execution', EXECUTION_TIMER_PATH, run);
}
