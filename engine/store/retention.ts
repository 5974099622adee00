/**
 * Retention of a finished execution: every document the engine wrote for it carries the head's
 * `expireAt`, so Firestore TTL (one policy per collection group, infra/firestore.tf) deletes the
 * whole execution, not just its head. Documents written once the execution is finished get the
 * stamp in their own transaction (decision-writer, apply-batch); the ones written while it ran are
 * stamped right after the commit that finished it, and un-stamped after a redrive (the head loses
 * its `expireAt` then, and a running execution must not lose its log to TTL).
 *
 * Known gap: a crash between that commit and the stamping leaves earlier documents without
 * `expireAt`; a later start of the same name then meets them and is refused with
 * EXECUTION_LEFTOVERS naming them (start-execution.ts), never a 500.
 */
import { FieldValue, Timestamp } from '@google-cloud/firestore';
import { type ExecutionEvent, type ExecutionState, TERMINAL_EXECUTION_EVENTS } from '../core/index.ts';
import { log } from '../log.ts';
import type { StoreContext } from './context.ts';
import { COLLECTIONS, ExecutionRefs } from './paths.ts';

/** Subcollections of an execution that TTL must delete with its head. */
export const EXECUTION_SUBCOLLECTIONS = [
  COLLECTIONS.events,
  COLLECTIONS.snapshots,
  COLLECTIONS.signals,
  COLLECTIONS.commands,
  COLLECTIONS.inbox,
  COLLECTIONS.rejected,
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

/**
 * After a commit: stamp (execution finished) or un-stamp (execution redriven) every document of
 * the execution. Best effort: a failure is logged, the execution is unaffected.
 *
 * @example await syncRetention(ctx, state, events);
 */
export async function syncRetention(
  ctx: StoreContext,
  state: ExecutionState,
  events: readonly ExecutionEvent[],
): Promise<void> {
  if (ctx.retentionMs === undefined) return;
  const terminal: readonly string[] = TERMINAL_EXECUTION_EVENTS;
  const finished = events.some((e) => terminal.includes(e.type));
  const redriven = events.some((e) => e.type === 'ExecutionRedriven');
  if (!finished && !redriven) return;
  const expireAt = expiryOf(ctx, state);
  const value = expireAt ?? FieldValue.delete();
  const refs = new ExecutionRefs(ctx.db, state.executionId);
  try {
    const writer = ctx.db.bulkWriter();
    // The writer reports a failed document on its own promise, never through close(): count them,
    // so an unstamped document (left for ever by TTL) is logged, not lost silently.
    let unstamped = 0;
    for (const name of EXECUTION_SUBCOLLECTIONS) {
      const docs = await refs.head.collection(name).select().get();
      for (const doc of docs.docs)
        void writer.update(doc.ref, { expireAt: value }).catch(() => {
          unstamped++;
        });
    }
    await writer.close();
    if (unstamped > 0)
      log.warn('store: some documents of an execution could not be (un)stamped with expireAt', {
        executionId: state.executionId,
        unstamped,
      });
  } catch (error) {
    log.warn('store: stamping expireAt on the documents of an execution failed', {
      executionId: state.executionId,
      error,
    });
  }
}
