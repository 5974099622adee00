/**
 * How signals reach the log without a hot spot (docs/internals/store.md): a worker that takes
 * the execution's drain lease applies its signals itself, in as few transactions as their size
 * allows; a worker that finds the lease held drops its signal into `executions/{id}/inbox/{key}`
 * (a `create` on a document of its own: no contention) and tries the lease once more. The holder
 * releases the lease *before* it looks at the inbox again, so a signal queued while the lease was
 * held is always seen, by the holder or by the worker that queued it.
 */
import type { QueryDocumentSnapshot } from '@google-cloud/firestore';
import { type Signal, signalKey } from '../core/index.ts';
import { FirestepError, isFirestepError } from '../errors.ts';
import { log } from '../log.ts';
import {
  applyBatch,
  applyUnleased,
  type BatchItem,
  type BatchOptions,
  type ItemOutcome,
  LEASED,
} from './apply-batch.ts';
import { jsonBytes } from './chunks.ts';
import type { GateWaiter, StoreContext } from './context.ts';
import { type InboxDoc, InboxDocSchema, readDocument } from './documents.ts';
import type { HeldLease } from './lease.ts';
import { pool } from './outbox.ts';
import { ExecutionRefs, safeDocId } from './paths.ts';
import { GRPC, grpcCode, withStoreRetry } from './retry.ts';
import type { ApplyResult } from './types.ts';

/** Bytes of signals decided in one transaction, so a commit stays well under the RPC size limit. */
const BATCH_BYTES = 2 * 1024 * 1024;

export interface SubmitReport {
  /** One per submitted signal, in order. */
  results: ApplyResult[];
  /** Whether this worker held the lease at some point (and should therefore run the outbox). */
  drained: boolean;
  /** Signals this worker applied from the inbox. */
  appliedFromInbox: number;
  /** True when `alsoWrite` was committed with the signals (applied without the lease). */
  wroteAlso?: boolean;
  /** Outbox commands the signals created, when known (applied without the lease). */
  newCommands?: number;
  /**
   * With `probeInbox`, after an unleased commit: resolves true when the inbox holds entries (never
   * rejects; a failed query counts as true). The caller drains it — `ExecutionStore.apply` does,
   * after the outbox, so the query overlaps the outbox's own.
   */
  inboxProbe?: Promise<boolean>;
}

let queueCounter = 0;

/**
 * `submit`, grouped per worker: while one call of this worker is submitting to an execution, other
 * calls for the same execution wait and are then submitted together as one group (one lease check,
 * one batch of inbox writes or one transaction). Under a fan-in this turns hundreds of lease reads
 * on one document into a few, without changing the protocol: a group is just a submit of many
 * signals. Only the first caller reports `drained` (it runs the outbox once for everyone). The
 * outbox submits its launch receipts through here too (when no call of this worker is submitting
 * already), so a completion that this worker receives while the receipt is being recorded waits
 * and lands after it, as it did behind the drain lease.
 *
 * @example const { results: [result] } = await submitGrouped(ctx, 'e1', [signal], { probeInbox: true });
 */
