/**
 * One transaction that applies a batch of signals to one execution: dedupe each by its business key
 * (`signals/{key}`, read by id, then `create`d), decide each in memory in order, and write all the
 * resulting events, the head, commands and snapshot at once. With one signal this is `apply`'s
 * transaction; with up to `drainBatchSize` it is how a fan-in of many completions costs a handful
 * of transactions instead of one contended transaction each.
 */
import type { DocumentReference, DocumentSnapshot, Transaction } from '@google-cloud/firestore';
import {
  applyDecision,
  type Command,
  commandId,
  type Decision,
  decide,
  type ExecutionEvent,
  type ExecutionState,
  executionTimerId,
  type Ignored,
  type Signal,
  signalKey,
} from '../core/index.ts';
import { FirestepError, isFirestepError } from '../errors.ts';
import { log } from '../log.ts';
import { committed, type StoreContext } from './context.ts';
import { writeDecisions } from './decision-writer.ts';
import type { SignalRecord } from './documents.ts';
import { ExecutionRefs } from './paths.ts';
import { expiryOf, stamped, syncRetention } from './retention.ts';
import { GRPC, grpcCode, isTransient, withStoreRetry } from './retry.ts';
import { headPointers, loadStateAt } from './state-loader.ts';

/** A signal to apply; `inboxId` when it was drained from the inbox (its entry is deleted on apply). */
export interface BatchItem {
  signal: Signal;
  inboxId?: string;
}

/**
 * What became of one item. `gone`: its inbox entry was already drained by another worker.
 * `rejected`: deciding it threw (a malformed signal, an engine fault); it was moved from the inbox to
 * `executions/{id}/rejected/{key}` with the error, so it cannot block the signals behind it.
 */
export interface ItemOutcome {
  status: 'applied' | 'duplicate' | 'ignored' | 'gone' | 'rejected';
  events: ExecutionEvent[];
  ignored?: Ignored;
  error?: unknown;
}

interface Rejected {
  inboxId: string;
  signal: Signal;
  error: unknown;
}

export interface BatchResult {
  outcomes: ItemOutcome[];
  events: ExecutionEvent[];
  commands: Command[];
  state: ExecutionState;
}

/** Options of one batch transaction. */
export interface BatchOptions {
  /**
   * Blind writes staged in the same transaction whatever the outcomes (the outbox marks its
   * commands DONE in the transaction that records their launch receipts).
   */
  alsoWrite?: (tx: Transaction) => void;
}

/** Returned by `applyUnleased` when the execution's drain lease document exists. */
export const LEASED = Symbol('leased');

/**
 * Apply `items` in one transaction (retried on contention; transient errors → STORE_UNAVAILABLE).
 *
 * @example const { outcomes } = await applyBatch(ctx, 'e1', [{ signal }]);
 */
export async function applyBatch(
  ctx: StoreContext,
  executionId: string,
  items: BatchItem[],
  opts: BatchOptions = {},
): Promise<BatchResult> {
  const refs = new ExecutionRefs(ctx.db, executionId);
  const what = `applying ${items.length} signal(s) to execution "${executionId}"`;
  const result = await withCommandCheckFallback((checkCommands) =>
    withStoreRetry(what, () =>
      ctx.db.runTransaction((tx) => batchBody(ctx, tx, refs, items, { ...opts, checkCommands })),
    ),
  );
  // Only a body that read the lease can answer LEASED; this one did not.
  if (result === LEASED) throw new FirestepError('INTERNAL', 'applyBatch: LEASED without a lease read');
  await afterBatch(ctx, executionId, result);
  return result;
}

/**
 * The uncontended fast path: one attempt of the batch transaction that also reads the drain lease
 * by id and applies only when no lease document exists — so no lease is taken or released. Returns
 * `LEASED` when a lease exists (held, or expired and left by a crashed holder: the caller takes the
 * lease path, which queues or takes it over and drains), and undefined when the attempt failed
 * transiently (contention, timeout: the caller takes the lease path, whose transaction re-reads
 * everything and dedupes). Correctness does not rest on the lease (every transaction re-reads the
 * head and the dedupe documents), and a queued signal never depends on an unleased writer: only
 * lease holders promise to look at the inbox (docs/internals/store.md).
 *
 * @example const result = await applyUnleased(ctx, 'e1', [{ signal }]); // BatchResult | LEASED | undefined
 */
