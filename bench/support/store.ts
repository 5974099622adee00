/**
 * A store on the emulator for benchmarks, with a dispatcher that launches instantly (the engine's
 * own cost is what is measured, not a target's), and the bare-transaction baselines.
 */
import { randomUUID } from 'node:crypto';
import { FieldValue, Firestore } from '@google-cloud/firestore';
import type { Command, LaunchCommand, Signal } from '../../engine/core/index.ts';
import type { CommandDispatcher, CorrelationKey, DispatchOutcome } from '../../engine/ports/index.ts';
import { callbackToken } from '../../engine/signals/wire/callback.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { chainFlow } from './chain.ts';

export const BENCH_SECRET = 'bench-callback-secret-0123456789';

/** Records when each launch was dispatched; launches succeed at once with a receipt. */
export class InstantDispatcher implements CommandDispatcher {
  readonly launches: Array<{ command: LaunchCommand; at: number }> = [];
  onLaunch?: (command: LaunchCommand) => void;

  async dispatch(command: Command): Promise<DispatchOutcome> {
    if (command.kind !== 'launch') return { status: 'done' };
    this.launches.push({ command, at: performance.now() });
    this.onLaunch?.(command);
    return { status: 'launched', receipt: { target: command.target.type, traceId: command.trace.traceId } };
  }

  correlationKeys(command: LaunchCommand): CorrelationKey[] {
    return [
      { kind: 'trace', value: command.trace.traceId },
      { kind: 'callback', value: callbackToken(BENCH_SECRET, command.executionId, command.id) },
    ];
  }
}

export interface BenchDb {
  db: Firestore;
  close(): Promise<void>;
}

/** A Firestore client on the emulator with a project of its own (wiped on close). */
export function benchDb(host: string): BenchDb {
  const projectId = `bench-${randomUUID().slice(0, 8)}`;
  const db = new Firestore({ projectId, host, ssl: false });
  return {
    db,
    close: async () => {
      await fetch(`http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`, {
        method: 'DELETE',
      }).catch(() => {});
      await db.terminate();
    },
  };
}

export function benchStore(
  db: Firestore,
  dispatcher: CommandDispatcher,
  opts: { snapshotEvery?: number } = {},
) {
  return new ExecutionStore({ db, dispatcher, ...opts });
}

/**
 * The baseline: by hand, the reads and writes one completion needs — read the head and the dedupe
 * doc, create the event, the dedupe doc and the next launch command, update the head — in one
 * transaction; then mark the command done after commit.
 */
export async function bareTransition(db: Firestore, id: string, seq: number): Promise<void> {
  const head = db.doc(`baseline/${id}`);
  const signal = db.doc(`baseline/${id}/signals/s${seq}`);
  const command = db.doc(`baseline/${id}/commands/c${seq}`);
  await db.runTransaction(async (tx) => {
    const [h, s] = await tx.getAll(head, signal);
    if (s?.exists) return;
    const lastSeq = (h?.get('lastSeq') as number | undefined) ?? 0;
    tx.create(db.doc(`baseline/${id}/events/${String(lastSeq + 1).padStart(10, '0')}`), {
      seq: lastSeq + 1,
      type: 'StepSucceeded',
      at: new Date().toISOString(),
      output: { ok: true },
    });
    tx.create(signal, { at: new Date().toISOString() });
    tx.create(command, { status: 'PENDING', kind: 'launch' });
    tx.set(
      head,
      { lastSeq: lastSeq + 1, updatedAt: new Date().toISOString(), steps: { [`s${seq}`]: 'SUCCEEDED' } },
      { merge: true },
    );
  });
  await command.update({ status: 'DONE', finishedAt: FieldValue.serverTimestamp() });
}

/** The fan-in baseline's unit: read a head, create an event, update the head. */
export async function bareAppend(db: Firestore, id: string): Promise<void> {
  const head = db.doc(`baseline/${id}`);
  await db.runTransaction(async (tx) => {
    const h = await tx.get(head);
    const lastSeq = (h.get('lastSeq') as number | undefined) ?? 0;
    tx.create(db.doc(`baseline/${id}/events/${String(lastSeq + 1).padStart(10, '0')}`), { seq: lastSeq + 1 });
    tx.set(head, { lastSeq: lastSeq + 1 }, { merge: true });
  });
}

export const ms = (t0: number) => performance.now() - t0;

/** The completion of chain step `T{i}` (first attempt), as a log entry would report it. */
export function chainCompletion(i: number): Signal {
  return {
    kind: 'completed',
    outcome: 'succeeded',
    path: `T${i}`,
    attempt: 1,
    output: { i },
    source: { kind: 'log', id: `c-${i}` },
  };
}

/** A store on a fresh chain execution of `length` steps, with its dispatcher. */
export async function chainExecution(db: Firestore, length: number) {
  const dispatcher = new InstantDispatcher();
  const store = benchStore(db, dispatcher);
  const { executionId } = await store.startExecution(chainFlow(length), {});
  return { dispatcher, store, executionId };
}