export async function submitGrouped(
  ctx: StoreContext,
  executionId: string,
  signals: Signal[],
  opts: SubmitOptions = {},
): Promise<SubmitReport> {
  const waiting = ctx.gates.get(executionId);
  if (waiting !== undefined) {
    const results = await new Promise<ApplyResult[]>((resolve, reject) =>
      waiting.push({ signals, resolve, reject }),
    );
    return { results, drained: false, appliedFromInbox: 0 };
  }
  const queue: GateWaiter[] = [];
  ctx.gates.set(executionId, queue);
  let own: SubmitReport | undefined;
  let failure: unknown;
  try {
    own = await submit(ctx, executionId, signals, opts);
  } catch (e) {
    failure = e;
  }
  let drained = own?.drained ?? false;
  let grouped = false;
  const probes = own?.inboxProbe === undefined ? [] : [own.inboxProbe];
  for (let group = queue.splice(0); group.length > 0; group = queue.splice(0)) {
    try {
      const report = await submit(
        ctx,
        executionId,
        group.flatMap((w) => w.signals),
        { probeInbox: true },
      );
      drained ||= report.drained;
      grouped = true;
      if (report.inboxProbe !== undefined) probes.push(report.inboxProbe);
      let next = 0;
      for (const waiter of group) {
        waiter.resolve(report.results.slice(next, next + waiter.signals.length));
        next += waiter.signals.length;
      }
    } catch (e) {
      for (const waiter of group) waiter.reject(e);
    }
  }
  ctx.gates.delete(executionId);
  if (own === undefined) throw failure;
  const inboxProbe =
    probes.length === 0 ? undefined : Promise.all(probes).then((found) => found.some(Boolean));
  const { newCommands, ...rest } = own;
  return {
    ...rest,
    drained,
    // Commands the groups created are not counted: unknown, so the outbox looks again.
    ...(grouped || newCommands === undefined ? {} : { newCommands }),
    ...(inboxProbe === undefined ? {} : { inboxProbe }),
  };
}

/**
 * Apply signals now if this worker can take the lease, else queue them for the holder.
 *
 * @example const { results: [result] } = await submit(ctx, 'e1', [signal]);
 */
export async function submit(
  ctx: StoreContext,
  executionId: string,
  signals: Signal[],
  opts: SubmitOptions = {},
): Promise<SubmitReport> {
  const direct = await submitUnleased(ctx, executionId, signals, opts);
  if (direct !== undefined) return direct;
  const lease = await ctx.leases.tryAcquire(executionId);
  if (lease !== undefined) {
    let results: ApplyResult[];
    try {
      results = await applyOwn(ctx, executionId, signals, lease);
    } finally {
      await ctx.leases.release(lease);
    }
    const fromInbox = await drainInbox(ctx, executionId, new Map());
    return { results, drained: true, appliedFromInbox: fromInbox.applied };
  }
  const inboxIds = await enqueue(ctx, executionId, signals);
  const byInbox = new Map<string, ItemOutcome>();
  const fromInbox = await drainInbox(ctx, executionId, byInbox, { knownNonEmpty: true });
  const results = inboxIds.map((id): ApplyResult => {
    if (id === undefined) return { status: 'duplicate', events: [] };
    const outcome = byInbox.get(id);
    if (outcome?.status === 'rejected') throw outcome.error;
    return outcome === undefined || outcome.status === 'gone'
      ? { status: 'queued', events: [] }
      : toResult(outcome);
  });
  return { results, drained: fromInbox.heldLease, appliedFromInbox: fromInbox.applied };
}

export interface SubmitOptions {
  /** Staged in the transaction when the signals are applied directly (see `SubmitReport.wroteAlso`). */
  alsoWrite?: BatchOptions['alsoWrite'];
  /**
   * When applying without the lease, start a query of the inbox right after the commit
   * (`SubmitReport.inboxProbe`): entries stranded by a holder that crashed after releasing are then
   * picked up by the next signal, as on the lease path.
   */
  probeInbox?: boolean;
}

/**
 * The uncontended path: no lease document exists, so apply in one transaction that checks exactly
 * that (applyUnleased) — no lease create/release, no inbox query after. Undefined when the lease
 * path must be taken (a lease exists, the attempt met contention, or the signals need more than one
 * transaction).
 */
async function submitUnleased(
  ctx: StoreContext,
  executionId: string,
  signals: Signal[],
  opts: SubmitOptions,
): Promise<SubmitReport | undefined> {
  const batches = splitBatches(
    signals.map((signal) => ({ signal })),
    ctx.drainBatchSize,
    BATCH_BYTES,
  );
  const [batch] = batches;
  if (batch === undefined || batches.length > 1) return undefined;
  const applied = await applyUnleased(ctx, executionId, batch, { alsoWrite: opts.alsoWrite });
  if (applied === undefined || applied === LEASED) return undefined;
  return {
    results: applied.outcomes.map(toResult),
    drained: true,
    appliedFromInbox: 0,
    wroteAlso: true,
    newCommands: applied.commands.length,
    ...(opts.probeInbox ? { inboxProbe: inboxNotEmpty(ctx, executionId) } : {}),
  };
}

