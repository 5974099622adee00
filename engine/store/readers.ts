/**
 * Reads for the CLI, the API and tests. Outside transactions; payloads resolved, encodings undone.
 */
import { FieldPath, type Query } from '@google-cloud/firestore';
import type { ExecutionEvent, ExecutionState } from '../core/index.ts';
import type { FlowDefinition } from '../flow/model.ts';
import type { CorrelationKey, CorrelationTarget } from '../ports/index.ts';
import type { StoreContext } from './context.ts';
import { readCorrelation } from './correlations.ts';
import { HeadDocSchema, OutboxDocSchema, readDocument } from './documents.ts';
import { pendingCommands } from './outbox.ts';
import { COLLECTIONS, ExecutionRefs, seqDocId } from './paths.ts';
import { withStoreRetry } from './retry.ts';
import { headPointers, loadStateAt, readEvent } from './state-loader.ts';
import type { ListExecutionsOptions, OutboxEntry, StoredHead } from './types.ts';

/** The head document, or undefined if there is no such execution. */
export async function getHead(ctx: StoreContext, executionId: string): Promise<StoredHead | undefined> {
  const snap = await withStoreRetry('reading a head', () =>
    new ExecutionRefs(ctx.db, executionId).head.get(),
  );
  return snap.exists ? readDocument(ctx.chunks, HeadDocSchema, 'head', snap) : undefined;
}

/** Events in seq order, after `afterSeq` (default 0), at most `limit` (default 1000). */
export async function readEvents(
  ctx: StoreContext,
  executionId: string,
  opts: { afterSeq?: number; limit?: number } = {},
): Promise<ExecutionEvent[]> {
  const refs = new ExecutionRefs(ctx.db, executionId);
  const page = await withStoreRetry('reading events', () =>
    refs.events
      .orderBy(FieldPath.documentId())
      .startAfter(seqDocId(opts.afterSeq ?? 0))
      .limit(opts.limit ?? 1000)
      .get(),
  );
  return Promise.all(page.docs.map((doc) => readEvent(ctx, doc, executionId)));
}

/** The definition and the current state (snapshot + tail). Throws EXECUTION_NOT_FOUND. */
export async function loadState(
  ctx: StoreContext,
  executionId: string,
): Promise<{ def: FlowDefinition; state: ExecutionState }> {
  const refs = new ExecutionRefs(ctx.db, executionId);
  const head = headPointers(await withStoreRetry('reading a head', () => refs.head.get()), executionId);
  const def = await ctx.definitions.get(head.definitionHash);
  const state = await withStoreRetry('loading a state', () =>
    loadStateAt(ctx, undefined, executionId, def, head),
  );
  return { def, state };
}

/** Heads, newest first, optionally filtered by flow and status. */
export async function listExecutions(
  ctx: StoreContext,
  opts: ListExecutionsOptions = {},
): Promise<StoredHead[]> {
  let query: Query = ctx.db.collection(COLLECTIONS.executions);
  if (opts.flowId !== undefined) query = query.where('flowId', '==', opts.flowId);
  if (opts.status !== undefined) query = query.where('status', '==', opts.status);
  if (opts.startedBefore !== undefined) query = query.where('startedAt', '<', opts.startedBefore);
  if (opts.startedAfter !== undefined) query = query.where('startedAt', '>=', opts.startedAfter);
  const page = await withStoreRetry('listing executions', () =>
    query
      .orderBy('startedAt', 'desc')
      .limit(opts.limit ?? 50)
      .get(),
  );
  return Promise.all(page.docs.map((doc) => readDocument(ctx.chunks, HeadDocSchema, 'head', doc)));
}

/** What a correlation key points at, if registered. */
export async function lookupCorrelation(
  ctx: StoreContext,
  key: CorrelationKey,
): Promise<CorrelationTarget | undefined> {
  return readCorrelation(ctx.db, key);
}

/** Commands of an execution still PENDING or DISPATCHING. */
export async function listPendingCommands(ctx: StoreContext, executionId: string): Promise<OutboxEntry[]> {
  const docs = await pendingCommands(ctx, executionId);
  return Promise.all(docs.map((doc) => readDocument(ctx.chunks, OutboxDocSchema, 'outbox command', doc)));
}
