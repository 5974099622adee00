/**
 * Payloads Firestore cannot hold inline: large outputs go out of line into content-addressed chunk
 * documents; values Firestore refuses (arrays in arrays, empty keys, deep nesting) are encoded.
 * Readers get the original JSON back.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { replay, toHead } from '../../engine/core/index.ts';
import { ExecutionStore, isChunkRef, seqDocId } from '../../engine/store/index.ts';
import { testFirestore } from '../support/firestore.ts';
import { RecordingDispatcher, succeeded, twoStepFlow } from './support.ts';

const MiB = 1024 * 1024;

describe('payloads', () => {
  const t = testFirestore('store-payloads');
  afterAll(() => t.cleanup());
  const store = new ExecutionStore({ db: t.db, dispatcher: new RecordingDispatcher(), snapshotEvery: 2 });

  it('given a 3 MiB step output, when applied, then the event keeps a chunk reference, no document nears 1 MiB, and readers get the output back', async () => {
    // given
    const rows = Array.from({ length: 30_000 }, (_, i) => ({ id: i, text: `row ${i} ${'x'.repeat(80)}` }));
    const { executionId } = await store.startExecution(twoStepFlow(), {});

    // when
    const result = await store.apply(executionId, succeeded('A', 1, { rows }));
    await store.apply(executionId, succeeded('B', 1, { rows }));

    // then: stored form
    const seq = result.events[0]!.seq;
    const raw = (await t.db.doc(`executions/${executionId}/events/${seqDocId(seq)}`).get()).data()!;
    expect(isChunkRef(raw.output)).toBe(true);
    const chunks = await t.db.collection('chunks').get();
    expect(chunks.size).toBeGreaterThanOrEqual(4);
    const sizes = [...chunks.docs.map((d) => (d.get('data') as Buffer).length), JSON.stringify(raw).length];
    expect(Math.max(...sizes)).toBeLessThan(MiB - 64 * 1024);
    // then: read back
    const events = await store.readEvents(executionId);
    expect(events.find((e) => e.seq === seq)).toMatchObject({ type: 'StepSucceeded', output: { rows } });
    const head = await store.getHead(executionId);
    expect(head?.output).toEqual({ rows });
    const { state } = await store.loadState(executionId);
    expect(toHead(state)).toEqual(toHead(replay(twoStepFlow(), events)));
  });

  it('given an output Firestore cannot store as is, when applied, then it reads back unchanged', async () => {
    // given
    const output = {
      matrix: [
        [1, 2],
        [3, [4, 5]],
      ],
      '': 'empty key',
      __name__: 'reserved',
      $json: 'looks like an encoding',
      deep: JSON.parse(`${'{"a":'.repeat(30)}1${'}'.repeat(30)}`),
    };
    const { executionId } = await store.startExecution(twoStepFlow(), { input: [[0]] });

    // when
    await store.apply(executionId, succeeded('A', 1, output));

    // then
    const events = await store.readEvents(executionId);
    expect(events.find((e) => e.type === 'StepSucceeded')).toMatchObject({ output });
    expect(events[0]).toMatchObject({ type: 'ExecutionStarted', input: { input: [[0]] } });
    expect((await store.getHead(executionId))?.input).toEqual({ input: [[0]] });
  });
});
