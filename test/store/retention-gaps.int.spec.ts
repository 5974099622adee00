/**
 * Issue 13 item 4, the gaps after the first pass: (1) correlations, chunks (referenced or not) and
 * dead letters of a finished execution expire with it; (2) a crash between the finishing commit and
 * the stamping pass is repaired by the sweep, idempotently; (3) a large execution is not stamped
 * inside the finishing request but by the sweep, with the same result.
 */
import { type Firestore, Timestamp } from '@google-cloud/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkStore } from '../../engine/store/chunks.ts';
import { firestoreDeadLetters } from '../../engine/store/dead-letters.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { EXECUTION_SUBCOLLECTIONS } from '../../engine/store/retention.ts';
import { testFirestore } from '../support/firestore.ts';
import { fanOutFlow, manualClock, RecordingDispatcher, succeeded, twoStepFlow } from './support.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Every document the engine holds for an execution, with its expireAt in ms (undefined: none). */
async function documentsOf(db: Firestore, executionId: string): Promise<Map<string, number | undefined>> {
  const out = new Map<string, number | undefined>();
  const add = (path: string, value: unknown) =>
    out.set(path, value instanceof Timestamp ? value.toMillis() : undefined);
  const head = await db.doc(`executions/${executionId}`).get();
  if (head.exists) add(head.ref.path, head.get('expireAt'));
  for (const name of EXECUTION_SUBCOLLECTIONS) {
    for (const doc of (await db.collection(`executions/${executionId}/${name}`).get()).docs)
      add(doc.ref.path, doc.get('expireAt'));
  }
  for (const [collection, field] of [
    ['correlations', 'executionId'],
    ['chunks', 'owner'],
  ] as const) {
    for (const doc of (await db.collection(collection).where(field, '==', executionId).get()).docs)
      add(doc.ref.path, doc.get('expireAt'));
  }
  return out;
}

function unstamped(docs: Map<string, number | undefined>, expected: number): string[] {
  return [...docs].filter(([, at]) => at !== expected).map(([path, at]) => `${path} (${String(at)})`);
}

