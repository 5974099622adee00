/**
 * The store's public types: options, results, the outbox record and the head as stored.
 */
import type { Firestore } from '@google-cloud/firestore';
import type {
  Command,
  ExecutionEvent,
  HeadDocument,
  Ignored,
  SignalSource,
  StepError,
} from '../core/index.ts';
import type { Json } from '../flow/model.ts';
import type { CommandDispatcher, DispatchOutcome } from '../ports/index.ts';

/**
 * Seams for the reliability suite. A hook that throws simulates a crash at that point: the
 * operation rejects with the hook's error and whatever was committed before stays committed.
 */
export interface StoreFaults {
  /** After a transaction committed, before observers and dispatch. */
  afterCommit?: (executionId: string, events: ExecutionEvent[]) => void | Promise<void>;
  /** Before a PENDING command is claimed and handed to the dispatcher. */
  beforeDispatch?: (command: Command) => void | Promise<void>;
  /** After the dispatcher returned, before the outcome is recorded (signals applied, command marked). */
  afterDispatch?: (command: Command, outcome: DispatchOutcome) => void | Promise<void>;
}

export interface ExecutionStoreOptions {
  db: Firestore;
  /**
   * With `retentionDays`: an execution of at most this many documents (default 500) is stamped with
   * `expireAt` by the request that finished it; a larger one by `sweepPending` (engine/store/retention.ts).
   */
  retentionInlineLimit?: number;
  dispatcher: CommandDispatcher;
  /**
   * The deployment's trace key (the callback secret, `FIRESTEP_CALLBACK_SECRET`). With it, new
   * executions get keyed trace ids (HMAC) that cannot be computed from an execution id; without it
   * new executions use the legacy unkeyed form, and a keyed execution cannot launch steps.
   */
  traceKey?: string;
  /** Write a snapshot when this many events have been appended since the last one (default 25). */
  snapshotEvery?: number;
  /** Documents larger than this keep their largest fields out of line (default 256 KiB). */
  inlineLimitBytes?: number;
  clock?: () => Date;
  newId?: () => string;
  /** How long a drain lease is valid without renewal (default 30 s). */
  leaseMs?: number;
  /** How long a claimed command is protected from other dispatchers (default 5 min). */
  dispatchClaimMs?: number;
  /** Dispatch attempts before a command that keeps failing transiently is given up (default 10). */
  maxDispatchAttempts?: number;
  /** Commands dispatched at once per execution (default 32). */
  dispatchConcurrency?: number;
  /** Signals decided in one transaction when draining (default 200). */
  drainBatchSize?: number;
  /**
   * Days to keep a finished execution's head: when it reaches a terminal status the head gets
   * `expireAt` (a Firestore Timestamp: terminal time + this many days) for a Firestore TTL policy.
   * Only the head is stamped; its subcollections are not (docs/reference/firestore-schema.md). Default: none.
   */
  retentionDays?: number;
  /** Called after every commit with the events it appended, in seq order. */
  onEvents?: (executionId: string, events: ExecutionEvent[]) => void;
  faults?: StoreFaults;
}

/** What `apply` did with a signal. */
export interface ApplyResult {
  /**
   * applied: recorded (events may be empty only for a cancel with nothing to record) ·
   * duplicate: this signal key was accepted before · ignored: decide refused it (see `ignored`),
   * nothing was written · queued: another worker is draining this execution and will apply it.
   */
  status: 'applied' | 'duplicate' | 'ignored' | 'queued';
  events: ExecutionEvent[];
  ignored?: Ignored;
}

export interface StartResult {
  executionId: string;
  created: boolean;
  head: StoredHead;
}

export interface StartOptions {
  /** Idempotency name: the same name and input returns the existing execution. */
  name?: string;
  source?: SignalSource;
  /** What started the execution (`$.trigger` payload), recorded on ExecutionStarted. */
  trigger?: Json;
}

/** The head document as stored: the state without the machine, plus where to resume from. */
export type StoredHead = HeadDocument & {
  /** Seq of the latest snapshot (`snapshots/{seq}`); replay starts there. */
  snapshotSeq: number;
  /** Path of the pinned definition: `definitions/{hash}`. */
  definition: string;
  /**
   * Finished executions with `retentionDays` set: when Firestore TTL may delete the head (ISO time
   * here; stored as a Timestamp).
   */
  expireAt?: string;
};

export type OutboxStatus = 'PENDING' | 'DISPATCHING' | 'DONE' | 'FAILED';

/** `executions/{id}/commands/{commandId}`: a command and its dispatch progress. */
export interface OutboxEntry {
  command: Command;
  commandId: string;
  executionId: string;
  kind: Command['kind'];
  path: string;
  attempt: number;
  status: OutboxStatus;
  /** Dispatch attempts made so far. */
  attempts: number;
  createdAt: string;
  /** Not dispatched before this time: backoff after a transient failure, or the end of a claim. */
  nextAttemptAt: string;
  /** While DISPATCHING: other dispatchers leave it alone until then. */
  claimedUntil?: string;
  lastError?: StepError;
  finishedAt?: string;
  /** Settled without dispatch: `ExecutionCancelled`, or `execution <STATUS>` at dispatch time. */
  settledBy?: string;
}

export interface ListExecutionsOptions {
  flowId?: string;
  status?: HeadDocument['status'];
  /** Only executions started before this ISO time (the next page of a newest-first list). */
  startedBefore?: string;
  /** Only executions started at or after this ISO time. */
  startedAfter?: string;
  /** Default 50. */
  limit?: number;
}

export interface SweepOptions {
  /** Commands and inbox entries looked at per sweep (default 500 each). */
  limit?: number;
}

export interface SweepReport {
  /** Commands handed to the dispatcher. */
  dispatched: number;
  /** Signals applied from inboxes. */
  drained: number;
  /** Commands given up (marked FAILED). */
  failed: number;
  /** Finished (or redriven) executions whose documents the sweep (un)stamped with expireAt; absent when 0. */
  retentionStamped?: number;
}

/** Counters, for tests and benchmarks (per store instance). */
export interface StoreStats {
  /** Transactions committed. */
  transactions: number;
  /** Transaction bodies run (> transactions when Firestore retried on contention). */
  transactionAttempts: number;
  /** Signals that appended events. */
  signalsApplied: number;
  /** Signals written to an inbox because another worker held the drain lease. */
  signalsQueued: number;
  /** Commands handed to the dispatcher. */
  commandsDispatched: number;
}
