/**
 * The uncontended path: with no drain lease document, a signal is applied in one transaction that
 * reads the lease by id (no lease taken or released); the launch receipt and the command's DONE mark
 * commit together; stranded inbox entries are still picked up by the next signal; a decision that
 * repeats an existing command id still keeps the first.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ExecutionStore } from '../../engine/store/index.ts';
import { testFirestore } from '../support/firestore.ts';
import { fanOutFlow, RecordingDispatcher, succeeded, twoStepFlow } from './support.ts';

describe('applying without the drain lease', () => {
  const t = testFirestore('store-fast-path');
  afterAll(() => t.cleanup());

  it('given no lease, when A completes, then B is launched and marked DONE with its receipt in two transactions, and no lease document is left', async () => {
    // given
    const dispatcher = new RecordingDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await store.startExecution(twoStepFlow('fast'), {});
    const before = store.stats.transactions;

    // when
    const result = await store.apply(executionId, succeeded('A', 1));

    // then
    expect(result.status).toBe('applied');
    expect(store.stats.transactions - before).toBe(2);
    const command = await t.db.doc(`executions/${executionId}/commands/launch~B~1`).get();
    expect(command.get('status')).toBe('DONE');
    expect(command.get('attempts')).toBe(1);
    expect(command.get('claimedUntil')).toBeUndefined();
    const head = await store.getHead(executionId);
    expect(head?.steps.B?.status).toBe('RUNNING');
    expect(head?.steps.B?.receipt).toBeDefined();
    expect(dispatcher.launchCounts().get(`${executionId} B#1`)).toBe(1);
    expect((await t.db.doc(`leases/${executionId}`).get()).exists).toBe(false);
  });

  it('given a signal queued under a holder that then released without looking at its inbox (a crash), when the next signal is applied without the lease, then the stranded one is applied too', async () => {
    // given
    const dispatcher = new RecordingDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await store.startExecution(fanOutFlow(2), {});
    await t.db.doc(`leases/${executionId}`).create({ holder: 'busy', expiresAt: '2999-01-01T00:00:00.000Z' });
    expect((await store.apply(executionId, succeeded('Fan/0/B0', 1))).status).toBe('queued');
    await t.db.doc(`leases/${executionId}`).delete();

    // when
    const result = await store.apply(executionId, succeeded('Fan/1/B1', 1));

    // then
    expect(result.status).toBe('applied');
    const head = await store.getHead(executionId);
    expect(head?.steps['Fan/0/B0']?.status).toBe('SUCCEEDED');
    expect(head?.steps['Fan/1/B1']?.status).toBe('SUCCEEDED');
    expect(dispatcher.launchCounts().get(`${executionId} After#1`)).toBe(1);
    expect((await t.db.collection(`executions/${executionId}/inbox`).get()).empty).toBe(true);
  });

  it('given an outbox command that already exists with the id the next decision creates, when the signal is applied, then the first command is kept and the signal is applied once', async () => {
    // given
    const dispatcher = new RecordingDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await store.startExecution(twoStepFlow('repeat'), {});
    const ref = t.db.doc(`executions/${executionId}/commands/launch~B~1`);
    await ref.create({ status: 'DONE', marker: 'first' });

    // when
    const result = await store.apply(executionId, succeeded('A', 1));
    const again = await store.apply(executionId, succeeded('A', 1));

    // then
    expect([result.status, again.status]).toEqual(['applied', 'duplicate']);
    expect((await ref.get()).get('marker')).toBe('first');
    const events = await store.readEvents(executionId);
    expect(events.filter((e) => e.type === 'StepSucceeded')).toHaveLength(1);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(dispatcher.launchCounts().get(`${executionId} B#1`)).toBeUndefined();
  });
});
