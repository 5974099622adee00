/**
 * Long histories: a signal on an execution with 100,000 events costs what it costs on a short one
 * (snapshot + at most `snapshotEvery` tail events, read by id), and the log reads back in pages.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type ExecutionEvent, replay, toHead } from '../../engine/core/index.ts';
import { COLLECTIONS, ExecutionStore, seqDocId } from '../../engine/store/index.ts';
import { testFirestore } from '../support/firestore.ts';
import { RecordingDispatcher, succeeded, twoStepFlow } from './support.ts';

const HISTORY = 100_000;
const SNAPSHOT_EVERY = 25;

describe('a 100,000-event history', () => {
  const t = testFirestore('store-history');
  afterAll(() => t.cleanup());

  it('given 100,000 logged events with a snapshot near the end, when a completion is applied by a fresh worker, then it is appended after them and the state equals a full replay', {
    timeout: 300_000,
  }, async () => {
    // given: a running execution, then a synthetic log of StepLogged events written in batches
    const def = twoStepFlow();
    const store = new ExecutionStore({
      db: t.db,
      dispatcher: new RecordingDispatcher(),
      snapshotEvery: SNAPSHOT_EVERY,
    });
    const { executionId } = await store.startExecution(def, {});
    const { state: startState } = await store.loadState(executionId);
    const at = '2026-01-01T00:00:00.000Z';
    const logged: ExecutionEvent[] = Array.from({ length: HISTORY }, (_, i) => ({
      type: 'StepLogged',
      seq: startState.lastSeq + 1 + i,
      at,
      step: 'A',
      path: 'A',
      attempt: 1,
      lines: [`line ${i}`],
    }));
    const head = t.db.collection(COLLECTIONS.executions).doc(executionId);
    for (let start = 0; start < logged.length; start += 2000) {
      await Promise.all(
        [0, 500, 1000, 1500].map((offset) => {
          const batch = t.db.batch();
          for (const event of logged.slice(start + offset, start + offset + 500)) {
            batch.create(head.collection(COLLECTIONS.events).doc(seqDocId(event.seq)), event);
          }
          return batch.commit();
        }),
      );
    }
    const snapshotAt = logged.length - 10;
    const atSnapshot = replay(def, logged.slice(0, snapshotAt), startState);
    const full = replay(def, logged.slice(snapshotAt), atSnapshot);
    await head
      .collection(COLLECTIONS.snapshots)
      .doc(seqDocId(atSnapshot.lastSeq))
      .set({
        seq: atSnapshot.lastSeq,
        at,
        state: JSON.stringify(atSnapshot),
      });
    await head.set({
      ...toHead(full),
      snapshotSeq: atSnapshot.lastSeq,
      definition: `definitions/${def.hash}`,
    });

    // when
    const fresh = new ExecutionStore({
      db: t.db,
      dispatcher: new RecordingDispatcher(),
      snapshotEvery: SNAPSHOT_EVERY,
    });
    const result = await fresh.apply(executionId, succeeded('A', 1));

    // then
    expect(result.status).toBe('applied');
    expect(result.events[0]).toMatchObject({ type: 'StepSucceeded', seq: HISTORY + startState.lastSeq + 1 });
    const after = await fresh.getHead(executionId);
    expect(after?.lastSeq).toBe(HISTORY + startState.lastSeq + 2); // + StepLaunched of B
    expect(after?.steps.B?.status).toBe('RUNNING');
    const tail = await fresh.readEvents(executionId, { afterSeq: HISTORY - 5 });
    expect(tail.map((e) => e.seq)).toEqual(Array.from({ length: tail.length }, (_, i) => HISTORY - 4 + i));
    const { state } = await new ExecutionStore({ db: t.db, dispatcher: new RecordingDispatcher() }).loadState(
      executionId,
    );
    const sinceSnapshot = await fresh.readEvents(executionId, { afterSeq: atSnapshot.lastSeq });
    expect(sinceSnapshot.map((e) => e.type).slice(-2)).toEqual(['StepSucceeded', 'StepLaunched']);
    expect(state).toEqual(replay(def, sinceSnapshot, atSnapshot));
  });
});
