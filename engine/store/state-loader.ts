/**
 * Rebuild an execution's state from its documents: the snapshot named by the head plus the tail of
 * events after it, all read by document id (inside a transaction when given one: the emulator locks
 * whole collections for queries in transactions, and ids are all we need). The cost is bounded by
 * `snapshotEvery`, whatever the length of the history.
 */
import type { DocumentReference, DocumentSnapshot, Transaction } from '@google-cloud/firestore';
import { type ExecutionEvent, type ExecutionState, replay } from '../core/index.ts';
import { FirestepError } from '../errors.ts';
import type { FlowDefinition } from '../flow/model.ts';
import type { StoreContext } from './context.ts';
import {
  corruptDocument,
  EventDocSchema,
  type HeadPointers,
  HeadPointersSchema,
  parseDocument,
  readDocument,
  SnapshotDocSchema,
  SnapshotStateSchema,
} from './documents.ts';
import { ExecutionRefs } from './paths.ts';

export type { HeadPointers, SnapshotDoc } from './documents.ts';

/** Read the pointers out of a head snapshot, or fail with EXECUTION_NOT_FOUND. */
export function headPointers(snap: DocumentSnapshot, executionId: string): HeadPointers {
  if (!snap.exists) {
    throw new FirestepError(
      'EXECUTION_NOT_FOUND',
      `execution "${executionId}" does not exist; list executions with \`firestep status\``,
      { details: { executionId } },
    );
  }
  const data = parseDocument(HeadPointersSchema, 'head', snap.ref.path, snap.data());
  if (data.snapshotSeq > data.lastSeq) {
    throw corruptDocument('head', snap.ref.path, {
      field: 'snapshotSeq',
      message: `${data.snapshotSeq} is after lastSeq ${data.lastSeq}`,
    });
  }
  return { lastSeq: data.lastSeq, snapshotSeq: data.snapshotSeq, definitionHash: data.definitionHash };
}

/**
 * The state at `head.lastSeq`: from this worker's cache when it is current, else snapshot + tail.
 *
 * @example const state = await loadStateAt(ctx, tx, 'e1', def, headPointers(await tx.get(refs.head), 'e1'));
 */
export async function loadStateAt(
  ctx: StoreContext,
  tx: Transaction | undefined,
  executionId: string,
  def: FlowDefinition,
  head: HeadPointers,
): Promise<ExecutionState> {
  const cached = ctx.states.get(executionId, head.lastSeq);
  if (cached !== undefined) return cached;
  const refs = new ExecutionRefs(ctx.db, executionId);
  const wanted: DocumentReference[] = [refs.snapshot(head.snapshotSeq)];
  for (let seq = head.snapshotSeq + 1; seq <= head.lastSeq; seq++) wanted.push(refs.event(seq));
  const snaps = tx === undefined ? await ctx.db.getAll(...wanted) : await tx.getAll(...wanted);
  const [snapshotSnap, ...eventSnaps] = snaps;
  if (snapshotSnap === undefined || !snapshotSnap.exists) {
    throw new FirestepError(
      'INTERNAL',
      `execution "${executionId}": snapshot ${head.snapshotSeq} named by the head is missing`,
    );
  }
  const from = await readSnapshot(ctx, snapshotSnap, head.snapshotSeq);
  const tail = await Promise.all(eventSnaps.map((snap) => readEvent(ctx, snap, executionId)));
  const state = replay(def, tail, from);
  ctx.states.set(state);
  return state;
}

/** Decode one event document (payloads resolved). */
export async function readEvent(
  ctx: StoreContext,
  snap: DocumentSnapshot,
  executionId: string,
): Promise<ExecutionEvent> {
  if (!snap.exists) {
    throw new FirestepError(
      'INTERNAL',
      `execution "${executionId}": event ${snap.id} is missing; the log has a gap`,
    );
  }
  const event = await readDocument(ctx.chunks, EventDocSchema, 'event', snap);
  if (event.seq !== Number(snap.id))
    throw corruptDocument('event', snap.ref.path, {
      field: 'seq',
      message: `${event.seq} does not match the document id`,
    });
  return event;
}

/** Decode a snapshot document and its state text. */
async function readSnapshot(
  ctx: StoreContext,
  snap: DocumentSnapshot,
  expectedSeq: number,
): Promise<ExecutionState> {
  const path = snap.ref.path;
  const doc = await readDocument(ctx.chunks, SnapshotDocSchema, 'snapshot', snap);
  if (doc.seq !== expectedSeq)
    throw corruptDocument('snapshot', path, {
      field: 'seq',
      message: `${doc.seq} does not match the document id`,
    });
  let state: unknown;
  try {
    state = JSON.parse(doc.state);
  } catch (e) {
    throw corruptDocument('snapshot', path, {
      field: 'state',
      message: `not JSON (${(e as Error).message})`,
    });
  }
  return parseDocument(SnapshotStateSchema, 'snapshot', path, { state }).state;
}
