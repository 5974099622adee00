/**
 * The outbox after commit: claim each due command (PENDING → DISPATCHING with a claim time, under
 * an update-time precondition, so two workers never dispatch it at once), hand it to the
 * dispatcher, turn the outcome into signals, and — once those signals are durable — mark the
 * command DONE, FAILED, or back to PENDING with exponential backoff. The command id is also the
 * adapters' idempotency key, so a dispatch repeated after a crash does not launch twice.
 */
import {
  type DocumentData,
  type DocumentReference,
  type DocumentSnapshot,
  FieldValue,
  type Transaction,
} from '@google-cloud/firestore';
import {
  type Command,
  isChildCommand,
  type Signal,
  type SignalSource,
  type StepError,
} from '../core/index.ts';
import { isFirestepError } from '../errors.ts';
import { log } from '../log.ts';
import {
  type CorrelationKey,
  type CorrelationTarget,
  correlationDocId,
  type DispatchOutcome,
} from '../ports/index.ts';
import { dispatchChild } from './children.ts';
import type { StoreContext } from './context.ts';
import { correlationTarget } from './decision-writer.ts';
import { corruptDocument, OutboxDocSchema, OutboxDueSchema, readDocument } from './documents.ts';
import { toFirestore } from './firestore-json.ts';
import { COLLECTIONS, ExecutionRefs } from './paths.ts';
import { GRPC, grpcCode, withStoreRetry } from './retry.ts';
import type { OutboxEntry } from './types.ts';

/** Longest backoff between two dispatch attempts of one command. */
const MAX_BACKOFF_SECONDS = 300;

/**
 * Commands dispatched even when their execution is no longer running: stopping work (cancel, a
 * child's cancel) and a child telling its parent that it ended.
 */
const SETTLES_FINISHED: ReadonlySet<Command['kind']> = new Set([
  'cancel',
  'cancelChild',
  'notifyParent',
  'notify',
]);

/** A command that went through the dispatcher, waiting for its outcome to be recorded. */
export interface Dispatched {
  entry: OutboxEntry;
  ref: DocumentReference;
  outcome: DispatchOutcome;
  /** Signals the outcome produced (launched, completed, launchFailed; a timer the outbox fired). */
  signals: Signal[];
  /** Recorded on the DONE command when it was settled another way than dispatched as asked. */
  settledBy?: string;
}

/** Commands of an execution that are not finished (PENDING or DISPATCHING), oldest first. */
export async function pendingCommands(ctx: StoreContext, executionId: string): Promise<DocumentSnapshot[]> {
  const refs = new ExecutionRefs(ctx.db, executionId);
  const snap = await withStoreRetry(`listing the outbox of "${executionId}"`, () =>
    refs.commands.where('status', 'in', ['PENDING', 'DISPATCHING']).get(),
  );
  return snap.docs;
}

/**
 * Whether a stored command (the raw document) may be dispatched now: PENDING and past its backoff,
 * or DISPATCHING with an expired claim (the claim moves `nextAttemptAt` to its end, so one field
 * says both). A document whose status or time is not what the store writes is never due.
 */
export function isDue(data: DocumentData | undefined, now: string): boolean {
  const due = OutboxDueSchema.safeParse(data);
  if (!due.success) return false;
  const { status, nextAttemptAt } = due.data;
  return (status === 'PENDING' || status === 'DISPATCHING') && nextAttemptAt <= now;
}

/**
 * Claim and dispatch every due command of `executionId`.
 *
 * @example const round = await dispatchDue(ctx, 'e1'); await submit(round.flatMap((d) => d.signals)); await recordOutcomes(ctx, round);
 */
export async function dispatchDue(ctx: StoreContext, executionId: string): Promise<Dispatched[]> {
  const now = ctx.clock().toISOString();
  const due = (await pendingCommands(ctx, executionId)).filter((snap) => isDue(snap.data(), now));
  const results = await pool(due, ctx.dispatchConcurrency, (snap) => dispatchOne(ctx, snap));
  return results.filter((r): r is Dispatched => r !== undefined);
}

