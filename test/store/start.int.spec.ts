/**
 * startExecution: idempotent on a caller-given name, pinned to its definition, readable at once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { isFirestepError } from '../../engine/errors.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import sampleDag from '../../examples/sample-dag.ts';
import { testFirestore } from '../support/firestore.ts';
import { manualClock, RecordingDispatcher, twoStepFlow } from './support.ts';

describe('startExecution', () => {
  const t = testFirestore('store-start');
  afterAll(() => t.cleanup());
  const dispatcher = new RecordingDispatcher();
  const store = new ExecutionStore({ db: t.db, dispatcher });

  it('given a flow, when started, then the head, the first events, the definition and the first launch exist', async () => {
    // when
    const { executionId, created, head } = await store.startExecution(sampleDag, { date: '2024-01-01' });

    // then
    expect(created).toBe(true);
    expect(head).toMatchObject({
      status: 'RUNNING',
      flowId: 'sample-dag',
      definitionHash: sampleDag.hash,
      snapshotSeq: 1,
    });
    expect(head.definition).toBe(`definitions/${sampleDag.hash}`);
    const events = await store.readEvents(executionId);
    expect(events[0]).toMatchObject({ seq: 1, type: 'ExecutionStarted', input: { date: '2024-01-01' } });
    expect(await store.getDefinition(sampleDag.hash)).toEqual(sampleDag);
    expect(dispatcher.launchCounts().get(`${executionId} Init#1`)).toBe(1);
    const stored = await store.getHead(executionId);
    expect(stored?.steps.Init).toMatchObject({
      status: 'RUNNING',
      attempt: 1,
      receipt: { target: 'CloudFunction' },
    });
  });

  it('given a named execution, when started again with the same input, then the existing one is returned and nothing is launched twice', async () => {
    // given
    const first = await store.startExecution(
      sampleDag,
      { date: '2024-01-02' },
      { name: 'nightly-2024-01-02' },
    );

    // when
    const again = await store.startExecution(
      sampleDag,
      { date: '2024-01-02' },
      { name: 'nightly-2024-01-02' },
    );

    // then
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ executionId: first.executionId, created: false });
    expect(again.head.lastSeq).toBe(first.head.lastSeq + 1); // + the StepLaunched of Init
    expect(dispatcher.launchCounts().get(`${first.executionId} Init#1`)).toBe(1);
    expect(first.executionId).toBe('sample-dag~nightly-2024-01-02');
  });

  it('given a named execution, when started again with a different input, then EXECUTION_CONFLICT names both inputs', async () => {
    // given
    await store.startExecution(sampleDag, { date: '2024-01-03' }, { name: 'nightly-2024-01-03' });

    // when
    const error = await store
      .startExecution(sampleDag, { date: 'other' }, { name: 'nightly-2024-01-03' })
      .catch((e) => e);

    // then
    expect(isFirestepError(error, 'EXECUTION_CONFLICT')).toBe(true);
    expect(error.message).toContain('{"date":"2024-01-03"}');
    expect(error.message).toContain('{"date":"other"}');
  });

  it('given the same name started concurrently 5 times, when all return, then exactly one was created', async () => {
    // when
    const results = await Promise.all(
      Array.from({ length: 5 }, () => store.startExecution(twoStepFlow(), { n: 1 }, { name: 'race' })),
    );

    // then
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.executionId)).size).toBe(1);
    const id = results[0]!.executionId;
    expect(dispatcher.launchCounts().get(`${id} A#1`)).toBe(1);
  });

  it('given names with slashes and dots, when started, then the execution id is a valid document id', async () => {
    const { executionId } = await store.startExecution(twoStepFlow('flow/with.dots'), {}, { name: '../a/b' });
    expect(executionId).not.toContain('/');
    expect((await store.getHead(executionId))?.name).toBe('../a/b');
  });

  it('given an empty name, when started, then a CONFIG error says what is wrong', async () => {
    const error = await store.startExecution(twoStepFlow(), {}, { name: '' }).catch((e) => e);
    expect(isFirestepError(error, 'CONFIG')).toBe(true);
  });

  it('given executions of two flows, when listed by flow, then each list holds its own, newest first', async () => {
    // given
    const time = manualClock();
    const clocked = new ExecutionStore({ db: t.db, dispatcher, clock: time.clock });
    for (const [flow, i] of [
      ['list-a', 1],
      ['list-a', 2],
      ['list-b', 3],
    ] as const) {
      await clocked.startExecution(twoStepFlow(flow), { i });
      time.advance(1000);
    }

    // when
    const a = await store.listExecutions({ flowId: 'list-a' });

    // then
    expect(a.map((h) => h.input)).toEqual([{ i: 2 }, { i: 1 }]);
    expect(await store.listExecutions({ flowId: 'list-b', status: 'RUNNING' })).toHaveLength(1);
    expect(await store.listExecutions({ flowId: 'list-b', status: 'SUCCEEDED' })).toHaveLength(0);
  });
});
