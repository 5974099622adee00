/**
 * The Firestore event store (DESIGN.md §6): start executions, apply signals in transactions, run the
 * outbox after commit, and read heads, logs and states back. See docs/internals/store.md for
 * the fan-in design and docs/reference/firestore-schema.md for what is stored where.
 */
import type { ExecutionState, Signal } from '../core/index.ts';
import type { FlowDefinition, Json } from '../flow/model.ts';
import type { CorrelationKey, CorrelationTarget } from '../ports/index.ts';
import { createContext, type StoreContext } from './context.ts';
import { drainInbox, submitGrouped } from './intake.ts';
import { registerCorrelations } from './outbox.ts';
import { pump, sweep } from './pump.ts';
import * as read from './readers.ts';
import { repairRetention } from './retention.ts';
import { asStoreError } from './retry.ts';
import { startInStore } from './start-execution.ts';
import type {
  ApplyResult,
  ExecutionStoreOptions,
  ListExecutionsOptions,
  OutboxEntry,
  StartOptions,
  StartResult,
  StoredHead,
  StoreStats,
  SweepOptions,
  SweepReport,
} from './types.ts';

/**
 * @example
 * const store = new ExecutionStore({ db: new Firestore(), dispatcher });
 * const { executionId } = await store.startExecution(flow, { date: '2024-01-01' }, { name: 'nightly-2024-01-01' });
 * await store.apply(executionId, { kind: 'completed', outcome: 'succeeded', path: 'Init', attempt: 1,
 *   output: { rows: 3 }, source: { kind: 'log', id: 'insert-1' } });
 * (await store.getHead(executionId))?.steps.Init?.status; // 'SUCCEEDED'
 */
export class ExecutionStore {
  private readonly ctx: StoreContext;

  constructor(options: ExecutionStoreOptions) {
    this.ctx = createContext(options);
  }

  /** Counters since this store was created (transactions, signals applied and queued, dispatches). */
  get stats(): Readonly<StoreStats> {
    return { ...this.ctx.stats };
  }

  /**
   * Start an execution, then dispatch its first commands. With `name`, idempotent: the same name
   * and input return the existing execution (`created: false`); a different input throws
   * EXECUTION_CONFLICT.
   */
  async startExecution(def: FlowDefinition, input: Json, opts: StartOptions = {}): Promise<StartResult> {
    return asStoreError('starting an execution', async () => {
      const started = await startInStore(this.ctx, def, input, opts);
      await pump(this.ctx, started.executionId);
      return { executionId: started.executionId, created: started.created, head: started.head };
    });
  }

  /**
   * Apply one signal: deduped by its business key, decided and appended in one transaction, then
   * the outbox is dispatched. When another worker is draining this execution the signal is queued
   * for it (`status: 'queued'`). Throws EXECUTION_NOT_FOUND for an unknown execution and
   * STORE_UNAVAILABLE (retryable) when Firestore stays unavailable.
   */
  async apply(executionId: string, signal: Signal): Promise<ApplyResult> {
    return asStoreError(`applying a signal to ${executionId}`, async () => {
      const report = await submitGrouped(this.ctx, executionId, [signal], { probeInbox: true });
      if (report.drained) await pump(this.ctx, executionId);
      if (await report.inboxProbe) {
        // Entries stranded by a lease holder that crashed after releasing (see intake.ts).
        await drainInbox(this.ctx, executionId, new Map());
        await pump(this.ctx, executionId);
      }
      const [result] = report.results;
      return result ?? { status: 'queued', events: [] };
    });
  }

  /** Apply everything queued in the execution's inbox, then run its outbox. */
  async drain(executionId: string): Promise<{ applied: number }> {
    const { applied } = await drainInbox(this.ctx, executionId, new Map());
    await pump(this.ctx, executionId);
    return { applied };
  }

  /** Dispatch commands left PENDING (crash after commit, retry backoff over) and drain stranded inboxes. */
  async sweepPending(opts: SweepOptions = {}): Promise<SweepReport> {
    const report = await sweep(this.ctx, opts);
    // Retention passes still owed (a crash after the finishing commit, a large execution).
    const stamped = await repairRetention(this.ctx);
    return stamped > 0 ? { ...report, retentionStamped: stamped } : report;
  }

  getHead(executionId: string): Promise<StoredHead | undefined> {
    return read.getHead(this.ctx, executionId);
  }

  readEvents(executionId: string, opts: { afterSeq?: number; limit?: number } = {}) {
    return read.readEvents(this.ctx, executionId, opts);
  }

  loadState(executionId: string): Promise<{ def: FlowDefinition; state: ExecutionState }> {
    return read.loadState(this.ctx, executionId);
  }

  getDefinition(hash: string): Promise<FlowDefinition | undefined> {
    return this.ctx.definitions.find(hash);
  }

  listExecutions(opts: ListExecutionsOptions = {}): Promise<StoredHead[]> {
    return read.listExecutions(this.ctx, opts);
  }

  lookupCorrelation(key: CorrelationKey): Promise<CorrelationTarget | undefined> {
    return read.lookupCorrelation(this.ctx, key);
  }

  registerCorrelations(target: CorrelationTarget, keys: CorrelationKey[]): Promise<void> {
    return registerCorrelations(this.ctx, target, keys);
  }

  listPendingCommands(executionId: string): Promise<OutboxEntry[]> {
    return read.listPendingCommands(this.ctx, executionId);
  }
}
