/**
 * Retention of a finished execution: every document the engine wrote for it carries the head's
 * `expireAt`, so Firestore TTL (one policy per collection group, infra/firestore.tf) deletes the
 * whole execution, not just its head: its subcollections, its correlation documents, its chunks
 * (also those no document refers to any more) and the dead letters about it.
 *
 * Documents written once the execution is finished get the stamp in their own transaction
 * (decision-writer, apply-batch). The ones written while it ran are stamped after the commit that
 * finished it, and un-stamped after a redrive (the head loses its `expireAt` then, and a running
 * execution must not lose its log to TTL). That pass is made recoverable by a marker,
 * `retentionPending/{executionId}`, written in the finishing (or redriving) transaction itself and
 * deleted only once the pass is complete: the request that finished the execution runs the pass
 * when the execution is small (at most `retentionInlineLimit` documents, default 500), and the sweep
 * (`sweepPending`) runs it for the rest and after a crash. The pass is idempotent: it writes the
 * head's current `expireAt` (or removes it), whatever it wrote before.
 */
import {
  type CollectionReference,
  FieldValue,
  type Firestore,
  type Query,
  Timestamp,
  type Transaction,
} from '@google-cloud/firestore';
import { type ExecutionEvent, type ExecutionState, TERMINAL_EXECUTION_EVENTS } from '../core/index.ts';
import { log } from '../log.ts';
import type { StoreContext } from './context.ts';
import { COLLECTIONS, ExecutionRefs } from './paths.ts';
import { GRPC, grpcCode, withStoreRetry } from './retry.ts';

/** Subcollections of an execution that TTL must delete with its head. */
export const EXECUTION_SUBCOLLECTIONS = [
  COLLECTIONS.events,
  COLLECTIONS.snapshots,
  COLLECTIONS.signals,
  COLLECTIONS.commands,
  COLLECTIONS.inbox,
  COLLECTIONS.rejected,
] as const;

/** Top-level collections with documents of one execution, found by the field naming it. */
export const EXECUTION_TOP_LEVEL = [
  { collection: COLLECTIONS.correlations, field: 'executionId' },
  { collection: COLLECTIONS.chunks, field: 'owner' },
  { collection: COLLECTIONS.deadletters, field: 'executionId' },
] as const;

/** Every collection group whose documents carry `expireAt`: infra's `ttl_collection_groups`. */
export const TTL_COLLECTION_GROUPS = [
  COLLECTIONS.executions,
  ...EXECUTION_SUBCOLLECTIONS,
  ...EXECUTION_TOP_LEVEL.map((t) => t.collection),
] as const;

/**
 * When a finished execution's documents expire: `retentionDays` after it finished (its `updatedAt`,
 * the time of the terminal event, so every rewrite stamps the same value); undefined while running
 * or without a retention.
 *
 * @example expiryOf(ctx, succeededState) // Timestamp of updatedAt + retention
 */
export function expiryOf(ctx: StoreContext, state: ExecutionState): Timestamp | undefined {
  if (ctx.retentionMs === undefined || state.status === 'RUNNING') return undefined;
  return Timestamp.fromMillis(Date.parse(state.updatedAt) + ctx.retentionMs);
}

/** A document with the stamp added when there is one. */
export function stamped<T extends Record<string, unknown>>(
  doc: T,
  expireAt: Timestamp | undefined,
): T | (T & { expireAt: Timestamp }) {
  return expireAt === undefined ? doc : { ...doc, expireAt };
}

/** Whether these events finish or redrive the execution: its documents must be (un)stamped. */
function changesRetention(events: readonly ExecutionEvent[]): boolean {
  const terminal: readonly string[] = TERMINAL_EXECUTION_EVENTS;
  return events.some((e) => terminal.includes(e.type) || e.type === 'ExecutionRedriven');
}

function markerRef(db: Firestore, executionId: string) {
  return db.collection(COLLECTIONS.retentionPending).doc(executionId);
}

/**
 * In the transaction that finishes or redrives an execution: leave the marker that the (un)stamping
 * pass is owed, so a crash before the pass is repaired by the sweep.
 *
 * @example markRetention(ctx, tx, state, events);
 */
export function markRetention(
  ctx: StoreContext,
  tx: Transaction,
  state: ExecutionState,
  events: readonly ExecutionEvent[],
): void {
  if (ctx.retentionMs === undefined || !changesRetention(events)) return;
  const expireAt = expiryOf(ctx, state);
  tx.set(markerRef(ctx.db, state.executionId), {
    executionId: state.executionId,
    lastSeq: state.lastSeq,
    markedAt: ctx.clock().toISOString(),
    // What to stamp if the head is gone by the time the pass runs.
    expireAt: expireAt ?? null,
  });
}

