/**
 * The Firestore event store: `ExecutionStore` and the types its callers need.
 *
 * @example
 * import { ExecutionStore } from './index.ts';
 * const store = new ExecutionStore({ db, dispatcher });
 */

export {
  type CommandDispatcher,
  type CorrelationKey,
  type CorrelationTarget,
  correlationDocId,
  type DispatchOutcome,
  type FlowResolver,
  type SyncCompletion,
} from '../ports/index.ts';
export { CHUNK_BYTES, type ChunkRef, DEFAULT_INLINE_LIMIT, isChunkRef } from './chunks.ts';
export { firestoreCorrelationLookup, readCorrelation } from './correlations.ts';
export { DEAD_LETTER_RAW_LIMIT, firestoreDeadLetters } from './dead-letters.ts';
export { ExecutionStore } from './execution-store.ts';
export { COLLECTIONS, namedExecutionId, safeDocId, seqDocId } from './paths.ts';
export {
  budgetSpentAlready,
  DEFAULT_REQUEST_BUDGET_MS,
  isBudgetSpent,
  remainingBudgetMs,
  withRequestBudget,
} from './request-budget.ts';
export type {
  ApplyResult,
  ExecutionStoreOptions,
  ListExecutionsOptions,
  OutboxEntry,
  OutboxStatus,
  StartOptions,
  StartResult,
  StoredHead,
  StoreFaults,
  StoreStats,
  SweepOptions,
  SweepReport,
} from './types.ts';
export { type Unsubscribe, watchExecution, watchExecutions } from './watch.ts';
