/**
 * Faults between the engine and Firestore, through the real store on the emulator: ABORTED
 * contention injected into transactions, a commit whose caller sees a timeout, and crashes at each
 * point between commit and dispatch (the store's `faults` seams), recovered by the next signal and
 * by `sweepPending`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Signal } from '../../engine/core/index.ts';
import { isFirestepError } from '../../engine/errors.ts';
import { firestoreDeadLetters } from '../../engine/store/dead-letters.ts';
import { type CorrelationKey, ExecutionStore, type StoreFaults } from '../../engine/store/index.ts';
import { handleEngineMessage } from '../../runtime/handle-message.ts';
import { isTransient } from '../../runtime/transient.ts';
import { testFirestore } from '../support/firestore.ts';
import { FaultyDispatcher } from './support/dispatcher.ts';
import { faultyFirestore, grpcError } from './support/faulty-firestore.ts';
import { chainFlow, retryCatchFlow, succeeded } from './support/flows.ts';
import { assertInvariants, StatusWatch } from './support/invariants.ts';
import { prng, World } from './support/world.ts';

const t = testFirestore('rel-store-faults');
afterAll(() => t.cleanup());

/** A clock that starts now and only moves when told to (claims and leases expire on demand). */
function steppingClock() {
  let now = Date.now();
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) };
}

/** A fault that fires once, then never again. */
function once(error: Error): { armed: boolean; fire: () => void } {
  const f = {
    armed: false,
    fire: () => {
      if (!f.armed) return;
      f.armed = false;
      throw error;
    },
  };
  return f;
}

async function documents(path: string): Promise<string[]> {
  const snap = await t.db.collection(path).get();
  return snap.docs.map((d) => d.id);
}

describe('ABORTED contention injected before commit', () => {
  for (const p of [0.1, 0.5]) {
    it(`given transactions aborted with probability ${p}, when a flow with a retry, a catch and a Parallel runs to the end, then every abort is retried and nothing is partial or doubled`, async () => {
      // given
      const faulty = faultyFirestore(t.db, { abortProbability: p, random: prng(Math.round(p * 100)) });
      const dispatcher = new FaultyDispatcher();
      const world = new World(dispatcher, {
        outcomeOf: (path) => (path.endsWith('/Left') ? 'failed' : 'succeeded'),
      });
      const stores = [
        new ExecutionStore({ db: faulty.db, dispatcher }),
        new ExecutionStore({ db: faulty.db, dispatcher }),
      ];

      // when
      const { executionId } = await stores[0]!.startExecution(retryCatchFlow, {});
      await world.run(executionId, stores);

      // then
      expect(faulty.stats.aborted).toBeGreaterThan(0);
      const { head, events } = await assertInvariants(t.db, executionId, {
        launches: dispatcher,
        quiescent: true,
      });
      expect(head.status).toBe('SUCCEEDED');
      expect(head.steps['Fan/0/Rescue']?.status).toBe('SUCCEEDED');
      expect(events.filter((e) => e.type === 'StepFailed').length).toBe(3); // attempt 1 + 2 retries
      console.log(
        `ABORTED p=${p}: ${faulty.stats.aborted} aborted of ${faulty.stats.transactions} transactions, ${world.redelivered} redeliveries`,
      );
    });
  }

  it('given every transaction aborted (p = 1.0), when a completion is applied, then STORE_UNAVAILABLE (retryable) and nothing at all was written; the redelivery later applies it once', async () => {
    // given
    const dispatcher = new FaultyDispatcher();
    const clean = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await clean.startExecution(chainFlow, {});
    const before = await assertInvariants(t.db, executionId);
    const signalsBefore = await documents(`executions/${executionId}/signals`);
    const faulty = faultyFirestore(t.db, { abortProbability: 1 });
    const jammed = new ExecutionStore({ db: faulty.db, dispatcher });

    // when
    const error = await jammed.apply(executionId, succeeded('A')).catch((e: unknown) => e);

    // then
    expect(isFirestepError(error, 'STORE_UNAVAILABLE')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
    expect(isTransient(error)).toBe(true);
    expect(faulty.stats.committed).toBe(0);
    const after = await assertInvariants(t.db, executionId);
    expect(after).toEqual(before);
    expect(await documents(`executions/${executionId}/signals`)).toEqual(signalsBefore);
    expect(await documents(`executions/${executionId}/inbox`)).toEqual([]);
    expect((await t.db.doc(`leases/${executionId}`).get()).exists).toBe(false);
    expect(dispatcher.launchesOf(executionId).get('B#1')).toBeUndefined();

    // and through the engine's message path the same fault is thrown (the push answers 5xx), not dead-lettered
    const jammedDeps = {
      ingestDeps: {
        lookup: { lookup: (key: CorrelationKey) => jammed.lookupCorrelation(key) },
        apply: (id: string, signal: Signal) => jammed.apply(id, signal),
        deadLetters: firestoreDeadLetters(t.db),
      },
    };
    const timerMessage = {
      kind: 'firestep.timer',
      executionId,
      path: 'A',
      attempt: 1,
      timer: 'timeout',
      commandId: 'timer-timeout~A~1',
    };
    const pushed = await handleEngineMessage(timerMessage, jammedDeps).catch((e: unknown) => e);
    expect(isFirestepError(pushed, 'STORE_UNAVAILABLE')).toBe(true);
    expect(await documents('deadletters')).toEqual([]);
    expect(await assertInvariants(t.db, executionId)).toEqual(before);

    // and when Pub/Sub redelivers once Firestore is healthy
    expect((await clean.apply(executionId, succeeded('A'))).status).toBe('applied');
    await assertInvariants(t.db, executionId, { launches: dispatcher, quiescent: true });
    expect(dispatcher.launchesOf(executionId).get('B#1')).toBe(1);
  });
});

describe('the commit succeeds but the caller sees a timeout', () => {
  it('given the client times out after the commit, when the store retries the transaction itself, then the retry is a duplicate and B is launched once', async () => {
    // given
    const timeouts = { left: 0 };
    const faulty = faultyFirestore(t.db, { timeoutAfterCommit: () => timeouts.left-- > 0 });
    const dispatcher = new FaultyDispatcher();
    const store = new ExecutionStore({ db: faulty.db, dispatcher });
    const { executionId } = await store.startExecution(chainFlow, {});

    // when
    timeouts.left = 1;
    const result = await store.apply(executionId, succeeded('A'));
    const redelivery = await store.apply(executionId, succeeded('A'));

    // then: applied exactly once, whatever the first answer said
    expect(faulty.stats.timedOutAfterCommit).toBe(1);
    expect(['applied', 'duplicate']).toContain(result.status);
    expect(redelivery.status).toBe('duplicate');
    const { events } = await assertInvariants(t.db, executionId, { launches: dispatcher, quiescent: true });
    expect(events.filter((e) => e.type === 'StepSucceeded').length).toBe(1);
    expect(dispatcher.launchesOf(executionId).get('B#1')).toBe(1);
  });

  it('given the apply fails after its commit (the function times out), when Pub/Sub redelivers, then the redelivery is a duplicate, B is launched once and nothing is doubled', async () => {
    // given
    const timeout = once(grpcError(4, 'DEADLINE_EXCEEDED: injected after commit'));
    const dispatcher = new FaultyDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher, faults: { afterCommit: () => timeout.fire() } });
    const { executionId } = await store.startExecution(chainFlow, {});

    // when
    timeout.armed = true;
    const first = await store.apply(executionId, succeeded('A')).catch((e: unknown) => e);
    const redelivery = await store.apply(executionId, succeeded('A'));

    // then
    expect(isTransient(first)).toBe(true);
    expect(redelivery.status).toBe('duplicate');
    const { events } = await assertInvariants(t.db, executionId, { launches: dispatcher, quiescent: true });
    expect(events.filter((e) => e.type === 'StepSucceeded').length).toBe(1);
    expect(dispatcher.launchesOf(executionId).get('B#1')).toBe(1);
  });
});