async function dispatchOne(ctx: StoreContext, snap: DocumentSnapshot): Promise<Dispatched | undefined> {
  const entry = await readCommand(ctx, snap);
  if (entry === undefined) return undefined;
  await ctx.faults.beforeDispatch?.(entry.command);
  if (!(await claim(ctx, snap))) return undefined;
  if (!SETTLES_FINISHED.has(entry.command.kind) && !(await stillRunning(ctx, entry))) return undefined;
  ctx.stats.commandsDispatched++;
  let outcome: DispatchOutcome;
  try {
    outcome = isChildCommand(entry.command)
      ? await dispatchChild(ctx, entry.command)
      : await ctx.dispatcher.dispatch(entry.command);
  } catch (e) {
    outcome = {
      status: 'retry',
      error: { name: 'States.LaunchFailed', kind: 'launch', message: (e as Error).message },
    };
    log.warn('store: dispatcher threw; the command stays pending', { commandId: entry.commandId, error: e });
  }
  if (entry.command.kind === 'timer' && (outcome.status === 'retry' || outcome.status === 'failed')) {
    const fallback = timerFallback(ctx, entry.command, outcome);
    if (fallback !== undefined) return { entry, ref: snap.ref, ...fallback };
  }
  if (outcome.status === 'retry' && entry.attempts + 1 >= ctx.maxDispatchAttempts) {
    const message = `gave up after ${entry.attempts + 1} dispatch attempts: ${outcome.error.message}`;
    outcome = { status: 'failed', error: { ...outcome.error, message } };
  }
  await ctx.faults.afterDispatch?.(entry.command, outcome);
  if (
    outcome.status === 'launched' &&
    entry.command.kind === 'launch' &&
    outcome.extraCorrelationKeys?.length
  ) {
    await registerCorrelations(ctx, correlationTarget(entry.command), outcome.extraCorrelationKeys);
  }
  return { entry, ref: snap.ref, outcome, signals: signalsOf(entry.command, outcome) };
}

/**
 * A timer the scheduler could not take (Cloud Tasks without credentials, 5xx, quota) is never given
 * up: the outbox is the durable timer of last resort. Before it is due it stays PENDING and is tried
 * again no later than its due time; once due, the outbox fires it itself (the sweep, or the next
 * pump of its execution, delivers it) — so the step is not stranded in RETRY_SCHEDULED / WAITING.
 */
function timerFallback(
  ctx: StoreContext,
  command: Extract<Command, { kind: 'timer' }>,
  outcome: Exclude<DispatchOutcome, { status: 'done' | 'launched' }>,
): Pick<Dispatched, 'outcome' | 'signals' | 'settledBy'> | undefined {
  const now = ctx.clock().getTime();
  const due = Date.parse(command.dueAt);
  if (Number.isNaN(due)) return undefined;
  log.warn('store: a timer could not be scheduled; the outbox keeps it and fires it when due', {
    commandId: command.id,
    executionId: command.executionId,
    dueAt: command.dueAt,
    error: outcome.error,
  });
  if (due > now) {
    const seconds = Math.max(1, Math.ceil((due - now) / 1000));
    const retryAfterSeconds = Math.min(
      seconds,
      outcome.status === 'retry' ? (outcome.retryAfterSeconds ?? seconds) : seconds,
    );
    return { outcome: { status: 'retry', error: outcome.error, retryAfterSeconds }, signals: [] };
  }
  const { timer, path, attempt } = command;
  return {
    outcome: { status: 'done' },
    signals: [{ kind: 'timer', timer, path, attempt, source: { kind: 'dispatcher', id: command.id } }],
    settledBy: 'fired by the outbox: Cloud Tasks could not schedule it',
  };
}

/**
 * The outbox entry of a due command, or undefined (logged, left as it is) when the document is
 * corrupt: one hand-edited command must not stop the other commands of its execution. The sweep
 * finds it again and logs again until someone repairs or deletes it.
 */
