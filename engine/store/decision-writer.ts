/**
 * The write half of a transaction: append events with `create`, rewrite the head, write a snapshot
 * when due, create outbox commands and their correlation documents. Reads (which Firestore requires
 * before any write) happen in the callers; this module only writes.
 */
import type { Transaction } from '@google-cloud/firestore';
import {
  type Command,
  type ExecutionEvent,
  type ExecutionState,
  type LaunchCommand,
  toHead,
} from '../core/index.ts';
import type { FlowDefinition } from '../flow/model.ts';
import { type CorrelationTarget, correlationDocId } from '../ports/index.ts';
import type { StoreContext } from './context.ts';
import type { SnapshotDoc } from './documents.ts';
import { COLLECTIONS, type ExecutionRefs } from './paths.ts';
import { expiryOf, markRetention, stamped } from './retention.ts';
import type { OutboxEntry, StoredHead } from './types.ts';

export interface DecisionBatch {
  def: FlowDefinition;
  /** State after every event of the batch. */
  state: ExecutionState;
  events: ExecutionEvent[];
  commands: Command[];
  /** Seq of the snapshot the head names now; undefined when the execution is being created. */
  snapshotSeq: number | undefined;
}

/**
 * Stage the batch's writes on `tx`. Returns the head as written (snapshotSeq possibly advanced).
 * `existingCommands` are command ids already in the outbox: they are not created again.
 */
export async function writeDecisions(
  ctx: StoreContext,
  tx: Transaction,
  refs: ExecutionRefs,
  batch: DecisionBatch,
  existingCommands: ReadonlySet<string>,
): Promise<StoredHead> {
  const { state } = batch;
  const snapshotDue =
    batch.snapshotSeq === undefined || state.lastSeq - batch.snapshotSeq >= ctx.snapshotEvery;
  const snapshotSeq = snapshotDue ? state.lastSeq : (batch.snapshotSeq ?? state.lastSeq);
  const now = ctx.clock().toISOString();
  // A finished execution's documents all carry the head's expireAt (retention.ts).
  const expireAt = expiryOf(ctx, state);
  // Payloads out of line are the execution's own chunks, stamped like its documents.
  const owner = { executionId: refs.executionId, expireAt };
  markRetention(ctx, tx, state, batch.events);

  const events = await Promise.all(batch.events.map((event) => ctx.chunks.pack({ ...event }, owner)));
  for (const [i, event] of batch.events.entries())
    tx.create(refs.event(event.seq), stamped(events[i] ?? {}, expireAt));

  if (snapshotDue) {
    const doc: SnapshotDoc = { seq: state.lastSeq, at: state.updatedAt, state: JSON.stringify(state) };
    tx.set(refs.snapshot(state.lastSeq), stamped(await ctx.chunks.pack({ ...doc }, owner), expireAt));
  }

  const head: StoredHead = {
    ...toHead(state),
    snapshotSeq,
    definition: `${COLLECTIONS.definitions}/${state.definitionHash}`,
  };
  // A head written without it — running again after a redrive — loses the stamp, since `set` replaces it.
  tx.set(refs.head, stamped(await ctx.chunks.pack({ ...head }, owner), expireAt));

  for (const command of batch.commands) {
    if (existingCommands.has(command.id)) continue;
    tx.create(
      refs.command(command.id),
      stamped(await ctx.chunks.pack({ ...outboxEntry(command, now) }, owner), expireAt),
    );
    if (command.kind !== 'launch') continue;
    const target = correlationTarget(command);
    for (const key of ctx.dispatcher.correlationKeys(command)) {
      tx.set(ctx.db.collection(COLLECTIONS.correlations).doc(correlationDocId(key)), target);
    }
  }
  return head;
}

/** A fresh outbox entry for a command. */
export function outboxEntry(command: Command, now: string): OutboxEntry {
  return {
    command,
    commandId: command.id,
    executionId: command.executionId,
    kind: command.kind,
    path: command.path,
    attempt: command.attempt,
    status: 'PENDING',
    attempts: 0,
    createdAt: now,
    nextAttemptAt: now,
  };
}

/** What a launch command's correlation keys point at. */
export function correlationTarget(command: LaunchCommand): CorrelationTarget {
  return {
    executionId: command.executionId,
    step: command.step,
    path: command.path,
    attempt: command.attempt,
    commandId: command.id,
    targetType: command.target.type,
    ...(command.target.project_id === undefined ? {} : { projectId: command.target.project_id }),
    ...(command.target.region === undefined ? {} : { region: command.target.region }),
  };
}
