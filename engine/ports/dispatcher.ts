/**
 * Ports the Firestore store depends on. Adapters implement them; the store never imports adapters.
 */
import type { Command, LaunchCommand } from '../core/commands.ts';
import type { Receipt, StepError } from '../core/events.ts';
import type { FlowDefinition } from '../flow/model.ts';

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
export type SyncCompletion =
  | { outcome: 'succeeded'; output: import('../flow/model.ts').Json }
  | { outcome: 'failed'; error: StepError };

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

/**
 * A correlation key, stored as `correlations/{kind}:{value}` (value percent-encoded).
 * kinds: `trace` (32-hex trace id), `dataflowJob` (job id), `dataflowJobName`, `callback` (token),
 * `dataprocOperation`, `task` (Cloud Tasks task name).
 */
export interface CorrelationKey {
  kind: 'trace' | 'dataflowJob' | 'dataflowJobName' | 'callback' | 'dataprocOperation' | 'task' | 'message';
  value: string;
}

/** The document id of a correlation key in `correlations/`. */
export function correlationDocId(key: CorrelationKey): string {
  return `${key.kind}:${encodeURIComponent(key.value)}`;
}

/** What a correlation key points at. */
export interface CorrelationTarget {
  executionId: string;
  step: string;
  path: string;
  attempt: number;
  commandId: string;
  /** Target type of the step (CloudFunction, Dataflow, …). */
  targetType: string;
  /** Project/region of the target, used to confirm Dataflow jobs. */
  projectId?: string;
  region?: string;
}

/** Finds the definition an execution is pinned to. The store also persists definitions by hash. */
export interface FlowResolver {
  byId(flowId: string): FlowDefinition | undefined;
}
