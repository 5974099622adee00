/**
 * apply: signals become events in one transaction each, deduped by business key; replay of the
 * stored log reproduces the head; late, unknown and duplicate signals change nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type ExecutionEvent, replay, type Signal, toHead } from '../../engine/core/index.ts';
import { isFirestepError } from '../../engine/errors.ts';
import { ExecutionStore, type StoredHead } from '../../engine/store/index.ts';
import sampleDag from '../../examples/sample-dag.ts';
import { testFirestore } from '../support/firestore.ts';
import {
  driveToEnd,
  failed,
  manualClock,
  RecordingDispatcher,
  runningCompletions,
  shape,
  shuffled,
  succeeded,
  twoStepFlow,
} from './support.ts';

function withoutStoreFields(head: StoredHead | undefined) {
  const { snapshotSeq: _s, definition: _d, ...rest } = head ?? ({} as StoredHead);
  return rest;
}

describe('apply', () => {
  const t = testFirestore('store-apply');
  afterAll(() => t.cleanup());

  it('given the sample flow, when every running step completes, then it SUCCEEDS and a replay of the stored log reproduces the head exactly', async () => {
    // given
    const dispatcher = new RecordingDispatcher();
    const observed: ExecutionEvent[] = [];
    const store = new ExecutionStore({
      db: t.db,
      dispatcher,
      snapshotEvery: 3,
      onEvents: (_id, events) => observed.push(...events),
    });
    const { executionId } = await store.startExecution(sampleDag, { date: '2024-01-01' });

    // when
    const head = await driveToEnd(store, executionId);

    // then
    expect(head.status).toBe('SUCCEEDED');
    expect(head.output).toEqual({ path: 'End' });
    const events = await store.readEvents(executionId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
    const replayed = replay(sampleDag, events);
    expect(toHead(replayed)).toEqual(withoutStoreFields(head));
    expect(head.snapshotSeq).toBeGreaterThan(1);
    expect(head.lastSeq - head.snapshotSeq).toBeLessThan(3);
    const snapshots = await t.db.collection(`executions/${executionId}/snapshots`).listDocuments();
    expect(snapshots.length).toBeGreaterThan(2);
    expect(observed).toEqual(events);
    const { state } = await new ExecutionStore({ db: t.db, dispatcher }).loadState(executionId);
    expect(state).toEqual(replayed);
    expect([...dispatcher.launchCounts().values()].every((n) => n === 1)).toBe(true);
  });

  it('given a running step, when its completion is applied twice, then the second is a duplicate and appends nothing', async () => {
    // given
    const store = new ExecutionStore({ db: t.db, dispatcher: new RecordingDispatcher() });
    const { executionId } = await store.startExecution(twoStepFlow(), {});

    // when
    const first = await store.apply(executionId, succeeded('A', 1));
    const lastSeq = (await store.getHead(executionId))?.lastSeq;
    const second = await store.apply(executionId, {
      ...succeeded('A', 1),
      source: { kind: 'callback', id: 'other-transport' },
    });

    // then
    expect(first.status).toBe('applied');
    expect(first.events.map((e) => e.type)).toEqual(['StepSucceeded']);
    expect(second).toEqual({ status: 'duplicate', events: [] });
    expect((await store.getHead(executionId))?.lastSeq).toBe(lastSeq);
  });

  it('given no such execution, when a signal is applied, then EXECUTION_NOT_FOUND is thrown', async () => {
    const store = new ExecutionStore({ db: t.db, dispatcher: new RecordingDispatcher() });
    const error = await store.apply('no-such-execution', succeeded('A', 1)).catch((e) => e);
    expect(isFirestepError(error, 'EXECUTION_NOT_FOUND')).toBe(true);
    expect(error.message).toContain('no-such-execution');
  });

  it('given a running execution, when signals for an unknown step and a stale attempt arrive, then they are ignored with a code and nothing is written', async () => {
    // given
    const store = new ExecutionStore({ db: t.db, dispatcher: new RecordingDispatcher() });
    const { executionId } = await store.startExecution(twoStepFlow(), {});
    const before = await store.getHead(executionId);

    // when
    const unknown = await store.apply(executionId, succeeded('Nope', 1));
    const stale = await store.apply(executionId, succeeded('A', 7));
    const notStarted = await store.apply(executionId, succeeded('B', 1));

    // then
    expect(unknown).toMatchObject({ status: 'ignored', events: [], ignored: { code: 'UNKNOWN_STEP' } });
    expect(stale).toMatchObject({ status: 'ignored', ignored: { code: 'STALE_ATTEMPT' } });
    expect(notStarted).toMatchObject({ status: 'ignored', ignored: { code: 'STALE_ATTEMPT' } });
    expect(await store.getHead(executionId)).toEqual(before);
    // an ignored signal leaves no dedupe record: once B runs, its completion is applied
    await store.apply(executionId, succeeded('A', 1));
    expect((await store.apply(executionId, succeeded('B', 1))).status).toBe('applied');
  });

  it('given a finished execution, when a late failure arrives, then it is ignored (EXECUTION_FINISHED) and the status never changes', async () => {
    // given
    const store = new ExecutionStore({ db: t.db, dispatcher: new RecordingDispatcher() });
    const { executionId } = await store.startExecution(twoStepFlow(), {});
    await driveToEnd(store, executionId);
    const before = await store.getHead(executionId);

    // when
    const late = await store.apply(executionId, failed('B', 1));
    const cancel = await store.apply(executionId, {
      kind: 'cancel',
      reason: 'too late',
      source: { kind: 'api' },
    });

    // then
    expect(late).toMatchObject({ status: 'ignored', ignored: { code: 'EXECUTION_FINISHED' } });
    expect(cancel).toMatchObject({ status: 'ignored', ignored: { code: 'EXECUTION_FINISHED' } });
    expect(await store.getHead(executionId)).toEqual(before);
    expect(before?.status).toBe('SUCCEEDED');
  });

  it('given a step that fails with a retry policy, when the retry timer fires, then attempt 2 is launched once and can succeed', async () => {
    // given
    const dispatcher = new RecordingDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await store.startExecution(twoStepFlow(), {});
    await store.apply(executionId, succeeded('A', 1));

    // when
    const failure = await store.apply(executionId, failed('B', 1));
    const timer = await store.apply(executionId, {
      kind: 'timer',
      timer: 'retry',
      path: 'B',
      attempt: 2,
      source: { kind: 'timer', id: 't1' },
    });
    const done = await store.apply(executionId, succeeded('B', 2));

    // then
    expect(failure.events.map((e) => e.type)).toEqual(['StepFailed', 'StepRetryScheduled']);
    expect(dispatcher.calls.some((c) => c.kind === 'timer' && c.path === 'B' && c.attempt === 2)).toBe(true);
    expect(timer.events.map((e) => e.type)).toEqual(['TimerFired']);
    expect(done.status).toBe('applied');
    expect((await store.getHead(executionId))?.status).toBe('SUCCEEDED');
    expect(dispatcher.launchCounts().get(`${executionId} B#1`)).toBe(1);
    expect(dispatcher.launchCounts().get(`${executionId} B#2`)).toBe(1);
  });

  it('given the sample flow run twice, when one run gets each completion once in order and the other gets each completion 10× in shuffled order with late copies, then both logs and heads are identical and each attempt is launched once', async () => {
    // given: a fixed clock and execution id (in two projects), so both runs record the same facts
    const time = manualClock();
    const sameId = () => 'same-execution';
    const once = new RecordingDispatcher();
    const storeA = new ExecutionStore({ db: t.db, dispatcher: once, clock: time.clock, newId: sameId });
    const a = await storeA.startExecution(sampleDag, { date: 'x' });
    const headA = await driveToEnd(storeA, a.executionId);

    // when: in rounds, the completion of every step launched so far (the new ones and late copies of
    // the old ones) is delivered 10× in shuffled order, all at once
    const many = new RecordingDispatcher();
    const other = testFirestore('store-apply-b');
    const storeB = new ExecutionStore({ db: other.db, dispatcher: many, clock: time.clock, newId: sameId });
    const b = await storeB.startExecution(sampleDag, { date: 'x' });
    for (let round = 0; round < 10; round++) {
      if ((await storeB.getHead(b.executionId))?.status !== 'RUNNING') break;
      const launched: Signal[] = many.calls.flatMap((c) =>
        c.kind === 'launch' ? [succeeded(c.path, c.attempt)] : [],
      );
      const deliveries = shuffled(
        launched.flatMap((s) => Array.from({ length: 10 }, () => s)),
        round + 1,
      );
      await Promise.all(deliveries.map((s) => storeB.apply(b.executionId, s)));
    }

    // then
    const headB = await storeB.getHead(b.executionId);
    expect(withoutStoreFields(headB)).toEqual(withoutStoreFields(headA));
    const logA = shape(await storeA.readEvents(a.executionId)).sort();
    const logB = shape(await storeB.readEvents(b.executionId)).sort();
    expect(logB).toEqual(logA);
    expect([...many.launchCounts().values()]).toEqual([1, 1, 1, 1, 1]);
    expect(runningCompletions(headB!)).toEqual([]);
    await other.cleanup();
  });

  it('given a FAILED execution, when redriven, then the failed step is launched again at the next attempt and a second redrive is deduped', async () => {
    // given
    const dispatcher = new RecordingDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await store.startExecution(twoStepFlow(), {});
    await store.apply(executionId, failed('A', 1));
    expect((await store.getHead(executionId))?.status).toBe('FAILED');

    // when
    const redrive = await store.apply(executionId, { kind: 'redrive', source: { kind: 'api', id: 'r1' } });
    const again = await store.apply(executionId, { kind: 'redrive', source: { kind: 'api', id: 'r2' } });

    // then
    expect(redrive.events.map((e) => e.type)).toEqual(['ExecutionRedriven']);
    expect(again).toMatchObject({ status: 'ignored', ignored: { code: 'NOT_REDRIVABLE' } });
    const head = await store.getHead(executionId);
    expect(head).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
    expect(head?.steps.A).toMatchObject({ status: 'RUNNING', attempt: 2 });
    expect(dispatcher.launchCounts().get(`${executionId} A#2`)).toBe(1);
  });

  it('given a running execution, when cancelled, then it is CANCELLED and the running attempt gets a cancel command', async () => {
    const dispatcher = new RecordingDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await store.startExecution(twoStepFlow(), {});
    const result = await store.apply(executionId, {
      kind: 'cancel',
      reason: 'operator',
      source: { kind: 'api' },
    });
    expect(result.events.map((e) => e.type)).toEqual(['ExecutionCancelled']);
    expect((await store.getHead(executionId))?.status).toBe('CANCELLED');
    expect(dispatcher.calls.filter((c) => c.kind === 'cancel').map((c) => c.id)).toEqual(['cancel~A~1']);
  });
});
