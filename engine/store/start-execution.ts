/**
 * Start an execution in one transaction: pin the definition (`definitions/{hash}`), append the
 * first events, write the head, a first snapshot, the outbox and the correlations. Idempotent on a
 * caller-given name: the same (flow, name) with the same input returns the existing execution; with
 * a different input it is a conflict, as Step Functions' StartExecution.
 */

import {
  type Command,
  type ExecutionEvent,
  type ExecutionState,
  type SignalSource,
  start,
} from '../core/index.ts';
import { FirestepError } from '../errors.ts';
import { canonicalJson } from '../flow/hash.ts';
import type { FlowDefinition, Json } from '../flow/model.ts';
import { committed, type StoreContext } from './context.ts';
import { writeDecisions } from './decision-writer.ts';
import { HeadDocSchema, readDocument } from './documents.ts';
import { ExecutionRefs, namedExecutionId } from './paths.ts';
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
 * @example const { executionId, created } = await startInStore(ctx, def, { date: '2024-01-01' }, { name: 'nightly-2024-01-01' });
 */
export async function startInStore(
  ctx: StoreContext,
  def: FlowDefinition,
  input: Json,
  opts: StartOptions = {},
): Promise<StartCommit> {
  const executionId = opts.name === undefined ? ctx.newId() : namedExecutionId(def.id, opts.name);
  const refs = new ExecutionRefs(ctx.db, executionId);
  const normalized = JSON.parse(JSON.stringify(input ?? null)) as Json;
  const source: SignalSource = opts.source ?? { kind: 'api' };
  const result = await withStoreRetry(`starting execution "${executionId}"`, () =>
    ctx.db.runTransaction(async (tx): Promise<StartCommit> => {
      ctx.stats.transactionAttempts++;
      const existing = await tx.get(refs.head);
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