export async function applyUnleased(
  ctx: StoreContext,
  executionId: string,
  items: BatchItem[],
  opts: BatchOptions = {},
): Promise<BatchResult | typeof LEASED | undefined> {
  const refs = new ExecutionRefs(ctx.db, executionId);
  let result: BatchResult | typeof LEASED;
  try {
    result = await withCommandCheckFallback((checkCommands) =>
      ctx.db.runTransaction(
        (tx) => batchBody(ctx, tx, refs, items, { ...opts, checkCommands, leaseRef: refs.lease }),
        { maxAttempts: 1 },
      ),
    );
  } catch (e) {
    if (isFirestepError(e) || !isTransient(e)) throw e;
    return undefined;
  }
  if (result !== LEASED) await afterBatch(ctx, executionId, result);
  return result;
}

/**
 * Command ids are deterministic, and a decision that repeats an existing one is a core bug, so the
 * transaction first creates commands without reading them; a commit refused with ALREADY_EXISTS is
 * run again with the existence check (which keeps the first command and logs).
 */
async function withCommandCheckFallback<T>(run: (checkCommands: boolean) => Promise<T>): Promise<T> {
  try {
    return await run(false);
  } catch (e) {
    if (grpcCode(e) !== GRPC.ALREADY_EXISTS) throw e;
    return run(true);
  }
}

async function afterBatch(ctx: StoreContext, executionId: string, result: BatchResult): Promise<void> {
  if (result.events.length > 0) ctx.states.set(result.state);
  ctx.stats.signalsApplied += result.outcomes.filter((o) => o.status === 'applied').length;
  await committed(ctx, executionId, result.events);
  // After the crash seam: a crash here leaves the marker written by the commit, and the sweep stamps.
  await syncRetention(ctx, executionId, result.events);
}

interface BodyOptions extends BatchOptions {
  checkCommands: boolean;
  /** Read the drain lease too, and write nothing when it exists. */
  leaseRef?: DocumentReference;
}

async function batchBody(
  ctx: StoreContext,
  tx: Transaction,
  refs: ExecutionRefs,
  items: BatchItem[],
  opts: BodyOptions,
): Promise<BatchResult | typeof LEASED> {
  ctx.stats.transactionAttempts++;
  const executionId = refs.executionId;
  const stable = items.map((item) => (item.signal.kind === 'redrive' ? undefined : signalKey(item.signal)));
  const inboxRefs = items.flatMap((item) => (item.inboxId === undefined ? [] : [refs.inbox(item.inboxId)]));
  const keyRefs = stable.flatMap((key) => (key === undefined ? [] : [refs.signal(key)]));
  const leaseRefs = opts.leaseRef === undefined ? [] : [opts.leaseRef];
  // One round trip for every read known up front: head, lease, dedupe records, inbox entries.
  const [headSnap, ...reads] = await tx.getAll(refs.head, ...leaseRefs, ...keyRefs, ...inboxRefs);
  if (leaseRefs.length > 0 && reads.shift()?.exists) return LEASED;
  const head = headPointers(headSnap as DocumentSnapshot, executionId);
  const def = await ctx.definitions.get(head.definitionHash);
  const accepted = new Set(
    reads
      .slice(0, keyRefs.length)
      .filter((s) => s.exists)
      .map((s) => s.id),
  );
  const queued = new Set(
    reads
      .slice(keyRefs.length)
      .filter((s) => s.exists)
      .map((s) => s.id),
  );
  let state = await loadStateAt(ctx, tx, executionId, def, head);
  const now = ctx.clock().toISOString();
  const outcomes: ItemOutcome[] = [];
  const events: ExecutionEvent[] = [];
  const commands = new Map<string, Command>();
  const records: SignalRecord[] = [];
  const consumed: string[] = [];
  const rejected: Rejected[] = [];
  for (const [i, item] of items.entries()) {
    if (item.inboxId !== undefined) {
      if (!queued.has(item.inboxId)) {
        outcomes.push({ status: 'gone', events: [] });
        continue;
      }
      consumed.push(item.inboxId);
    }
    const key = stable[i] ?? signalKey(item.signal, state.redriveCount);
    const docId = refs.signal(key).id;
    if (stable[i] === undefined && (await tx.get(refs.signal(key))).exists) accepted.add(docId);
    if (accepted.has(docId)) {
      outcomes.push({ status: 'duplicate', events: [] });
      continue;
    }
    let decision: Decision;
    let next: ExecutionState;
    try {
      decision = decide(
        def,
        state,
        item.signal,
        now,
        ctx.traceKey === undefined ? {} : { traceKey: ctx.traceKey },
      );
      next = decision.ignored === undefined ? applyDecision(def, state, decision) : state;
    } catch (error) {
      // A signal the core cannot decide must not jam the execution's inbox: set it aside.
      if (item.inboxId === undefined) throw error;
      rejected.push({ inboxId: item.inboxId, signal: item.signal, error });
      outcomes.push({ status: 'rejected', events: [], error });
      continue;
    }
    if (decision.ignored !== undefined) {
      outcomes.push({ status: 'ignored', events: [], ignored: decision.ignored });
      continue;
    }
    state = next;
    accepted.add(docId);
    events.push(...decision.events);
    for (const command of decision.commands) commands.set(command.id, command);
    records.push({
      key,
      kind: item.signal.kind,
      acceptedAt: now,
      seqs: decision.events.map((e) => e.seq),
      source: item.signal.source,
    });
    outcomes.push({ status: 'applied', events: decision.events });
  }

  const stop = events.find((e) => e.type === 'ExecutionCancelled' || e.type === 'ExecutionTimedOut');
  const settle = stop ? await pendingCommandsOfCancelled(tx, refs, state) : [];
  const existing = opts.checkCommands
    ? await existingCommands(tx, refs, [...commands.keys()])
    : new Set<string>();
  if (records.length > 0) {
    await writeDecisions(
      ctx,
      tx,
      refs,
      { def, state, events, commands: [...commands.values()], snapshotSeq: head.snapshotSeq },
      existing,
    );
    const expireAt = expiryOf(ctx, state);
    for (const record of records)
      tx.create(refs.signal(record.key), stamped(JSON.parse(JSON.stringify(record)), expireAt));
  }
  for (const ref of settle)
    tx.update(ref, { status: 'DONE', finishedAt: now, settledBy: stop?.type ?? 'ExecutionCancelled' });
  for (const inboxId of consumed) tx.delete(refs.inbox(inboxId));
  for (const r of rejected)
    tx.set(refs.rejected(r.inboxId), await rejectedDoc(ctx, refs.executionId, r, now));
  opts.alsoWrite?.(tx);
  return {
    outcomes,
    events,
    commands: [...commands.values()].filter((c) => !existing.has(c.id)),
    state,
  };
}

