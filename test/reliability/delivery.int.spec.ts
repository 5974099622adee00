/**
 * Delivery faults, through the real store on the emulator: the same completion delivered many
 * times (serially and at once, by several workers), many branch completions at once, and every
 * signal of a flow delivered in a seeded random order — launch receipts included, so a completion
 * often arrives before its `launched` receipt is recorded.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutionEvent } from '../../engine/core/index.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import { ExecutionStore, type StoredHead } from '../../engine/store/index.ts';
import sampleDag from '../../examples/sample-dag.ts';
import { testFirestore } from '../support/firestore.ts';
import { FaultyDispatcher } from './support/dispatcher.ts';
import { chainFlow, fanFlow, retryCatchFlow, succeeded } from './support/flows.ts';
import { assertInvariants } from './support/invariants.ts';
import { type Outcome, prng, World } from './support/world.ts';

const t = testFirestore('rel-delivery');
afterAll(() => t.cleanup());

const FIXED_NOW = new Date('2026-03-01T00:00:00.000Z');
const workers = (n: number, dispatcher: FaultyDispatcher) =>
  Array.from({ length: n }, () => new ExecutionStore({ db: t.db, dispatcher, clock: () => FIXED_NOW }));

describe('the same completion delivered N times', () => {
  for (const n of [2, 10, 100]) {
    it(`given A running, when its completion is delivered ${n}× one after another, then one StepSucceeded and B is launched once`, async () => {
      // given
      const dispatcher = new FaultyDispatcher();
      const [store] = workers(1, dispatcher);
      const { executionId } = await store!.startExecution(chainFlow, {});

      // when
      const results = [];
      for (let i = 0; i < n; i++)
        results.push(await store!.apply(executionId, succeeded('A', 1, { n }, `log-${i}`)));

      // then
      expect(results.map((r) => r.status)).toEqual(['applied', ...Array(n - 1).fill('duplicate')]);
      const { events } = await assertInvariants(t.db, executionId, { launches: dispatcher, quiescent: true });
      expect(events.filter((e) => e.type === 'StepSucceeded').length).toBe(1);
      expect(dispatcher.launchesOf(executionId).get('B#1')).toBe(1);
    });

    it(`given A running, when its completion is delivered ${n}× at once by 5 workers over 3 transports, then one StepSucceeded and B is launched once`, async () => {
      // given
      const dispatcher = new FaultyDispatcher();
      const stores = workers(5, dispatcher);
      const { executionId } = await stores[0]!.startExecution(chainFlow, {});
      const kinds = ['log', 'callback', 'eventarc'] as const;

      // when: each copy a different transport message (new ids), same business key
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          stores[i % stores.length]!.apply(executionId, {
            ...succeeded('A', 1, { n }),
            source: { kind: kinds[i % 3]!, id: `m-${i}` },
          }),
        ),
      );
      for (const s of stores) await s.drain(executionId);

      // then
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 'applied').length).toBeLessThanOrEqual(1);
      expect(statuses.every((s) => s === 'applied' || s === 'duplicate' || s === 'queued')).toBe(true);
      const { events } = await assertInvariants(t.db, executionId, { launches: dispatcher, quiescent: true });
      expect(
        events.filter((e) => e.type === 'StepSucceeded').map((e) => ('path' in e ? e.path : '')),
      ).toEqual(['A']);
      expect(dispatcher.launchesOf(executionId).get('B#1')).toBe(1);
    });
  }
});

describe('K branch completions at once', () => {
  for (const k of [2, 10, 100]) {
    it(`given a Parallel of ${k} running branches, when every completion arrives twice at once from 8 workers, then the join fires once and no completion is lost`, async () => {
      // given
      const dispatcher = new FaultyDispatcher();
      const stores = workers(8, dispatcher);
      const { executionId } = await stores[0]!.startExecution(fanFlow(k), {});

      // when
      const deliveries = Array.from({ length: 2 * k }, (_, i) =>
        succeeded(`Fan/${i % k}/B${i % k}`, 1, { branch: i % k }, `m-${i}`),
      );
      await Promise.all(deliveries.map((s, i) => stores[i % stores.length]!.apply(executionId, s)));
      for (const s of stores) await s.drain(executionId);

      // then
      const { head, events } = await assertInvariants(t.db, executionId, {
        launches: dispatcher,
        quiescent: true,
      });
      expect(events.filter((e) => e.type === 'StepSucceeded').length).toBe(k);
      expect(head.steps.After?.status).toBe('RUNNING');
      expect(dispatcher.launchesOf(executionId).get('After#1')).toBe(1);
    });
  }
});

describe('a completion that arrives before its launch receipt', () => {
  it('given B decided but its receipt not yet recorded, when B completes, then the execution moves on and the late receipt is still recorded once', async () => {
    // given
    const dispatcher = new FaultyDispatcher();
    dispatcher.deferReceipts = true;
    const [store] = workers(1, dispatcher);
    const { executionId } = await store!.startExecution(chainFlow, {});
    await store!.apply(executionId, succeeded('A'));
    const b = dispatcher.launched(executionId).find((c) => c.path === 'B');
    expect(b).toBeDefined();

    // when: completion first, then the receipt (twice)
    const completion = await store!.apply(executionId, succeeded('B'));
    const receipt = {
      kind: 'launched' as const,
      commandId: b!.id,
      receipt: { target: 'CloudFunction', jobName: 'b' },
      path: 'B',
      attempt: 1,
      source: { kind: 'dispatcher' as const, id: b!.id },
    };
    const late = await store!.apply(executionId, receipt);
    const again = await store!.apply(executionId, receipt);

    // then
    expect([completion.status, late.status, again.status]).toEqual(['applied', 'applied', 'duplicate']);
    const { head } = await assertInvariants(t.db, executionId, { launches: dispatcher, quiescent: true });
    expect(head.steps.B).toMatchObject({ status: 'SUCCEEDED', receipt: { jobName: 'b' } });
    expect(dispatcher.launchesOf(executionId).get('C#1')).toBe(1);
  });
});

interface Run {
  head: StoredHead;
  events: ExecutionEvent[];
  /** `path#attempt` of receipts that arrived after their attempt (or the execution) had finished. */
  lateReceipts: Set<string>;
}