describe('a crash between commit and dispatch', () => {
  const crash = () => once(new Error('injected crash: the instance died'));

  it('given a crash right after A’s completion committed, when the next signal of the execution arrives, then B is dispatched exactly once', async () => {
    // given
    const c = crash();
    const dispatcher = new FaultyDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher, faults: { afterCommit: () => c.fire() } });
    const { executionId } = await store.startExecution(chainFlow, {});
    c.armed = true;
    await expect(store.apply(executionId, succeeded('A'))).rejects.toThrow(/injected crash/);
    expect((await store.listPendingCommands(executionId)).map((e) => e.commandId)).toEqual(['launch~B~1']);
    expect(dispatcher.launchesOf(executionId).get('B#1')).toBeUndefined();

    // when: any later signal (here the redelivered completion) reaches another worker
    const other = new ExecutionStore({ db: t.db, dispatcher });
    await other.apply(executionId, succeeded('A'));
    await other.apply(executionId, succeeded('A'));

    // then
    await assertInvariants(t.db, executionId, { launches: dispatcher, quiescent: true });
    expect(dispatcher.launchesOf(executionId).get('B#1')).toBe(1);
  });

  const seams: Array<{ name: string; faults: (fire: () => void) => StoreFaults }> = [
    { name: 'after commit', faults: (fire) => ({ afterCommit: fire }) },
    { name: 'before dispatch', faults: (fire) => ({ beforeDispatch: fire }) },
  ];
  for (const seam of seams) {
    it(`given a crash ${seam.name} of a named start, when the start is retried and sweepPending runs twice, then the first launch is dispatched exactly once`, async () => {
      // given
      const c = crash();
      const dispatcher = new FaultyDispatcher();
      const store = new ExecutionStore({ db: t.db, dispatcher, faults: seam.faults(() => c.fire()) });
      c.armed = true;
      await expect(store.startExecution(chainFlow, {}, { name: `crash-${seam.name}` })).rejects.toThrow(
        /injected crash/,
      );

      // when
      const retried = await store.startExecution(chainFlow, {}, { name: `crash-${seam.name}` });
      const sweeper = new ExecutionStore({ db: t.db, dispatcher });
      await sweeper.sweepPending();
      await sweeper.sweepPending();

      // then
      expect(retried.created).toBe(false);
      await assertInvariants(t.db, retried.executionId, { launches: dispatcher, quiescent: true });
      expect(dispatcher.launchesOf(retried.executionId).get('A#1')).toBe(1);
    });
  }

  it('given a crash after A’s completion committed and no further signal, when sweepPending runs (twice), then B is dispatched exactly once', async () => {
    // given
    const c = crash();
    const dispatcher = new FaultyDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher, faults: { afterCommit: () => c.fire() } });
    const { executionId } = await store.startExecution(chainFlow, {});
    c.armed = true;
    await expect(store.apply(executionId, succeeded('A'))).rejects.toThrow(/injected crash/);

    // when
    const sweeper = new ExecutionStore({ db: t.db, dispatcher });
    const first = await sweeper.sweepPending();
    const second = await sweeper.sweepPending();

    // then
    expect(first.dispatched).toBeGreaterThanOrEqual(1);
    expect(second.dispatched).toBe(0);
    await assertInvariants(t.db, executionId, { launches: dispatcher, quiescent: true });
    expect(dispatcher.launchesOf(executionId).get('B#1')).toBe(1);
  });

  it('given a crash after the platform accepted B but before the outcome was recorded, when the claim expires and a sweep runs, then the same command id is dispatched again (the idempotency key) and the receipt is recorded once', async () => {
    // given
    const time = steppingClock();
    const c = crash();
    const dispatcher = new FaultyDispatcher();
    const store = new ExecutionStore({
      db: t.db,
      dispatcher,
      clock: time.clock,
      faults: { afterDispatch: () => c.fire() },
    });
    const { executionId } = await store.startExecution(chainFlow, {});
    c.armed = true;
    await expect(store.apply(executionId, succeeded('A'))).rejects.toThrow(/injected crash/);
    const sweeper = new ExecutionStore({ db: t.db, dispatcher, clock: time.clock });
    expect((await sweeper.sweepPending()).dispatched).toBe(0); // still claimed by the dead worker

    // when
    time.advance(6 * 60_000);
    await sweeper.sweepPending();

    // then
    const bDispatches = dispatcher.calls.filter(
      (x) => x.command.executionId === executionId && x.command.path === 'B',
    );
    expect(bDispatches.map((x) => x.command.id)).toEqual(['launch~B~1', 'launch~B~1']);
    const { events } = await assertInvariants(t.db, executionId, { quiescent: true });
    expect(events.filter((e) => e.type === 'StepLaunched' && e.path === 'B').length).toBe(1);
  });

  it('given crashes injected at random after 30% of commits, when a flow is driven by redeliveries and sweeps, then it ends SUCCEEDED with every launch dispatched exactly once', async () => {
    // given
    const random = prng(42);
    let crashes = 0;
    const time = steppingClock();
    const dispatcher = new FaultyDispatcher();
    dispatcher.idempotent = true;
    const faults: StoreFaults = {
      afterCommit: () => {
        if (random() < 0.3) {
          crashes++;
          throw Object.assign(new Error('injected crash after commit'), { code: 14 });
        }
      },
    };
    const store = new ExecutionStore({ db: t.db, dispatcher, faults, clock: time.clock });
    const world = new World(dispatcher, {
      outcomeOf: (path) => (path.endsWith('/Left') ? 'failed' : 'succeeded'),
    });
    const watch = new StatusWatch();
    let executionId: string | undefined;
    for (let i = 0; executionId === undefined; i++) {
      executionId = await store.startExecution(retryCatchFlow, {}, { name: 'random-crashes' }).then(
        (r) => r.executionId,
        () => undefined,
      );
      if (i > 20) throw new Error('could not start');
    }

    // when
    const healthy = new ExecutionStore({ db: t.db, dispatcher, clock: time.clock });
    await world.run(executionId, [store, healthy], { advanceClock: () => time.advance(6 * 60_000) });

    // then
    expect(crashes).toBeGreaterThan(0);
    console.log(
      `random crashes: ${crashes} crashes, ${world.redelivered} redeliveries, ${dispatcher.adopted} re-dispatches adopted`,
    );
    const { head } = await assertInvariants(t.db, executionId, {
      launches: dispatcher,
      quiescent: true,
      watch,
    });
    expect(head.status).toBe('SUCCEEDED');
    await assertInvariants(t.db, executionId, { watch });
  });
});