/**
 * After a commit that finished or redrove the execution: run the (un)stamping pass now if the
 * execution is small, else leave it to the sweep. Best effort: a failure is logged, the marker stays
 * and the sweep finishes the pass.
 *
 * @example await syncRetention(ctx, state.executionId, events);
 */
export async function syncRetention(
  ctx: StoreContext,
  executionId: string,
  events: readonly ExecutionEvent[],
): Promise<void> {
  if (ctx.retentionMs === undefined || !changesRetention(events)) return;
  try {
    await stampExecution(ctx, executionId, ctx.retentionInlineLimit);
  } catch (error) {
    log.warn('store: stamping expireAt on the documents of an execution failed; the sweep finishes it', {
      executionId,
      error,
    });
  }
}

/**
 * The sweep's part: finish the (un)stamping passes still owed (a crash after the finishing commit,
 * an execution too large for the finishing request). Returns how many executions were completed.
 *
 * @example await repairRetention(ctx) // 2
 */
export async function repairRetention(ctx: StoreContext, limit = 20): Promise<number> {
  const markers = await withStoreRetry('listing executions whose retention stamping is owed', () =>
    ctx.db.collection(COLLECTIONS.retentionPending).select().limit(limit).get(),
  );
  let done = 0;
  for (const marker of markers.docs) {
    try {
      if ((await stampExecution(ctx, marker.id, undefined)) === 'done') done++;
    } catch (error) {
      log.warn('store: stamping expireAt failed in the sweep; the next sweep retries', {
        executionId: marker.id,
        error,
      });
    }
  }
  return done;
}

/**
 * One (un)stamping pass: every document of the execution gets the head's `expireAt` (or loses it
 * while the execution runs again); dead letters keep their own, later, expiry. `deferred` when the
 * execution has more than `maxDocuments` documents or a newer finish/redrive happened meanwhile
 * (the marker stays, the sweep runs it again).
 */
async function stampExecution(
  ctx: StoreContext,
  executionId: string,
  maxDocuments: number | undefined,
): Promise<'done' | 'deferred'> {
  const refs = new ExecutionRefs(ctx.db, executionId);
  const marker = markerRef(ctx.db, executionId);
  const [markerSnap, head] = await withStoreRetry('reading an execution to stamp', () =>
    ctx.db.getAll(marker, refs.head),
  );
  if (markerSnap === undefined || !markerSnap.exists) return 'done';
  const current = head?.exists ? head.get('expireAt') : markerSnap.get('expireAt');
  const expireAt = current instanceof Timestamp ? current : undefined;

  const queries: Array<{ query: Query; deadLetters: boolean }> = [
    ...EXECUTION_SUBCOLLECTIONS.map((name) => ({
      query: refs.head.collection(name) as CollectionReference,
      deadLetters: false,
    })),
    ...EXECUTION_TOP_LEVEL.map((t) => ({
      query: ctx.db.collection(t.collection).where(t.field, '==', executionId),
      deadLetters: t.collection === COLLECTIONS.deadletters,
    })),
  ];
  if (maxDocuments !== undefined) {
    let total = 0;
    for (const { query } of queries) {
      total += (
        await query
          .select()
          .limit(maxDocuments + 1 - total)
          .get()
      ).size;
      if (total > maxDocuments) return 'deferred';
    }
  }

  const writer = ctx.db.bulkWriter();
  // The writer reports a failed document on its own promise, never through close(): count them. A
  // document deleted meanwhile (TTL, a person) needs no stamp.
  let failed = 0;
  const onError = (e: unknown) => {
    if (grpcCode(e) !== GRPC.NOT_FOUND) failed++;
  };
  for (const { query, deadLetters } of queries) {
    const docs = await withStoreRetry('listing documents to stamp', () => query.select('expireAt').get());
    for (const doc of docs.docs) {
      if (deadLetters) {
        // A dead letter keeps the later of its own retention and the execution's.
        const own = doc.get('expireAt');
        if (expireAt === undefined || (own instanceof Timestamp && own.toMillis() >= expireAt.toMillis()))
          continue;
      }
      writer.update(doc.ref, { expireAt: expireAt ?? FieldValue.delete() }).catch(onError);
    }
  }
  await writer.close();
  if (failed > 0) {
    log.warn('store: some documents of an execution could not be (un)stamped; the sweep retries', {
      executionId,
      failed,
    });
    return 'deferred';
  }
  // Complete: drop the marker, unless a newer finish or redrive rewrote it meanwhile (then the pass
  // runs again for that one).
  try {
    await marker.delete({ lastUpdateTime: markerSnap.updateTime });
  } catch (e) {
    if (grpcCode(e) === GRPC.FAILED_PRECONDITION || grpcCode(e) === GRPC.NOT_FOUND) return 'deferred';
    throw e;
  }
  return 'done';
}