async function rejectedDoc(
  ctx: StoreContext,
  executionId: string,
  r: Rejected,
  now: string,
): Promise<Record<string, unknown>> {
  const error = r.error as { code?: unknown; message?: unknown };
  log.error('store: a queued signal could not be decided; set aside in rejected/', {
    inboxId: r.inboxId,
    error: r.error,
  });
  return ctx.chunks.pack(
    {
      signal: r.signal,
      rejectedAt: now,
      error: { code: String(error?.code ?? 'INTERNAL'), message: String(error?.message ?? r.error) },
    },
    { executionId },
  );
}

async function existingCommands(tx: Transaction, refs: ExecutionRefs, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const snaps: DocumentSnapshot[] = await tx.getAll(...ids.map((id) => refs.command(id)));
  const existing = new Set(snaps.filter((s) => s.exists).map((s) => s.id));
  if (existing.size > 0) {
    // Command ids are deterministic per (kind, path, attempt): a second decision for the same one is a
    // core bug. Keep the first (it may be dispatched already) rather than jam the execution.
    log.error('store: a decision repeated existing outbox commands; kept the first', {
      executionId: refs.executionId,
      commands: [...existing],
    });
  }
  return existing;
}

/**
 * The outbox entries a cancel (or the execution's timeout) settles in its own transaction: every
 * launch and timer still PENDING (a launch backing off after a 503, or committed just before the
 * cancel), so nothing is launched or scheduled after ExecutionCancelled / ExecutionTimedOut. Read by
 * id (transactions read by document id), from the step table: launch and timers of each row's
 * attempt (and the retry timer of the next attempt), plus the execution's own timeout timer.
 */
async function pendingCommandsOfCancelled(
  tx: Transaction,
  refs: ExecutionRefs,
  state: ExecutionState,
): Promise<DocumentReference[]> {
  const ids = new Set<string>();
  for (const row of Object.values(state.steps)) {
    ids.add(commandId('launch', row.path, row.attempt));
    ids.add(commandId('timer-timeout', row.path, row.attempt));
    ids.add(commandId('timer-wait', row.path, row.attempt));
    ids.add(commandId('timer-retry', row.path, row.attempt));
    ids.add(commandId('timer-retry', row.path, row.attempt + 1));
  }
  ids.add(executionTimerId(state.redriveCount + 1));
  if (ids.size === 0) return [];
  const snaps: DocumentSnapshot[] = await tx.getAll(...[...ids].map((id) => refs.command(id)));
  return snaps.filter((snap) => snap.exists && snap.get('status') === 'PENDING').map((snap) => snap.ref);
}
