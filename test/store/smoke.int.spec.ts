import { afterAll, describe, expect, it } from 'vitest';
import sampleDag from '../../examples/sample-dag.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { testFirestore } from '../support/firestore.ts';
import { driveToEnd, RecordingDispatcher } from './support.ts';

describe('smoke', () => {
  const t = testFirestore('store-smoke');
  afterAll(() => t.cleanup());
  it('runs the sample', async () => {
    const dispatcher = new RecordingDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await store.startExecution(sampleDag, { a: 1 });
    const head = await driveToEnd(store, executionId);
    console.log(JSON.stringify(head, null, 1).slice(0, 3000));
    console.log(store.stats, dispatcher.calls.map((c) => c.id));
    expect(head.status).toBe('SUCCEEDED');
  });
});
