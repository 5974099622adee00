/**
 * Timers as Cloud Tasks HTTP tasks: scheduled at `dueAt`, POSTed with an OIDC token to the API
 * function's `/v1/timers`, named after (execution, command) so that scheduling twice is a no-op
 * (ALREADY_EXISTS = already scheduled). Cloud Tasks accepts schedule times up to 30 days ahead.
 */
import type { TimerCommand } from '../../engine/core/commands.ts';
import { FirestepError } from '../../engine/errors.ts';
import type { TimerScheduler } from '../../engine/ports/index.ts';
import { timerMessage } from '../../engine/signals/wire/timer.ts';
import { createHttpTask, type TaskQueue, taskIdFor } from '../shared/http-task.ts';
import { isRetryable, messageOf } from '../shared/launch-errors.ts';

const MAX_AHEAD_MS = 30 * 24 * 3600 * 1000;

export interface CloudTasksTimerSchedulerOptions {
  queue: TaskQueue;
  /** Base URL of the API function, e.g. `https://firestep-api-xyz.run.app`. */
  apiUrl: string;
  /** Clock, only to check the 30-day limit (default: system clock). */
  now?: () => Date;
}

/**
 * @example
 * const timers = new CloudTasksTimerScheduler({ queue: { client, queue: 'projects/p/locations/r/queues/firestep' }, apiUrl });
 * await timers.schedule(timerCommand);
 */
export class CloudTasksTimerScheduler implements TimerScheduler {
  constructor(private readonly opts: CloudTasksTimerSchedulerOptions) {}

  async schedule(command: TimerCommand): Promise<void> {
    const due = new Date(command.dueAt);
    if (Number.isNaN(due.getTime()))
      throw new FirestepError(
        'INTERNAL',
        `timer ${command.id} of execution ${command.executionId} has an invalid dueAt "${command.dueAt}"`,
      );
    const now = (this.opts.now ?? (() => new Date()))();
    if (due.getTime() - now.getTime() > MAX_AHEAD_MS)
      throw new FirestepError(
        'CONFIG',
        `timer ${command.id} is due ${command.dueAt}, more than 30 days ahead: Cloud Tasks cannot schedule it; shorten the Wait / retry interval`,
      );
    const url = `${this.opts.apiUrl.replace(/\/+$/, '')}/v1/timers`;
    try {
      await createHttpTask(this.opts.queue, {
        taskId: taskIdFor('timer', command.executionId, command.id),
        url,
        headers: {},
        body: timerMessage(command),
        scheduleTime: due,
      });
    } catch (e) {
      throw new FirestepError(
        'LAUNCH_FAILED',
        `scheduling timer ${command.id} of execution ${command.executionId}: ${messageOf(e)}`,
        {
          retryable: isRetryable(e),
          cause: e,
        },
      );
    }
  }
}
