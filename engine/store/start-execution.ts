/**
 * Start an execution in one transaction: pin the definition (`definitions/{hash}`), append the
 * first events, write the head, a first snapshot, the outbox and the correlations. Idempotent on a
 * caller-given name: the same (flow, name) with the same input returns the existing execution; with
 * a different input it is a conflict, as Step Functions' StartExecution.
 */

import type { DocumentSnapshot, Timestamp } from '@google-cloud/firestore';
import {
  type Command,
  type ExecutionEvent,
  type ExecutionState,
  type ParentRef,
  type SignalSource,
  start,
} from '../core/index.ts';
import { FirestepError } from '../errors.ts';
import { canonicalJson } from '../flow/hash.ts';
import type { FlowDefinition, Json } from '../flow/model.ts';
import { committed, type StoreContext } from './context.ts';
import { writeDecisions } from './decision-writer.ts';
import { HeadDocSchema, readDocument } from './documents.ts';
import { COLLECTIONS, ExecutionRefs, namedExecutionId } from './paths.ts';
import { withStoreRetry } from './retry.ts';
import type { StartOptions, StoredHead } from './types.ts';

export interface StartCommit {
  executionId: string;
  created: boolean;
  head: StoredHead;
  events: ExecutionEvent[];
  commands: Command[];
  /** The state after the first decision (only when created). */
  state?: ExecutionState;
}

/** Preview length of an input quoted in a conflict message. */
const PREVIEW = 200;

/**
 * `child` starts a Map iteration: its deterministic id and its link to the parent (children.ts).
 *
 * @example const { executionId, created } = await startInStore(ctx, def, { date: '2024-01-01' }, { name: 'nightly-2024-01-01' });
 */
export async function startInStore(
  ctx: StoreContext,
  def: FlowDefinition,
  input: Json,
  opts: StartOptions = {},
  child?: { executionId: string; parent: ParentRef },
): Promise<StartCommit> {
  const executionId =
    child?.executionId ?? (opts.name === undefined ? ctx.newId() : namedExecutionId(def.id, opts.name));
  const refs = new ExecutionRefs(ctx.db, executionId);
  const normalized = JSON.parse(JSON.stringify(input ?? null)) as Json;
  const source: SignalSource = opts.source ?? { kind: 'api' };
  const result = await withStoreRetry(`starting execution "${executionId}"`, () =>
    ctx.db.runTransaction(async (tx): Promise<StartCommit> => {
      ctx.stats.transactionAttempts++;
      // The first event is read with the head (one round trip): a head deleted by TTL before its
      // log must not turn every later start of the name into ALREADY_EXISTS.
      const [existing, firstEvent] = await tx.getAll(refs.head, refs.event(1));
      if (existing === undefined || firstEvent === undefined) throw new Error('getAll returned too few');
      if (!existing.exists && opts.name !== undefined) await refuseLeftovers(ctx, refs, firstEvent);
      if (existing.exists) {
        const head = await readDocument(ctx.chunks, HeadDocSchema, 'head', existing);
        if (canonicalJson(head.input) !== canonicalJson(normalized))
          throw conflict(executionId, head.input, normalized);
        return { executionId, created: false, head, events: [], commands: [] };
      }
      const createDefinition = await ctx.definitions.ensure(tx, def, ctx.clock().toISOString());
      const now = ctx.clock().toISOString();
      const { state, decision } = start(def, normalized, {
        executionId,
        now,
        source,
        ...(opts.name === undefined ? {} : { name: opts.name }),
        ...(ctx.traceKey === undefined ? {} : { traceKey: ctx.traceKey }),
        ...(opts.trigger === undefined ? {} : { trigger: opts.trigger }),
        ...(child === undefined ? {} : { parent: child.parent }),
      });
      await createDefinition();
      const head = await writeDecisions(
        ctx,
        tx,
        refs,
        { def, state, events: decision.events, commands: decision.commands, snapshotSeq: undefined },
        new Set(),
      );
      return {
        executionId,
        created: true,
        head,
        events: decision.events,
        commands: decision.commands,
        state,
      };
    }),
  );
  if (result.created) {
    ctx.definitions.remember(def);
    if (result.state !== undefined) ctx.states.set(result.state);
    await committed(ctx, executionId, result.events);
  }
  return result;
}

/**
 * A named start whose previous execution's head is gone (Firestore TTL deletes documents one by one,
 * within about a day of their `expireAt`) while some of its documents remain: EXECUTION_LEFTOVERS
 * (409), naming what is left and when it expires, never a 500 — and never a new execution on top of
 * old dedupe records, which would swallow its signals. Without a retention only the first event is
 * looked at (read with the head); with one, every subcollection is listed (one more RPC per start).
 */
async function refuseLeftovers(
  ctx: StoreContext,
  refs: ExecutionRefs,
  firstEvent: DocumentSnapshot,
): Promise<void> {
  const left = firstEvent.exists
    ? [COLLECTIONS.events]
    : ctx.retentionMs === undefined
      ? []
      : (await refs.head.listCollections()).map((c) => c.id);
  if (left.length === 0) return;
  const sample = firstEvent.exists
    ? firstEvent
    : (
        await refs.head
          .collection(left[0] ?? COLLECTIONS.events)
          .limit(1)
          .get()
      ).docs[0];
  const expireAt = sample?.get('expireAt') as Timestamp | undefined;
  const when =
    expireAt === undefined
      ? 'they carry no expireAt (written before retention stamped every document): delete them, or start under another name'
      : `they expire at ${expireAt.toDate().toISOString()} (Firestore TTL deletes them within about a day after): start under another name, or again after that`;
  throw new FirestepError(
    'EXECUTION_LEFTOVERS',
    `execution "${refs.executionId}" was deleted but documents of it remain (${left.map((c) => `${c}/`).join(', ')}); ${when}`,
    {
      details: {
        executionId: refs.executionId,
        leftovers: left,
        ...(expireAt ? { expireAt: expireAt.toDate().toISOString() } : {}),
      },
    },
  );
}

function conflict(executionId: string, existing: Json, given: Json): FirestepError {
  return new FirestepError(
    'EXECUTION_CONFLICT',
    `execution "${executionId}" already exists with a different input (existing: ${preview(existing)}; given: ${preview(given)}); start it under another name, or omit the name`,
    { details: { executionId } },
  );
}

function preview(value: Json): string {
  const text = JSON.stringify(value);
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text;
}