describe('retention of everything an execution leaves (issue 13 item 4)', () => {
  const t = testFirestore('store-retention-gaps');
  afterAll(() => t.cleanup());

  it('given large outputs, an orphan chunk and a dead letter about it, when the execution succeeds, then its correlations, every chunk it owns (referenced or not) and the dead letter expire with it', async () => {
    // given: outputs over the inline limit go out of line (chunks of events, snapshots, the head),
    // plus a chunk a failed transaction left behind, which no document refers to
    const time = manualClock('2026-03-01T10:00:00.000Z');
    const store = new ExecutionStore({
      db: t.db,
      dispatcher: new RecordingDispatcher(),
      clock: time.clock,
      retentionDays: 60,
      inlineLimitBytes: 1024,
    });
    const { executionId } = await store.startExecution(twoStepFlow('gaps-a'), {});
    await store.apply(executionId, succeeded('A', 1, { rows: 'a'.repeat(4000) }));
    const orphan = await new ChunkStore(t.db).store(JSON.stringify({ lost: 'x'.repeat(2000) }), {
      executionId,
    });
    const letterId = await firestoreDeadLetters(t.db, time.clock).put({
      raw: `forged completion for ${executionId}`,
      reason: 'forged',
      observation: { executionId },
    });
    const letterBefore = (await t.db.doc(`deadletters/${letterId}`).get()).get('expireAt') as Timestamp;

    // when
    time.advance(60_000);
    await store.apply(executionId, succeeded('B', 1, { rows: 'b'.repeat(5000) }));

    // then
    const head = await store.getHead(executionId);
    expect(head?.status).toBe('SUCCEEDED');
    const expireAt = Date.parse(head?.updatedAt ?? '') + 60 * DAY_MS;
    const docs = await documentsOf(t.db, executionId);
    expect([...docs.keys()].filter((p) => p.startsWith('correlations/')).length).toBeGreaterThan(0);
    expect([...docs.keys()].filter((p) => p.startsWith('chunks/')).length).toBeGreaterThanOrEqual(3);
    expect(docs.has(`chunks/${orphan.$chunks.sha256}-0~${orphan.$chunks.owner}`)).toBe(true);
    expect(unstamped(docs, expireAt)).toEqual([]);
    // the dead letter had its own 30 days; the execution's 60 are later
    expect(letterBefore.toMillis()).toBe(Date.parse('2026-03-01T10:00:00.000Z') + 30 * DAY_MS);
    const letter = await t.db.doc(`deadletters/${letterId}`).get();
    expect((letter.get('expireAt') as Timestamp).toMillis()).toBe(expireAt);
    // and the payloads still read back
    expect((await store.getHead(executionId))?.output).toEqual({ rows: 'b'.repeat(5000) });
    expect(await t.db.collection('retentionPending').doc(executionId).get()).toHaveProperty('exists', false);
  });

  it('given a crash right after the commit that finished an execution, when the sweep runs, then it stamps every document the execution left, and a second sweep changes nothing', async () => {
    // given
    let crash = false;
    const time = manualClock('2026-03-02T10:00:00.000Z');
    const store = new ExecutionStore({
      db: t.db,
      dispatcher: new RecordingDispatcher(),
      clock: time.clock,
      retentionDays: 7,
      inlineLimitBytes: 1024,
      faults: {
        afterCommit: () => {
          if (crash) throw new Error('injected crash after commit');
        },
      },
    });
    const { executionId } = await store.startExecution(twoStepFlow('gaps-crash'), {});
    await store.apply(executionId, succeeded('A', 1, { rows: 'a'.repeat(4000) }));
    crash = true;
    await expect(store.apply(executionId, succeeded('B', 1))).rejects.toThrow(/injected crash/);
    crash = false;
    const head = await store.getHead(executionId);
    expect(head?.status).toBe('SUCCEEDED');
    const expireAt = Date.parse(head?.updatedAt ?? '') + 7 * DAY_MS;
    expect(unstamped(await documentsOf(t.db, executionId), expireAt).length).toBeGreaterThan(0);

    // when
    const first = await store.sweepPending();
    const second = await store.sweepPending();

    // then
    expect(first.retentionStamped).toBeGreaterThanOrEqual(1);
    expect(second.retentionStamped).toBeUndefined();
    expect(unstamped(await documentsOf(t.db, executionId), expireAt)).toEqual([]);
  });

  it('given an execution with more documents than the finishing request stamps itself, when it finishes, then the request leaves them to the sweep, which stamps them all', async () => {
    // given: 12 branches → far more than 10 documents
    const time = manualClock('2026-03-03T10:00:00.000Z');
    const store = new ExecutionStore({
      db: t.db,
      dispatcher: new RecordingDispatcher(),
      clock: time.clock,
      retentionDays: 7,
      retentionInlineLimit: 10,
    });
    const flow = fanOutFlow(12);
    const { executionId } = await store.startExecution(flow, {});
    for (let i = 0; i < 12; i++) await store.apply(executionId, succeeded(`Fan/${i}/B${i}`, 1));

    // when
    await store.apply(executionId, succeeded('After', 1));

    // then: the head is stamped by its transaction; the events written while running are not yet
    const head = await store.getHead(executionId);
    expect(head?.status).toBe('SUCCEEDED');
    const expireAt = Date.parse(head?.updatedAt ?? '') + 7 * DAY_MS;
    const before = await documentsOf(t.db, executionId);
    expect(before.size).toBeGreaterThan(10);
    expect(unstamped(before, expireAt).length).toBeGreaterThan(0);

    // when the sweep runs
    expect((await store.sweepPending()).retentionStamped).toBeGreaterThanOrEqual(1);

    // then
    expect(unstamped(await documentsOf(t.db, executionId), expireAt)).toEqual([]);
  });
});
