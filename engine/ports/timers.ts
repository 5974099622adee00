/**
 * The port the dispatcher hands timer commands to (retry backoff, Wait steps, step timeouts). When the
 * timer is due, a `firestep.timer` message (engine/signals/wire/timer.ts) reaches the engine: through
 * the API function's `/v1/timers` endpoint in the cloud, through a callback in local runs.
 * Scheduling the same command twice must fire it once.
 */
import type { TimerCommand } from '../core/commands.ts';
import type { TimerMessage } from '../signals/wire/timer.ts';

export interface TimerScheduler {
  schedule(command: TimerCommand): Promise<void>;
}

/**
 * The message delivered when `command` is due.
 *
 * @example timerMessage(cmd) // → { kind: 'firestep.timer', executionId, path, attempt, timer, commandId: cmd.id }
 */
export function timerMessage(command: TimerCommand): TimerMessage {
  return {
    kind: 'firestep.timer',
    executionId: command.executionId,
    path: command.path,
    attempt: command.attempt,
    timer: command.timer,
    commandId: command.id,
  };
}
