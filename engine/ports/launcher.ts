/**
 * One small interface per target kind: a command in, a receipt out, errors classified retryable or
 * terminal. The command id is the idempotency key (Cloud Tasks task name, Dataproc requestId,
 * Dataflow job name), so launching the same command twice never starts the work twice.
 */
import type { LaunchCommand } from '../core/commands.ts';
import type { Receipt, StepError } from '../core/events.ts';
import type { Json, TargetType } from '../flow/model.ts';
import type { CorrelationKey } from './correlation.ts';
import type { SyncCompletion } from './dispatcher.ts';

export type LaunchResult =
  | {
      status: 'launched';
      receipt: Receipt;
      extraCorrelationKeys?: CorrelationKey[];
      completion?: SyncCompletion;
    }
  | { status: 'failed'; error: StepError }
  | { status: 'retry'; error: StepError; retryAfterSeconds?: number };

/** Status of a launched attempt, asked on timeout or to confirm an ambiguous log line. */
export type ProbeResult =
  | { state: 'running' }
  | { state: 'succeeded'; output?: Json }
  | { state: 'failed'; error: StepError }
  | { state: 'unknown' };

export interface Launcher {
  readonly targetType: TargetType;
  launch(command: LaunchCommand): Promise<LaunchResult>;
  /** Pure: keys known before launch (see CommandDispatcher.correlationKeys). */
  correlationKeys(command: LaunchCommand): CorrelationKey[];
  /** Optional: ask the platform about a launched attempt (Dataflow jobs.get, Dataproc operation). */
  probe?(command: LaunchCommand, receipt: Receipt): Promise<ProbeResult>;
  /** Optional: best-effort stop of a running attempt (Dataflow cancel). */
  cancel?(command: LaunchCommand, receipt: Receipt): Promise<void>;
}