/** Whether the execution's inbox holds entries (a failed query counts as yes: draining is safe). */
function inboxNotEmpty(ctx: StoreContext, executionId: string): Promise<boolean> {
  const refs = new ExecutionRefs(ctx.db, executionId);
  return withStoreRetry('probing an inbox', () => refs.inboxes.limit(1).get()).then(
    (snap) => !snap.empty,
    () => true,
  );
}

/**
 * Apply whatever waits in the inbox: take the lease, drain, release, look again; stop when the
 * inbox is empty after a release, or when another worker holds the lease (it will look after it
 * releases).
 */
export async function drainInbox(
  ctx: StoreContext,
  executionId: string,
  byInbox: Map<string, ItemOutcome>,
  opts: { knownNonEmpty?: boolean } = {},
): Promise<{ applied: number; heldLease: boolean }> {
  const refs = new ExecutionRefs(ctx.db, executionId);
  let applied = 0;
  let heldLease = false;
  for (let first = true; ; first = false) {
    if (!(first && opts.knownNonEmpty)) {
      const probe = await withStoreRetry('probing an inbox', () => refs.inboxes.limit(1).get());
      if (probe.empty) return { applied, heldLease };
    }
    const lease = await ctx.leases.tryAcquire(executionId);
    if (lease === undefined) return { applied, heldLease };
    heldLease = true;
    try {
      applied += await drainHolding(ctx, executionId, lease, byInbox);
    } finally {
      await ctx.leases.release(lease);
    }
  }
}

async function drainHolding(
  ctx: StoreContext,
  executionId: string,
  lease: HeldLease,
  byInbox: Map<string, ItemOutcome>,
): Promise<number> {
  const refs = new ExecutionRefs(ctx.db, executionId);
  let applied = 0;
  for (;;) {
    const page = await withStoreRetry('reading an inbox', () =>
      refs.inboxes.orderBy('sortKey').limit(ctx.drainBatchSize).get(),
    );
    if (page.empty) return applied;
    const read = await Promise.all(page.docs.map((doc) => inboxItem(ctx, doc)));
    const items = read.filter((item): item is BatchItem => !(item instanceof FirestepError));
    if (items.length < read.length) await setAsideCorrupt(ctx, refs, page.docs, read, byInbox);
    for (const batch of splitBatches(items, ctx.drainBatchSize, BATCH_BYTES)) {
      if (!(await ctx.leases.renew(lease))) return applied;
      try {
        const result = await applyBatch(ctx, executionId, batch);
        result.outcomes.forEach((outcome, i) => {
          const id = batch[i]?.inboxId;
          if (id !== undefined) byInbox.set(id, outcome);
          if (outcome.status === 'applied') applied++;
        });
      } catch (e) {
        if (!isFirestepError(e, 'EXECUTION_NOT_FOUND')) throw e;
        log.warn('store: dropping inbox entries of an execution that does not exist', {
          executionId,
          entries: batch.length,
        });
        await Promise.all(batch.map((item) => refs.inbox(item.inboxId ?? '').delete()));
      }
    }
  }
}

/** A queued signal, or the STORE_CORRUPT_DOCUMENT error of an entry that does not parse. */
async function inboxItem(ctx: StoreContext, doc: QueryDocumentSnapshot): Promise<BatchItem | FirestepError> {
  try {
    const data = await readDocument(ctx.chunks, InboxDocSchema, 'inbox', doc);
    return { signal: data.signal, inboxId: doc.id };
  } catch (e) {
    if (isFirestepError(e, 'STORE_CORRUPT_DOCUMENT')) return e;
    throw e;
  }
}