async function readCommand(ctx: StoreContext, snap: DocumentSnapshot): Promise<OutboxEntry | undefined> {
  try {
    const entry = await readDocument(ctx.chunks, OutboxDocSchema, 'outbox command', snap);
    if (entry.commandId !== snap.id || entry.command.id !== snap.id)
      throw corruptDocument('outbox command', snap.ref.path, {
        field: 'commandId',
        message: 'does not match the document id',
      });
    return entry;
  } catch (e) {
    if (!isFirestepError(e, 'STORE_CORRUPT_DOCUMENT')) throw e;
    log.error('store: a corrupt outbox command is not dispatched; repair or delete it', {
      document: snap.ref.path,
      code: e.code,
      error: e.message,
    });
    return undefined;
  }
}

/**
 * A launch or timer of an execution that is no longer RUNNING (cancelled, failed, succeeded while
 * the command backed off or its dispatcher crashed) is settled instead of dispatched: nothing is
 * launched after ExecutionCancelled. Read after the claim, so a cancel committed before it is seen.
 */
async function stillRunning(ctx: StoreContext, entry: OutboxEntry): Promise<boolean> {
  const refs = new ExecutionRefs(ctx.db, entry.executionId);
  const head = await withStoreRetry('reading a head before dispatch', () => refs.head.get());
  const status = head.get('status') as string | undefined;
  if (status === 'RUNNING') return true;
  log.info('store: command not dispatched, the execution is no longer running', {
    commandId: entry.commandId,
    executionId: entry.executionId,
    status: status ?? 'missing',
  });
  await withStoreRetry('settling a command of a finished execution', () =>
    refs.command(entry.commandId).update({
      status: 'DONE',
      finishedAt: ctx.clock().toISOString(),
      claimedUntil: FieldValue.delete(),
      settledBy: `execution ${status ?? 'missing'}`,
    }),
  );
  return false;
}

/** PENDING/expired DISPATCHING → DISPATCHING, only if nobody touched the command since we read it. */
async function claim(ctx: StoreContext, snap: DocumentSnapshot): Promise<boolean> {
  const claimedUntil = new Date(ctx.clock().getTime() + ctx.dispatchClaimMs).toISOString();
  try {
    await snap.ref.update(
      { status: 'DISPATCHING', claimedUntil, nextAttemptAt: claimedUntil },
      { lastUpdateTime: snap.updateTime! },
    );
    return true;
  } catch (e) {
    if (grpcCode(e) === GRPC.FAILED_PRECONDITION || grpcCode(e) === GRPC.NOT_FOUND) return false;
    throw e;
  }
}

/** The signals a dispatch outcome means for the execution. */
export function signalsOf(command: Command, outcome: DispatchOutcome): Signal[] {
  if (command.kind === 'startChild' && outcome.status === 'failed') {
    // The child could not be created: the iteration fails (the Map's tolerance decides the rest).
    const { path, attempt, index, childId } = command;
    const source: SignalSource = { kind: 'dispatcher', id: command.id };
    return [
      { kind: 'child', outcome: 'failed', error: outcome.error, path, attempt, index, childId, source },
    ];
  }
  if (command.kind === 'notify') return notifiedSignals(command, outcome);
  if (command.kind !== 'launch') return [];
  const ref = { commandId: command.id, path: command.path, attempt: command.attempt };
  const source: SignalSource = { kind: 'dispatcher', id: command.id };
  if (outcome.status === 'failed') return [{ kind: 'launchFailed', error: outcome.error, source, ...ref }];
  if (outcome.status !== 'launched') return [];
  const signals: Signal[] = [
    { kind: 'launched', receipt: outcome.receipt, input: command.input, source, ...ref },
  ];
  const done = outcome.completion;
  const step = { path: command.path, attempt: command.attempt, source };
  if (done?.outcome === 'succeeded')
    signals.push({ kind: 'completed', outcome: 'succeeded', output: done.output, ...step });
  if (done?.outcome === 'failed')
    signals.push({ kind: 'completed', outcome: 'failed', error: done.error, ...step });
  return signals;
}

