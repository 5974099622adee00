/**
 * The dispatcher port: how the store hands the commands of a committed decision to the outside
 * world (adapters implement it; the store never imports adapters).
 */
import type { Command, LaunchCommand } from '../core/commands.ts';
import type { Receipt, StepError } from '../core/events.ts';
import type { Json } from '../flow/model.ts';
import type { CorrelationKey } from './correlation.ts';

/** What carrying out one outbox command produced. */
export type DispatchOutcome =
  /** Launched: record `StepLaunched` with this receipt (and register `extraCorrelationKeys`). */
  | {
      status: 'launched';
      receipt: Receipt;
      extraCorrelationKeys?: CorrelationKey[];
      completion?: SyncCompletion;
    }
  /** Timer scheduled / cancel sent: nothing to record. */
  | { status: 'done' }
  /** Could not launch and will never be able to (4xx, bad config): record a launch failure. */
  | { status: 'failed'; error: StepError }
  /** Transient (5xx, 429, timeout): leave the command PENDING; sweep or the next apply retries it. */
  | { status: 'retry'; error: StepError; retryAfterSeconds?: number };

/** A synchronous target (Http sync mode) finished inside the launch: its completion, applied at once. */
export type SyncCompletion = { outcome: 'succeeded'; output: Json } | { outcome: 'failed'; error: StepError };

/** Carries out commands after commit. Implemented by adapters (or a test double in unit tests). */
export interface CommandDispatcher {
  dispatch(command: Command): Promise<DispatchOutcome>;
  /**
   * Correlation keys known before launch (trace id, deterministic Dataflow job name, callback
   * token). Pure and synchronous: the store writes them in the same transaction as the command, so a
   * completion can be matched even if it arrives before the launch is recorded.
   */
  correlationKeys(command: LaunchCommand): CorrelationKey[];
}
