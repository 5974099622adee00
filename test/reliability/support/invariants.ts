/**
 * The invariants every reliability spec checks after it has done its damage (docs/internals/reliability.md):
 * at most one launch per step attempt, exactly one join, `seq` contiguous 1..n, a terminal status
 * never changes, nothing accepted is lost — plus "the stored head is the replay of the stored log".
 * Reads go straight to Firestore through a fresh store (no cache), so what is checked is what is
 * durable, not what a worker remembers.
 */
import type { Firestore } from '@google-cloud/firestore';
import { expect } from 'vitest';
import {
  type ExecutionEvent,
  replay,
  TERMINAL_EXECUTION_EVENTS,
  toHead,
} from '../../../engine/core/index.ts';
import type { CommandDispatcher } from '../../../engine/ports/index.ts';
import { ExecutionStore, type StoredHead } from '../../../engine/store/index.ts';

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);
const TERMINAL_EVENTS = new Set<string>(TERMINAL_EXECUTION_EVENTS);

/** Something that can say how often each launch command was handed to a platform. */
export interface LaunchCounter {
  /** `path#attempt` → launch dispatches, for one execution. */
  launchesOf(executionId: string): Map<string, number>;
}

/**
 * Remembers the statuses it has seen per execution, so a terminal status that later changes (other
 * than by a recorded redrive) is caught across observations.
 */
export class StatusWatch {
  readonly #seen = new Map<string, { status: string; lastSeq: number }>();

  observe(executionId: string, head: StoredHead, events: ExecutionEvent[]): void {
    const before = this.#seen.get(executionId);
    if (before !== undefined && TERMINAL.has(before.status) && head.status !== before.status) {
      const redriven = events.some((e) => e.type === 'ExecutionRedriven' && e.seq > before.lastSeq);
      expect(
        redriven,
        `${executionId}: terminal ${before.status} became ${head.status} without a redrive`,
      ).toBe(true);
    }
    this.#seen.set(executionId, { status: head.status, lastSeq: head.lastSeq });
  }
}

export interface InvariantOptions {
  /** Dispatch counts to check "at most one launch per attempt" against. */
  launches?: LaunchCounter;
  /** Cross-observation check of terminal statuses. */
  watch?: StatusWatch;
  /** The execution is at rest: no inbox entry and no PENDING/DISPATCHING command may remain. */
  quiescent?: boolean;
}

/** What was read, for further assertions by the caller. */
export interface Observed {
  head: StoredHead;
  events: ExecutionEvent[];
}

const NO_DISPATCH: CommandDispatcher = {
  dispatch: async () => ({ status: 'done' }),
  correlationKeys: () => [],
};

/**
 * Check every invariant of one execution; fails the test with the execution id in the message.
 *
 * @example const { head } = await assertInvariants(db, executionId, { launches: dispatcher, quiescent: true });
 */
export async function assertInvariants(
  db: Firestore,
  executionId: string,
  opts: InvariantOptions = {},
): Promise<Observed> {
  const reader = new ExecutionStore({ db, dispatcher: NO_DISPATCH });
  const head = await reader.getHead(executionId);
  expect(head, `${executionId}: no head`).toBeDefined();
  if (head === undefined) throw new Error('unreachable');
  const events = await readAll(reader, executionId);
  const where = `execution ${executionId}`;

  // seq contiguous 1..n, and the head names the last one
  expect(
    events.map((e) => e.seq),
    `${where}: seq must be 1..n`,
  ).toEqual(events.map((_, i) => i + 1));
  expect(head.lastSeq, `${where}: head.lastSeq`).toBe(events.length);

  // the head is the fold of the log (no second truth)
  const { def } = await reader.loadState(executionId);
  const { snapshotSeq: _s, definition: _d, ...stored } = head;
  expect(toHead(replay(def, events)), `${where}: replay of the log differs from the stored head`).toEqual(
    stored,
  );

  // one fact per step attempt: at most one launch, one success, one failure (so exactly one join)
  for (const type of ['StepLaunched', 'StepSucceeded', 'StepFailed', 'StepTimedOut'] as const) {
    const counts = countBy(events.filter((e) => e.type === type).map(attemptOf));
    const doubled = [...counts].filter(([, n]) => n > 1);
    expect(doubled, `${where}: ${type} recorded more than once for`).toEqual([]);
  }
  if (opts.launches !== undefined) {
    const doubled = [...opts.launches.launchesOf(executionId)].filter(([, n]) => n > 1);
    expect(doubled, `${where}: launch dispatched more than once for`).toEqual([]);
  }

  // after a terminal event only late facts (a launch receipt recorded after the attempt's end, a late
  // callback's output recorded as LateOutputRejected: facts, not changes) or a redrive may follow;
  // the status itself only changes through a redrive
  events.forEach((e, i) => {
    if (!TERMINAL_EVENTS.has(e.type)) return;
    const next = events
      .slice(i + 1)
      .find((n) => n.type !== 'StepLaunched' && n.type !== 'LateOutputRejected');
    if (next !== undefined) {
      expect(next.type, `${where}: event after terminal ${e.type} (seq ${e.seq})`).toBe('ExecutionRedriven');
    }
  });
  const terminalCount = events.filter((e) => TERMINAL_EVENTS.has(e.type)).length;
  const redrives = events.filter((e) => e.type === 'ExecutionRedriven').length;
  expect(terminalCount, `${where}: terminal events`).toBeLessThanOrEqual(redrives + 1);
  opts.watch?.observe(executionId, head, events);

  // nothing accepted is lost: every accepted signal key points at events that exist
  const accepted = await db.collection('executions').doc(executionId).collection('signals').get();
  for (const doc of accepted.docs) {
    const seqs = (doc.get('seqs') as number[] | undefined) ?? [];
    for (const seq of seqs) {
      expect(events[seq - 1]?.seq, `${where}: accepted signal ${doc.id} names missing event ${seq}`).toBe(
        seq,
      );
    }
    const kind = doc.get('kind') as string;
    if (kind === 'completed' || kind === 'launched') {
      expect(seqs.length, `${where}: accepted ${kind} signal ${doc.id} produced no event`).toBeGreaterThan(0);
    }
  }

  if (opts.quiescent) {
    const inbox = await db.collection('executions').doc(executionId).collection('inbox').get();
    expect(
      inbox.docs.map((d) => d.id),
      `${where}: signals left in the inbox`,
    ).toEqual([]);
    const pending = await reader.listPendingCommands(executionId);
    const due = pending.filter((c) => c.status === 'DISPATCHING' || c.lastError === undefined);
    expect(
      due.map((c) => c.commandId),
      `${where}: commands never dispatched`,
    ).toEqual([]);
  }
  return { head, events };
}

/** Every event of an execution (pages of 1000). */
export async function readAll(store: ExecutionStore, executionId: string): Promise<ExecutionEvent[]> {
  const all: ExecutionEvent[] = [];
  for (;;) {
    const page = await store.readEvents(executionId, { afterSeq: all.length, limit: 1000 });
    all.push(...page);
    if (page.length < 1000) return all;
  }
}

function attemptOf(e: ExecutionEvent): string {
  return 'path' in e && e.path !== undefined ? `${e.path}#${'attempt' in e ? e.attempt : ''}` : '';
}

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}
