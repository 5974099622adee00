/**
 * What every part of the store shares: the Firestore client, the dispatcher, resolved options,
 * caches and counters. Built once by `ExecutionStore`.
 */
import { randomUUID } from 'node:crypto';
import type { Firestore } from '@google-cloud/firestore';
import type { ExecutionEvent, ExecutionState, Signal } from '../core/index.ts';
import { FirestepError } from '../errors.ts';
import { log } from '../log.ts';
import type { CommandDispatcher } from '../ports/index.ts';
import { ChunkStore, DEFAULT_INLINE_LIMIT } from './chunks.ts';
import { DefinitionStore } from './definitions.ts';
import { DrainLeases } from './lease.ts';
import type { ApplyResult, ExecutionStoreOptions, StoreFaults, StoreStats } from './types.ts';

export interface StoreContext {
  db: Firestore;
  dispatcher: CommandDispatcher;
  chunks: ChunkStore;
  definitions: DefinitionStore;
  leases: DrainLeases;
  states: StateCache;
  clock: () => Date;
  newId: () => string;
  snapshotEvery: number;
  /** See ExecutionStoreOptions.traceKey. */
  traceKey: string | undefined;
  /** `retentionDays` in ms: how long after finishing a head is kept (undefined: forever). */
  retentionMs: number | undefined;
  /** The finishing request stamps an execution of at most this many documents; the sweep the rest. */
  retentionInlineLimit: number;
  dispatchClaimMs: number;
  maxDispatchAttempts: number;
  dispatchConcurrency: number;
  drainBatchSize: number;
  onEvents: ((executionId: string, events: ExecutionEvent[]) => void) | undefined;
  faults: StoreFaults;
  stats: StoreStats;
  /** Per execution: signals waiting for this worker's in-flight submit to finish (see intake.ts). */
  gates: Map<string, GateWaiter[]>;
}

/** A local caller waiting to have its signals submitted with the next group. */
export interface GateWaiter {
  signals: Signal[];
  resolve: (results: ApplyResult[]) => void;
  reject: (error: unknown) => void;
}

/** Resolve options into a context. */
export function createContext(opts: ExecutionStoreOptions): StoreContext {
  const clock = opts.clock ?? (() => new Date());
  const newId = opts.newId ?? (() => randomUUID());
  const chunks = new ChunkStore(opts.db, opts.inlineLimitBytes ?? DEFAULT_INLINE_LIMIT);
  return {
    db: opts.db,
    dispatcher: opts.dispatcher,
    chunks,
    definitions: new DefinitionStore(opts.db, chunks),
    leases: new DrainLeases(opts.db, { leaseMs: opts.leaseMs ?? 30_000, clock, newId }),
    states: new StateCache(),
    clock,
    newId,
    snapshotEvery: positive('snapshotEvery', opts.snapshotEvery ?? 25),
    traceKey: opts.traceKey,
    retentionMs: opts.retentionDays === undefined ? undefined : retentionMs(opts.retentionDays),
    retentionInlineLimit: positive('retentionInlineLimit', opts.retentionInlineLimit ?? 500),
    dispatchClaimMs: opts.dispatchClaimMs ?? 5 * 60_000,
    maxDispatchAttempts: positive('maxDispatchAttempts', opts.maxDispatchAttempts ?? 10),
    dispatchConcurrency: positive('dispatchConcurrency', opts.dispatchConcurrency ?? 32),
    drainBatchSize: positive('drainBatchSize', opts.drainBatchSize ?? 200),
    onEvents: opts.onEvents,
    faults: opts.faults ?? {},
    gates: new Map(),
    stats: {
      transactions: 0,
      transactionAttempts: 0,
      signalsApplied: 0,
      signalsQueued: 0,
      commandsDispatched: 0,
    },
  };
}

/**
 * States this worker committed last, by execution. A transaction that reads a head whose lastSeq
 * matches skips loading the snapshot and tail: the common case when one worker drains many batches.
 * States are immutable values (the core never mutates one), so sharing them is safe.
 */
export class StateCache {
  private readonly states = new Map<string, ExecutionState>();

  get(executionId: string, lastSeq: number): ExecutionState | undefined {
    const state = this.states.get(executionId);
    return state?.lastSeq === lastSeq ? state : undefined;
  }

  set(state: ExecutionState): void {
    this.states.delete(state.executionId);
    if (this.states.size >= 500) {
      const oldest = this.states.keys().next().value;
      if (oldest !== undefined) this.states.delete(oldest);
    }
    this.states.set(state.executionId, state);
  }
}

/** After a commit: counters, observers, then the crash seam. */
export async function committed(
  ctx: StoreContext,
  executionId: string,
  events: ExecutionEvent[],
): Promise<void> {
  ctx.stats.transactions++;
  if (events.length > 0 && ctx.onEvents !== undefined) {
    try {
      ctx.onEvents(executionId, events);
    } catch (e) {
      log.warn('store: an onEvents observer threw; the events are committed regardless', {
        executionId,
        error: e,
      });
    }
  }
  await ctx.faults.afterCommit?.(executionId, events);
}

function retentionMs(days: number): number {
  if (!Number.isFinite(days) || days <= 0) {
    throw new FirestepError(
      'CONFIG',
      `ExecutionStore option retentionDays must be a positive number of days, got ${days}`,
    );
  }
  return days * 24 * 60 * 60 * 1000;
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new FirestepError(
      'CONFIG',
      `ExecutionStore option ${name} must be a positive integer, got ${value}`,
    );
  }
  return value;
}