/**
 * Corrupt inbox entries must not jam the queue behind them: each is moved, exactly as stored, to
 * `rejected/{inboxId}` with its error and `rejectedAt` (as undecidable signals are), unless it changed since read.
 */
async function setAsideCorrupt(
  ctx: StoreContext,
  refs: ExecutionRefs,
  docs: QueryDocumentSnapshot[],
  read: (BatchItem | FirestepError)[],
  byInbox: Map<string, ItemOutcome>,
): Promise<void> {
  const rejectedAt = ctx.clock().toISOString();
  await Promise.all(
    docs.map(async (doc, i) => {
      const error = read[i];
      if (!(error instanceof FirestepError)) return;
      log.error('store: a corrupt inbox entry was set aside in rejected/', {
        document: doc.ref.path,
        code: error.code,
        error: error.message,
      });
      const batch = ctx.db.batch();
      batch.set(refs.rejected(doc.id), {
        ...doc.data(),
        rejectedAt,
        error: { code: error.code, message: error.message },
      });
      batch.delete(doc.ref, { lastUpdateTime: doc.updateTime });
      try {
        await withStoreRetry('setting aside a corrupt inbox entry', () => batch.commit());
      } catch (e) {
        if (grpcCode(e) !== GRPC.FAILED_PRECONDITION && grpcCode(e) !== GRPC.NOT_FOUND) throw e;
      }
      byInbox.set(doc.id, { status: 'rejected', events: [], error });
    }),
  );
}

async function applyOwn(ctx: StoreContext, executionId: string, signals: Signal[], lease: HeldLease) {
  const results: ApplyResult[] = [];
  const batches = splitBatches(
    signals.map((signal) => ({ signal })),
    ctx.drainBatchSize,
    BATCH_BYTES,
  );
  for (const [i, batch] of batches.entries()) {
    const { outcomes } = await applyBatch(ctx, executionId, batch);
    results.push(...outcomes.map(toResult));
    if (i < batches.length - 1) await ctx.leases.renew(lease);
  }
  return results;
}

/** Queue signals; returns each one's inbox id, or undefined when the same key is already queued. */
async function enqueue(
  ctx: StoreContext,
  executionId: string,
  signals: Signal[],
): Promise<(string | undefined)[]> {
  const refs = new ExecutionRefs(ctx.db, executionId);
  const queuedAt = ctx.clock().toISOString();
  return pool(signals, 64, async (signal) => {
    const id = inboxIdOf(ctx, signal);
    const doc: InboxDoc = {
      signal,
      sortKey: `${queuedAt}~${String(queueCounter++).padStart(10, '0')}`,
      queuedAt,
    };
    const packed = await ctx.chunks.pack({ ...doc }, { executionId });
    try {
      await withStoreRetry('queueing a signal', () => refs.inbox(id).create(packed));
      ctx.stats.signalsQueued++;
      return id;
    } catch (e) {
      if (grpcCode(e) === GRPC.ALREADY_EXISTS) return undefined;
      throw e;
    }
  });
}

/** The inbox id of a signal: its dedupe key (a redrive's key depends on state: it gets a fresh id). */
function inboxIdOf(ctx: StoreContext, signal: Signal): string {
  return safeDocId(signal.kind === 'redrive' ? `redrive@${ctx.newId()}` : signalKey(signal));
}

function toResult(outcome: ItemOutcome): ApplyResult {
  if (outcome.status === 'rejected') throw outcome.error;
  const status = outcome.status === 'gone' ? 'queued' : outcome.status;
  return {
    status,
    events: outcome.events,
    ...(outcome.ignored === undefined ? {} : { ignored: outcome.ignored }),
  };
}

/** Cut items into transactions of at most `maxCount` signals and about `maxBytes` of payload. */
export function splitBatches(items: BatchItem[], maxCount: number, maxBytes: number): BatchItem[][] {
  const batches: BatchItem[][] = [];
  let current: BatchItem[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = jsonBytes(item.signal);
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