async function runWorld(
  def: FlowDefinition,
  outcomeOf: (path: string, attempt: number) => Outcome,
  seed?: number,
): Promise<Run> {
  const dispatcher = new FaultyDispatcher();
  dispatcher.deferReceipts = true;
  const random = seed === undefined ? undefined : prng(seed);
  const world = new World(dispatcher, {
    outcomeOf,
    ...(random ? { random, duplicateProbability: 0.3 } : {}),
  });
  // one dispatch at a time, so answers join the pool in the same order and a seed replays exactly
  const stores = Array.from(
    { length: 3 },
    () => new ExecutionStore({ db: t.db, dispatcher, clock: () => FIXED_NOW, dispatchConcurrency: 1 }),
  );
  const { executionId } = await stores[0]!.startExecution(def, { seed: 'same input' });
  await world.run(executionId, stores);
  const { head, events } = await assertInvariants(t.db, executionId, {
    launches: dispatcher,
    quiescent: true,
  });
  const lateReceipts = new Set(
    world.deliveries
      .filter((d) => d.signal.kind === 'launched' && d.result.status === 'ignored')
      .map((d) => ('path' in d.signal ? `${d.signal.path}#${d.signal.attempt}` : '')),
  );
  return {
    head: normalized(head, executionId),
    events: events.map((e) => normalized(e, executionId)),
    lateReceipts,
  };
}

/** Replace the execution id (the only thing that differs between two runs) with a constant. */
function normalized<T>(value: T, executionId: string): T {
  return JSON.parse(JSON.stringify(value).replaceAll(executionId, 'EXECUTION')) as T;
}

const canonical = (e: ExecutionEvent) => {
  const { seq: _seq, ...rest } = e;
  return JSON.stringify(rest, Object.keys(rest).sort());
};

const WORLDS: Array<{
  name: string;
  def: FlowDefinition;
  outcomeOf: (path: string, attempt: number) => Outcome;
}> = [
  { name: 'sample DAG', def: sampleDag, outcomeOf: () => 'succeeded' },
  {
    name: 'retry → catch → rescue in a Parallel',
    def: retryCatchFlow,
    outcomeOf: (path) => (path.endsWith('/Left') ? 'failed' : 'succeeded'),
  },
];
const SEEDS = [1, 2, 3, 4, 5];

describe('every signal of a flow delivered in a seeded random order, with duplicates', () => {
  for (const w of WORLDS) {
    for (const seed of SEEDS) {
      it(`${w.name}, seed ${seed}: same final head and same events as in-order delivery`, async () => {
        // given: the same world delivered in order, and shuffled with 30% redeliveries
        const inOrder = await runWorld(w.def, w.outcomeOf);
        const shuffled = await runWorld(w.def, w.outcomeOf, seed);

        // then: identical, except receipts that arrived after their attempt was over (documented in
        // docs/internals/reliability.md: such a receipt is ignored, the attempt's outcome is already recorded)
        expect(inOrder.lateReceipts.size).toBe(0);
        const expectedEvents = inOrder.events.filter(
          (e) => !(e.type === 'StepLaunched' && shuffled.lateReceipts.has(`${e.path}#${e.attempt}`)),
        );
        expect(shuffled.events.map(canonical).sort()).toEqual(expectedEvents.map(canonical).sort());
        const expectedHead = structuredClone(inOrder.head);
        expectedHead.lastSeq -= inOrder.events.length - expectedEvents.length;
        for (const late of shuffled.lateReceipts) {
          const row = Object.values(expectedHead.steps).find((r) => `${r.path}#${r.attempt}` === late);
          if (row) {
            delete row.receipt;
            delete row.launchedAt;
          }
        }
        const { snapshotSeq: _a, ...a } = shuffled.head;
        const { snapshotSeq: _b, ...b } = expectedHead;
        expect(a).toEqual(b);
      });
    }
  }
});
