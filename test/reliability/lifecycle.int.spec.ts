/**
 * An execution's life under an unlucky production: executions in flight across an engine upgrade,
 * cancels racing launches, late callbacks, timers that cannot be scheduled, names reused after
 * retention. Each case goes through the real engine path (`handleEngineMessage` / the store /
 * the dispatcher) on the Firestore emulator and the protocol fakes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../adapters/dispatcher.ts';
import { lazyCloudTasksClient } from '../../adapters/shared/http-task.ts';
import { CloudTasksTimerScheduler } from '../../adapters/timers/cloud-tasks.ts';
import { traceFor } from '../../engine/core/trace.ts';
import { cloudFunction, defineFlow, task } from '../../engine/flow/index.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { handleEngineMessage } from '../../runtime/handle-message.ts';
import { LOCAL_CALLBACK_SECRET } from '../../runtime/local-config.ts';
import { call, serveApi } from './support/http.ts';
import { assertInvariants } from './support/invariants.ts';
import { endLine, eventually, pushBody, type RelRuntime, startRuntime } from './support/runtime.ts';

const loc = { project_id: 'rel-l', region: 'europe-west1' } as const;
const chain = defineFlow({
  id: 'rel-l-chain',
  start: 'A',
  steps: {
    A: task(cloudFunction('rel-l-a', loc), { next: 'B' }),
    B: task(cloudFunction('rel-l-b', loc), { end: true }),
  },
});

let r: RelRuntime;
const handle = (raw: unknown) => handleEngineMessage(raw, r.runtime, { via: 'push' });

beforeAll(async () => {
  r = await startRuntime([chain]);
}, 60_000);
afterAll(() => r.close());

describe('keyed trace ids (forged completions)', () => {
  it('given a new execution, then its head records traceKeyVersion 1 and its launches carry the keyed trace, not the public one', async () => {
    // given / when
    const { executionId } = await r.runtime.store.startExecution(chain, { case: 'keyed' });

    // then
    const keyed = traceFor(executionId, 'A', 1, LOCAL_CALLBACK_SECRET).traceId;
    const end = await eventually(() => endLine(r.entries, keyed));
    expect(end).toBeDefined();
    expect(endLine(r.entries, traceFor(executionId, 'A', 1).traceId)).toBeUndefined();
    const head = await r.runtime.store.getHead(executionId);
    expect((head as { traceKeyVersion?: number } | undefined)?.traceKeyVersion).toBe(1);
  });

  it('given an execution started before keyed traces (unkeyed), when its unkeyed completions arrive after the upgrade, then it still runs to SUCCEEDED', async () => {
    // given: a store of the previous release (no trace key) starts it
    const before = new ExecutionStore({ db: r.runtime.db, dispatcher: r.runtime.dispatcher });
    const { executionId } = await before.startExecution(chain, { case: 'in flight across the upgrade' });

    // when: the upgraded engine receives its completions, with the unkeyed traces
    for (const path of ['A', 'B']) {
      const line = await eventually(() => endLine(r.entries, traceFor(executionId, path, 1).traceId));
      expect((await handle(pushBody(line, `legacy-${path}`))).status).toBe('applied');
    }

    // then
    const { head } = await assertInvariants(r.runtime.db, executionId);
    expect(head.status).toBe('SUCCEEDED');
    expect((head as { traceKeyVersion?: number }).traceKeyVersion).toBeUndefined();
  });
});

describe('launch after cancel', () => {
  const cancel = { kind: 'cancel' as const, reason: 'stopped by the test', source: { kind: 'api' as const } };
  const launchesOf = (executionId: string) =>
    r.entries.filter((e) => {
      const t = String((e as { trace?: string }).trace ?? '');
      return t.endsWith(traceFor(executionId, 'A', 1, LOCAL_CALLBACK_SECRET).traceId);
    });

  it('given a start whose first launch is still PENDING in the outbox (crash after commit), when the execution is cancelled and the outbox is swept, then the launch is settled in the cancel’s transaction and never dispatched', async () => {
    // given
    let armed = true;
    const crashing = new ExecutionStore({
      db: r.runtime.db,
      dispatcher: r.runtime.dispatcher,
      traceKey: LOCAL_CALLBACK_SECRET,
      faults: {
        afterCommit: () => {
          if (!armed) return;
          armed = false;
          throw new Error('injected crash after commit');
        },
      },
    });
    await expect(crashing.startExecution(chain, {}, { name: 'cancel-pending' })).rejects.toThrow(
      /injected crash/,
    );
    const executionId = 'rel-l-chain~cancel-pending';
    expect((await r.runtime.store.listPendingCommands(executionId)).map((c) => c.commandId)).toEqual([
      'launch~A~1',
    ]);

    // when
    expect((await r.runtime.store.apply(executionId, cancel)).status).toBe('applied');
    await r.runtime.store.sweepPending();
    await r.runtime.store.sweepPending();

    // then
    const { head, events } = await assertInvariants(r.runtime.db, executionId, { quiescent: true });
    expect(head.status).toBe('CANCELLED');
    const types = events.map((e) => e.type);
    expect(types.slice(types.indexOf('ExecutionCancelled'))).not.toContain('StepLaunched');
    expect(launchesOf(executionId)).toEqual([]);
    const command = await r.runtime.db.doc(`executions/${executionId}/commands/launch~A~1`).get();
    expect(command.get('status')).toBe('DONE');
    expect(command.get('settledBy')).toBe('ExecutionCancelled');
  });

  it('given a launch whose dispatcher crashed mid-dispatch (DISPATCHING, claim expired), when the execution is cancelled and the outbox is swept, then the dispatcher sees the execution is no longer RUNNING and does not launch', async () => {
    // given
    let armed = true;
    const crashing = new ExecutionStore({
      db: r.runtime.db,
      dispatcher: r.runtime.dispatcher,
      traceKey: LOCAL_CALLBACK_SECRET,
      faults: {
        afterCommit: () => {
          if (!armed) return;
          armed = false;
          throw new Error('injected crash after commit');
        },
      },
    });
    await expect(crashing.startExecution(chain, {}, { name: 'cancel-dispatching' })).rejects.toThrow(
      /injected crash/,
    );
    const executionId = 'rel-l-chain~cancel-dispatching';
    const ref = r.runtime.db.doc(`executions/${executionId}/commands/launch~A~1`);
    const past = new Date(Date.now() - 60_000).toISOString();
    await ref.update({ status: 'DISPATCHING', claimedUntil: past, nextAttemptAt: past });

    // when
    expect((await r.runtime.store.apply(executionId, cancel)).status).toBe('applied');
    await r.runtime.store.sweepPending();

    // then
    const { head, events } = await assertInvariants(r.runtime.db, executionId, { quiescent: true });
    expect(head.status).toBe('CANCELLED');
    expect(events.map((e) => e.type)).not.toContain('StepLaunched');
    expect(launchesOf(executionId)).toEqual([]);
    expect((await ref.get()).get('status')).toBe('DONE');
  });
});

describe('timers that cannot be scheduled (issue 13 item 10)', () => {
  const flaky = defineFlow({
    id: 'rel-l-retry',
    start: 'A',
    steps: {
      A: task(cloudFunction('rel-l-retry-a', loc), {
        retry: { max_attempts: 2, interval_seconds: 1 },
        end: true,
      }),
    },
  });
  const failure = {
    kind: 'completed' as const,
    outcome: 'failed' as const,
    path: 'A',
    attempt: 1,
    error: { name: 'States.TaskFailed', kind: 'function' as const, message: 'status 500' },
    source: { kind: 'log' as const, id: 'rel-l-retry-fail' },
  };

  it('given Cloud Tasks without credentials (the API recipe run locally), when a retry timer is due, then the outbox fires it itself on the sweep and the step is retried — never stranded in RETRY_SCHEDULED', async () => {
    // given: a store whose timers go to Cloud Tasks with no credentials (ADC lookup fails)
    const noCredentials = createDispatcher({
      launchers: [],
      timers: new CloudTasksTimerScheduler({
        queue: {
          client: lazyCloudTasksClient({ apiEndpoint: '127.0.0.1', port: 9, protocol: 'http' }),
          queue: 'projects/rel-l/locations/europe-west1/queues/firestep',
        },
        apiUrl: 'http://127.0.0.1:9',
      }),
    });
    const store = new ExecutionStore({
      db: r.runtime.db,
      traceKey: LOCAL_CALLBACK_SECRET,
      dispatcher: {
        correlationKeys: (c) => r.runtime.dispatcher.correlationKeys(c),
        dispatch: (c) => (c.kind === 'timer' ? noCredentials.dispatch(c) : r.runtime.dispatcher.dispatch(c)),
      },
    });
    const { executionId } = await store.startExecution(flaky, {}, { name: 'timer-no-credentials' });

    // when: attempt 1 fails, the retry timer cannot be scheduled; the sweep runs as Cloud Scheduler would
    expect((await store.apply(executionId, failure)).status).toBe('applied');
    const timer = r.runtime.db.doc(`executions/${executionId}/commands/timer-retry~A~2`);
    expect((await timer.get()).get('status')).toBe('PENDING');
    const retried = await eventually(async () => {
      await store.sweepPending();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const head = await store.getHead(executionId);
      return head?.steps.A?.attempt === 2 ? head : undefined;
    }, 20_000);

    // then
    expect(retried?.steps.A?.status).not.toBe('RETRY_SCHEDULED');
    const done = await timer.get();
    expect(done.get('status')).toBe('DONE');
    expect(done.get('settledBy')).toBe('fired by the outbox: Cloud Tasks could not schedule it');
    const { events } = await assertInvariants(r.runtime.db, executionId);
    expect(events.map((e) => e.type)).toContain('TimerFired');
  });
});

describe('names reused after retention (issue 13 item 4)', () => {
  const ok = (path: string, id: string) => ({
    kind: 'completed' as const,
    outcome: 'succeeded' as const,
    path,
    attempt: 1,
    output: { path },
    source: { kind: 'log' as const, id },
  });

  it('given a retention, when an execution finishes, then every document written for it (events, snapshots, signals, commands) carries the head’s expireAt', async () => {
    // given
    const store = new ExecutionStore({
      db: r.runtime.db,
      dispatcher: r.runtime.dispatcher,
      traceKey: LOCAL_CALLBACK_SECRET,
      retentionDays: 7,
    });
    const { executionId } = await store.startExecution(chain, {}, { name: 'retained' });

    // when
    await store.apply(executionId, ok('A', 'ret-a'));
    await store.apply(executionId, ok('B', 'ret-b'));

    // then
    const head = await r.runtime.db.doc(`executions/${executionId}`).get();
    const expireAt = head.get('expireAt') as { toMillis(): number } | undefined;
    expect(head.get('status')).toBe('SUCCEEDED');
    expect(expireAt).toBeDefined();
    const unstamped: string[] = [];
    let count = 0;
    for (const sub of await head.ref.listCollections()) {
      for (const doc of (await sub.get()).docs) {
        count++;
        const at = doc.get('expireAt') as { toMillis(): number } | undefined;
        if (at?.toMillis() !== expireAt?.toMillis()) unstamped.push(doc.ref.path);
      }
    }
    expect(count).toBeGreaterThan(5);
    expect(unstamped).toEqual([]);
  });

  it('given a finished execution whose head TTL deleted while its events remain, when the same name is started again (store and API), then a typed 409 EXECUTION_LEFTOVERS names what is left and when it expires — not ALREADY_EXISTS 500', async () => {
    // given
    const store = new ExecutionStore({
      db: r.runtime.db,
      dispatcher: r.runtime.dispatcher,
      traceKey: LOCAL_CALLBACK_SECRET,
      retentionDays: 7,
    });
    const { executionId } = await store.startExecution(chain, { n: 1 }, { name: 'reused' });
    await store.apply(executionId, ok('A', 'reuse-a'));
    await store.apply(executionId, ok('B', 'reuse-b'));
    await r.runtime.db.doc(`executions/${executionId}`).delete(); // what TTL does first, sometimes

    // when / then: through the store
    const error = await store.startExecution(chain, { n: 2 }, { name: 'reused' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EXECUTION_LEFTOVERS' });
    expect((error as Error).message).toMatch(/documents of it remain \(events\/.*they expire at \d{4}-/);

    // and through the API (its store has no retention: the first event is enough to tell)
    const api = await serveApi(r.runtime);
    try {
      const res = await call(api.url, 'POST', '/v1/executions', {
        flowId: chain.id,
        name: 'reused',
        input: { n: 2 },
      });
      expect(res.status).toBe(409);
      expect((res.body.error as { code?: string }).code).toBe('EXECUTION_LEFTOVERS');
    } finally {
      await api.close();
    }
  });
});
