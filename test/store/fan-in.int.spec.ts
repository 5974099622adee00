/**
 * Fan-in without a hot spot: many branch completions arriving at once fire the join exactly once,
 * lose nothing, and cost far fewer transactions than completions (the drain lease + inbox design).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Signal } from '../../engine/core/index.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { testFirestore } from '../support/firestore.ts';
import { fanOutFlow, manualClock, RecordingDispatcher, succeeded } from './support.ts';

const BRANCHES = 100;

describe('fan-in of 100 concurrent branch completions', () => {
  const t = testFirestore('store-fanin');
  afterAll(() => t.cleanup());

  it('given a Parallel of 100 running branches, when all completions arrive at once from separate workers, then the join fires once and every completion is recorded', async () => {
    // given
    const flow = fanOutFlow(BRANCHES);
    const dispatcher = new RecordingDispatcher();
    const starter = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await starter.startExecution(flow, { n: BRANCHES });
    const workers = Array.from({ length: 10 }, () => new ExecutionStore({ db: t.db, dispatcher }));

    // when: every completion delivered concurrently, spread over 10 workers (store instances)
    const completions = Array.from({ length: BRANCHES }, (_, i) =>
      succeeded(`Fan/${i}/B${i}`, 1, { branch: i }),
    );
    const results = await Promise.all(
      completions.map((s, i) => workers[i % workers.length]!.apply(executionId, s)),
    );
    for (const w of workers) await w.drain(executionId);

    // then
    const head = await starter.getHead(executionId);
    const events = await starter.readEvents(executionId, { limit: 10_000 });
    const succeededEvents = events.filter((e) => e.type === 'StepSucceeded');
    expect(new Set(succeededEvents.map((e) => ('path' in e ? e.path : ''))).size).toBe(BRANCHES);
    expect(head?.steps.After?.status).toBe('RUNNING');
    expect(dispatcher.launchCounts().get(`${executionId} After#1`)).toBe(1);
    expect([...dispatcher.launchCounts().values()].every((n) => n === 1)).toBe(true);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(results.every((r) => r.status === 'applied' || r.status === 'queued')).toBe(true);
    const transactions = workers.reduce((sum, w) => sum + w.stats.transactions, 0);
    console.log(
      `fan-in ${BRANCHES}: ${transactions} transactions, statuses`,
      countBy(results.map((r) => r.status)),
    );
    expect(transactions).toBeLessThan(BRANCHES / 2);
  });
});

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

describe('a lease holder that crashed', () => {
  const t = testFirestore('store-stranded');
  afterAll(() => t.cleanup());

  it('given a drain lease left by a crashed worker, when signals arrive they are queued, and once the lease expired a sweep applies them', async () => {
    // given: a lease that nobody will release
    const time = manualClock();
    const dispatcher = new RecordingDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher, clock: time.clock, leaseMs: 30_000 });
    const { executionId } = await store.startExecution(fanOutFlow(3), {});
    await t.db
      .doc(`leases/${executionId}`)
      .create({ holder: 'crashed', expiresAt: '2026-01-01T00:00:30.000Z' });

    // when
    const queued = await Promise.all(
      [0, 1, 2].map((i) => store.apply(executionId, succeeded(`Fan/${i}/B${i}`, 1))),
    );
    const early = await store.sweepPending();
    time.advance(31_000);
    const late = await store.sweepPending();

    // then
    expect(queued.map((r) => r.status)).toEqual(['queued', 'queued', 'queued']);
    expect(early.drained).toBe(0);
    expect(late).toMatchObject({ drained: 3, dispatched: 1 });
    const head = await store.getHead(executionId);
    expect(head?.steps.After?.status).toBe('RUNNING');
    expect(dispatcher.launchCounts().get(`${executionId} After#1`)).toBe(1);
    expect((await t.db.collection(`executions/${executionId}/inbox`).get()).empty).toBe(true);
  });

  it('given a queued signal, when the same signal is queued again, then it is reported as a duplicate', async () => {
    const store = new ExecutionStore({ db: t.db, dispatcher: new RecordingDispatcher() });
    const { executionId } = await store.startExecution(fanOutFlow(2), {});
    await t.db.doc(`leases/${executionId}`).create({ holder: 'busy', expiresAt: '2999-01-01T00:00:00.000Z' });
    const first = await store.apply(executionId, succeeded('Fan/0/B0', 1));
    const again = await store.apply(executionId, succeeded('Fan/0/B0', 1));
    expect([first.status, again.status]).toEqual(['queued', 'duplicate']);
    await t.db.doc(`leases/${executionId}`).delete();
    expect(await store.drain(executionId)).toEqual({ applied: 1 });
    expect((await store.getHead(executionId))?.steps['Fan/0/B0']?.status).toBe('SUCCEEDED');
  });

  it('given a queued signal the core cannot decide, when the inbox is drained, then it is set aside in rejected/ and the signals behind it are applied', async () => {
    // given
    const store = new ExecutionStore({ db: t.db, dispatcher: new RecordingDispatcher() });
    const { executionId } = await store.startExecution(fanOutFlow(2), {});
    await t.db.doc(`leases/${executionId}`).create({ holder: 'busy', expiresAt: '2999-01-01T00:00:00.000Z' });
    const malformed = {
      kind: 'bogus',
      path: 'Fan/1/B1',
      attempt: 1,
      source: { kind: 'log' },
    } as unknown as Signal;
    expect((await store.apply(executionId, malformed)).status).toBe('queued');
    expect((await store.apply(executionId, succeeded('Fan/0/B0', 1))).status).toBe('queued');
    await t.db.doc(`leases/${executionId}`).delete();

    // when
    const drained = await store.drain(executionId);

    // then
    expect(drained).toEqual({ applied: 1 });
    expect((await store.getHead(executionId))?.steps['Fan/0/B0']?.status).toBe('SUCCEEDED');
    expect((await t.db.collection(`executions/${executionId}/inbox`).get()).empty).toBe(true);
    const rejected = await t.db.collection(`executions/${executionId}/rejected`).get();
    expect(rejected.docs.map((d) => d.get('signal.kind'))).toEqual(['bogus']);
    // the same signal applied directly (not queued) fails its caller and writes nothing
    const before = await store.getHead(executionId);
    await expect(store.apply(executionId, malformed)).rejects.toThrow();
    expect(await store.getHead(executionId)).toEqual(before);
  });
});
