/**
 * After a worker applied signals: run the outbox until it is quiet. Each round dispatches every due
 * command, submits the signals the outcomes produced (launch receipts, synchronous completions,
 * launch failures) and only then marks the commands — in the same transaction when the signals are
 * applied without the lease — so a crash in between re-dispatches (same command id, idempotent)
 * instead of losing a receipt. New commands those signals produce are
 * PENDING and taken by the next round. `sweep` does the same for executions nobody is touching.
 */
import type { QueryDocumentSnapshot } from '@google-cloud/firestore';
import type { Signal } from '../core/index.ts';
import { log } from '../log.ts';
import type { StoreContext } from './context.ts';
import { drainInbox, type SubmitOptions, type SubmitReport, submit, submitGrouped } from './intake.ts';
import { type Dispatched, dispatchDue, isDue, recordOutcomes, settlesDone, stageDone } from './outbox.ts';
import { COLLECTIONS, executionIdOf } from './paths.ts';
import { withStoreRetry } from './retry.ts';
import type { SweepOptions, SweepReport } from './types.ts';

/** A flow of synchronous steps advances one step per round; this bounds a runaway loop. */
const MAX_ROUNDS = 10_000;

export interface PumpReport {
  dispatched: number;
  failed: number;
}

/**
 * Dispatch due commands of one execution, round after round, until none is due.
 *
 * @example await pump(ctx, 'e1');
 */
export async function pump(ctx: StoreContext, executionId: string): Promise<PumpReport> {
  const report: PumpReport = { dispatched: 0, failed: 0 };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const dispatched = await dispatchDue(ctx, executionId);
    if (dispatched.length === 0) return report;
    report.dispatched += dispatched.length;
    const signals = dispatched.flatMap((d) => d.signals);
    const settled = dispatched.filter(settlesDone);
    const submitted =
      signals.length === 0
        ? undefined
        : await submitReceipts(ctx, executionId, signals, { alsoWrite: (tx) => stageDone(ctx, tx, settled) });
    if (await submitted?.inboxProbe) await drainInbox(ctx, executionId, new Map());
    const marked = submitted?.wroteAlso === true ? new Set(settled) : new Set<Dispatched>();
    report.failed += await recordOutcomes(
      ctx,
      dispatched.filter((d) => !marked.has(d)),
    );
    // The next round's query finds what this round created or left due (anything else due was
    // found by this round's query or belongs to a worker that will pump it): when the signals were
    // applied here with no new command and every command settled, there is nothing to look for.
    const quiet =
      submitted?.newCommands === 0 &&
      submitted.appliedFromInbox === 0 &&
      settled.length === dispatched.length;
    if (quiet) return report;
  }
  log.error('store: the outbox of an execution did not settle', { executionId, rounds: MAX_ROUNDS });
  return report;
}

/**
 * Receipts go through this worker's per-execution group (submitGrouped) unless a call of this worker
 * is submitting to the execution right now (then straight to submit: the group's owner cannot carry
 * this round's DONE marks).
 */
function submitReceipts(
  ctx: StoreContext,
  executionId: string,
  signals: Signal[],
  opts: SubmitOptions,
): Promise<SubmitReport> {
  return ctx.gates.has(executionId)
    ? submit(ctx, executionId, signals, opts)
    : submitGrouped(ctx, executionId, signals, opts);
}

/**
 * Find executions with due commands (left by a crash, or waiting for a retry) or a non-empty inbox
 * (left by a crashed lease holder) and bring them forward. Run it on a schedule.
 *
 * @example const { dispatched, drained, failed } = await sweep(ctx, { limit: 500 });
 */
export async function sweep(ctx: StoreContext, opts: SweepOptions = {}): Promise<SweepReport> {
  const limit = opts.limit ?? 500;
  const now = ctx.clock().toISOString();
  const [commands, inboxes] = await Promise.all([
    withStoreRetry('sweeping outboxes', () =>
      ctx.db
        .collectionGroup(COLLECTIONS.commands)
        .where('status', 'in', ['PENDING', 'DISPATCHING'])
        .where('nextAttemptAt', '<=', now)
        .limit(limit)
        .get(),
    ),
    withStoreRetry('sweeping inboxes', () =>
      ctx.db.collectionGroup(COLLECTIONS.inbox).orderBy('sortKey').limit(limit).get(),
    ),
  ]);
  const withCommands = owners(commands.docs.filter((doc) => isDue(doc.data(), now)));
  const withInbox = owners(inboxes.docs);
  const report: SweepReport = { dispatched: 0, drained: 0, failed: 0 };
  for (const executionId of new Set([...withInbox, ...withCommands])) {
    try {
      report.drained += (await drainInbox(ctx, executionId, new Map())).applied;
      const pumped = await pump(ctx, executionId);
      report.dispatched += pumped.dispatched;
      report.failed += pumped.failed;
    } catch (e) {
      log.error('store: sweep could not bring an execution forward; the next sweep retries', {
        executionId,
        error: e,
      });
    }
  }
  return report;
}

/** Execution ids owning these documents (only documents under `executions/{id}/…`). */
function owners(docs: QueryDocumentSnapshot[]): string[] {
  return docs.flatMap((doc) => {
    const id = executionIdOf(doc.ref);
    return id !== undefined && doc.ref.parent.parent?.parent.id === COLLECTIONS.executions ? [id] : [];
  });
}
