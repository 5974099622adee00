/**
 * The port the dispatcher hands timer commands to (retry backoff, Wait steps, step timeouts). When the
 * timer is due, a `firestep.timer` message (engine/signals/wire/timer.ts) reaches the engine: through
 * the API function's `/v1/timers` endpoint in the cloud, through a callback in local runs.
 * Scheduling the same command twice must fire it once.
 */
import type { TimerCommand } from '../core/commands.ts';

export interface TimerScheduler {
  schedule(command: TimerCommand): Promise<void>;
}