/** A notification delivered or given up on: recorded as NotificationSent / NotificationFailed. */
function notifiedSignals(command: Extract<Command, { kind: 'notify' }>, outcome: DispatchOutcome): Signal[] {
  if (outcome.status === 'retry') return [];
  const ref = {
    commandId: command.id,
    rule: command.rule,
    round: command.attempt,
    channel: command.channel,
    source: { kind: 'dispatcher', id: command.id } as SignalSource,
  };
  if (outcome.status === 'failed')
    return [{ kind: 'notified', outcome: 'failed', error: outcome.error, ...ref }];
  const receipt = outcome.status === 'launched' ? outcome.receipt : undefined;
  return [
    {
      kind: 'notified',
      outcome: 'sent',
      ...(typeof receipt?.messageId === 'string' ? { messageId: receipt.messageId } : {}),
      ...(typeof receipt?.httpStatus === 'number' ? { httpStatus: receipt.httpStatus } : {}),
      ...ref,
    },
  ];
}

/** Whether a dispatched command ends DONE (its receipt, if any, is all that is left to record). */
export function settlesDone(d: Dispatched): boolean {
  return d.outcome.status === 'launched' || d.outcome.status === 'done';
}

/**
 * Stage the DONE marks of settled commands on the transaction that records their receipts, so the
 * receipt and the mark commit together (one write round trip fewer than marking after).
 *
 * @example await submit(ctx, id, signals, { alsoWrite: (tx) => stageDone(ctx, tx, round.filter(settlesDone)) });
 */
export function stageDone(ctx: StoreContext, tx: Transaction, settled: Dispatched[]): void {
  const finishedAt = ctx.clock().toISOString();
  for (const { entry, ref, settledBy } of settled)
    tx.update(ref, {
      attempts: entry.attempts + 1,
      claimedUntil: FieldValue.delete(),
      status: 'DONE',
      finishedAt,
      ...(settledBy === undefined ? {} : { settledBy }),
    });
}

/**
 * Mark dispatched commands after their signals were applied or queued. Returns how many failed.
 */
export async function recordOutcomes(ctx: StoreContext, round: Dispatched[]): Promise<number> {
  const now = ctx.clock();
  let failed = 0;
  await pool(round, ctx.dispatchConcurrency, async ({ entry, ref, outcome, settledBy }) => {
    const attempts = entry.attempts + 1;
    const base = { attempts, claimedUntil: FieldValue.delete() };
    if (outcome.status === 'launched' || outcome.status === 'done') {
      const settled = settledBy === undefined ? {} : { settledBy };
      await withStoreRetry('marking a command done', () =>
        ref.update({ ...base, status: 'DONE', finishedAt: now.toISOString(), ...settled }),
      );
    } else if (outcome.status === 'failed') {
      failed++;
      log.warn('store: command failed', {
        commandId: entry.commandId,
        executionId: entry.executionId,
        error: outcome.error,
      });
      await withStoreRetry('marking a command failed', () =>
        ref.update({
          ...base,
          status: 'FAILED',
          finishedAt: now.toISOString(),
          lastError: storedError(outcome.error),
        }),
      );
    } else {
      const seconds = outcome.retryAfterSeconds ?? Math.min(MAX_BACKOFF_SECONDS, 2 ** (attempts - 1));
      const nextAttemptAt = new Date(now.getTime() + seconds * 1000).toISOString();
      await withStoreRetry('rescheduling a command', () =>
        ref.update({ ...base, status: 'PENDING', nextAttemptAt, lastError: storedError(outcome.error) }),
      );
    }
  });
  return failed;
}

/**
 * Write correlation documents (`set`: their content is deterministic for a key).
 *
 * @example await registerCorrelations(ctx, target, [{ kind: 'dataflowJob', value: jobId }]);
 */
export async function registerCorrelations(
  ctx: StoreContext,
  target: CorrelationTarget,
  keys: CorrelationKey[],
): Promise<void> {
  if (keys.length === 0) return;
  await withStoreRetry('registering correlation keys', () => {
    const batch = ctx.db.batch();
    for (const key of keys)
      batch.set(ctx.db.collection(COLLECTIONS.correlations).doc(correlationDocId(key)), target);
    return batch.commit();
  });
}

function storedError(error: StepError): unknown {
  return toFirestore(error);
}

/** Map with at most `limit` calls in flight; results in input order. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
