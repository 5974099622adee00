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
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { traceFor } from '../../engine/core/trace.ts';
import { cloudFunction, defineFlow, task } from '../../engine/flow/index.ts';
import type { CallbackMessage } from '../../engine/signals/wire/callback.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { handleEngineMessage } from '../../runtime/handle-message.ts';
import { LOCAL_CALLBACK_SECRET } from '../../runtime/local-config.ts';
import { call, type Served, serveApi, serveEnginePush } from './support/http.ts';
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

/** Issue 13 item 5: Count reports `{rows: 42}` by callback; Load reads it. */
const lateFlow = (id: string, count: Parameters<typeof cloudFunction>[1], options: object = {}) =>
  defineFlow({
    id,
    start: 'Count',
    steps: {
      Count: task(cloudFunction(`${id}-count`, { ...loc, ...count }), {
        timeout_seconds: 600,
        ...options,
        next: 'Load',
      }),
      Load: task(cloudFunction(`${id}-load`, loc), {
        parameters: { rows: '$.steps.Count.output.rows ?? null' },
        end: true,
      }),
    },
  });
const waiting = lateFlow('rel-l-wait', { wait_for_callback: true });
const flaky = lateFlow(
  'rel-l-wait-retry',
  { wait_for_callback: true },
  { retry: { max_attempts: 1, interval_seconds: 1 } },
);
const silent = lateFlow('rel-l-wait-silent', { wait_for_callback: true }, { timeout_seconds: 5 });
const plain = lateFlow('rel-l-plain', {});
const timed = defineFlow({
  id: 'rel-l-timed',
  start: 'A',
  timeout_seconds: 3600,
  steps: {
    A: task(cloudFunction('rel-l-t-a', loc), { next: 'B' }),
    B: task(cloudFunction('rel-l-t-b', loc), { end: true }),
  },
});
const quick = defineFlow({
  id: 'rel-l-quick-timeout',
  start: 'A',
  timeout_seconds: 1,
  steps: { A: task(cloudFunction('rel-l-q-a', loc), { end: true }) },
});

let r: RelRuntime;
const handle = (raw: unknown) => handleEngineMessage(raw, r.runtime, { via: 'push' });

beforeAll(async () => {
  r = await startRuntime([chain, waiting, flaky, silent, plain, timed, quick]);
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

describe('a late callback’s output (issue 13 item 5)', () => {
  let push: Served;
  const ROWS = { rows: 42 };
  beforeAll(async () => {
    push = await serveEnginePush(r.runtime);
    for (const f of [waiting, silent, plain])
      r.host.setBehavior(`${f.id}-count`, { kind: 'handler', run: () => ROWS });
    r.host.setBehavior(`${flaky.id}-count`, {
      kind: 'handler',
      run: (_input, context) => {
        if (context?.attempt === 1) throw new Error('injected failure of attempt 1');
        return ROWS;
      },
    });
  });
  afterAll(() => push.close());

  let n = 0;
  /** POST one message to the engine's push endpoint, as the signal topic's push subscription does. */
  async function deliver(raw: unknown): Promise<string> {
    const res = await call(push.url, 'POST', '/', pushBody(raw, `late-${++n}`));
    expect(res.status, res.text).toBe(200);
    return String(res.body.status);
  }

  /** The platform's end line and the SDK callback of one attempt, as the fakes wrote them. */
  async function messagesOf(executionId: string, attempt = 1) {
    const trace = traceFor(executionId, 'Count', attempt, LOCAL_CALLBACK_SECRET).traceId;
    const line = await eventually(() => endLine(r.entries, trace));
    const callback = await eventually(() =>
      r.callbacks.find((c) => c.executionId === executionId && c.path === 'Count' && c.attempt === attempt),
    );
    if (line === undefined || callback === undefined) throw new Error(`no messages of ${executionId}`);
    return { line, callback };
  }

  /** Load's resolved input, once its launch is recorded. */
  async function loadInput(executionId: string) {
    const head = await eventually(async () => {
      const h = await r.runtime.store.getHead(executionId);
      return h?.steps.Load?.input === undefined ? undefined : h;
    }, 20_000);
    return head?.steps.Load?.input;
  }

  const forged = (c: CallbackMessage): CallbackMessage => ({
    ...c,
    id: `${c.id}-forged`,
    token: 'f'.repeat(43),
  });
  const typesOf = (events: ExecutionEvent[]) => events.map((e) => e.type);

  const ORDERS: { name: string; order: ('line' | 'callback')[]; expect: string[] }[] = [
    {
      name: 'line, line again, callback, callback again',
      order: ['line', 'line', 'callback', 'callback'],
      expect: ['applied', 'duplicate', 'applied', 'duplicate'],
    },
    {
      name: 'callback, callback again, line, line again',
      order: ['callback', 'callback', 'line', 'line'],
      expect: ['applied', 'duplicate', 'ignored', 'ignored'],
    },
    {
      name: 'line, callback, line again, callback again',
      order: ['line', 'callback', 'line', 'callback'],
      expect: ['applied', 'applied', 'duplicate', 'duplicate'],
    },
    {
      name: 'callback, line, callback again, line again',
      order: ['callback', 'line', 'callback', 'line'],
      expect: ['applied', 'ignored', 'duplicate', 'ignored'],
    },
  ];

  for (const [i, o] of ORDERS.entries()) {
    it(`given Count waiting for its callback, when a forged callback and then ${o.name} are pushed, then the forgery is dead-lettered, the end line only confirms, and Load is launched once with rows 42`, async () => {
      // given
      const { executionId } = await r.runtime.store.startExecution(waiting, {}, { name: `order-${i}` });
      const { line, callback } = await messagesOf(executionId);

      // when
      expect(await deliver(forged(callback))).toBe('deadLettered');
      const statuses = [];
      for (const which of o.order) statuses.push(await deliver(which === 'line' ? line : callback));

      // then
      expect(statuses).toEqual(o.expect);
      expect(await loadInput(executionId)).toEqual(ROWS);
      const { events } = await assertInvariants(r.runtime.db, executionId);
      const types = typesOf(events);
      expect(types.filter((t) => t === 'StepSucceeded')).toHaveLength(1);
      expect(types.includes('StepConfirmed')).toBe(o.order[0] === 'line');
      expect(types).not.toContain('LateOutputRejected');
      expect(events.find((e) => e.type === 'StepSucceeded')).toMatchObject({ path: 'Count', output: ROWS });
    });
  }

  it('given attempt 1 of a waiting Count failed (its end line says 500), when a success callback for attempt 1 arrives, then it is ignored, the retry runs, and attempt 2’s output reaches Load', async () => {
    // given
    const { executionId } = await r.runtime.store.startExecution(flaky, {}, { name: 'failed-attempt' });
    const first = await messagesOf(executionId, 1);
    expect(first.line.textPayload).toMatch(/status code: 500/);
    expect(await deliver(first.line)).toBe('applied');

    // when: attempt 1's callback, claiming success with another output
    const claim = {
      ...first.callback,
      id: `${first.callback.id}-late`,
      outcome: 'succeeded' as const,
      output: { rows: 1 },
    };
    delete (claim as { error?: unknown }).error;
    expect(await deliver(claim)).toBe('ignored');

    // then: attempt 2 (after the retry timer) calls back; its line comes last
    const second = await messagesOf(executionId, 2);
    expect(await deliver(second.callback)).toBe('applied');
    expect(await deliver(second.line)).toBe('ignored');
    expect(await loadInput(executionId)).toEqual(ROWS);
    const { events } = await assertInvariants(r.runtime.db, executionId);
    expect(typesOf(events)).toContain('StepRetryScheduled');
    expect(events.filter((e) => e.type === 'StepSucceeded' && e.path === 'Count')).toMatchObject([
      { attempt: 2, output: ROWS },
    ]);
  });

  it('given a waiting Count whose function ended well but never calls back, when its timeout is due, then the step times out with an error that says no callback came — it does not wait for ever', async () => {
    // given
    const { executionId } = await r.runtime.store.startExecution(silent, {}, { name: 'never-calls-back' });
    const { line } = await messagesOf(executionId);

    // when: only the end line arrives (the callback is lost)
    expect(await deliver(line)).toBe('applied');

    // then
    const head = await eventually(async () => {
      const h = await r.runtime.store.getHead(executionId);
      return h?.status === 'RUNNING' ? undefined : h;
    }, 20_000);
    expect(head?.status).toBe('FAILED');
    expect(head?.steps.Count).toMatchObject({ status: 'TIMED_OUT', confirmedAt: expect.any(String) });
    expect(head?.steps.Count?.error?.name).toBe('States.Timeout');
    expect(head?.steps.Count?.error?.message).toMatch(/timed out waiting for its callback/);
    await assertInvariants(r.runtime.db, executionId);
  });

  it('given a Count that does not wait (the default), when its end line comes first and the callback with rows 42 after, then the late output is recorded as LateOutputRejected with what to change — never silently dropped', async () => {
    // given
    const { executionId } = await r.runtime.store.startExecution(plain, {}, { name: 'default-late' });
    const { line, callback } = await messagesOf(executionId);

    // when
    expect(await deliver(line)).toBe('applied');
    expect(await loadInput(executionId)).toEqual({ rows: null });
    expect(await deliver(callback)).toBe('applied');
    expect(await deliver(callback)).toBe('duplicate');

    // then
    const { events } = await assertInvariants(r.runtime.db, executionId);
    const late = events.filter((e) => e.type === 'LateOutputRejected');
    expect(late).toMatchObject([{ path: 'Count', attempt: 1, output: ROWS, source: { kind: 'callback' } }]);
    expect((late[0] as { reason: string }).reason).toMatch(/"wait_for_callback": true/);
  });
});

describe('execution timeout (issue 18 item 6: flow timeout_seconds)', () => {
  const timerBody = (executionId: string, run = 1) => ({
    kind: 'firestep.timer',
    executionId,
    path: '$execution',
    attempt: run,
    timer: 'execution',
    commandId: `timer-execution~%24execution~${run}`,
  });
  const viaTimerRoute = (body: unknown) =>
    handleEngineMessage(body, r.runtime, {
      via: 'timer',
      route: { name: 'POST /v1/timers', accepts: ['timer'] },
    });
  const complete = async (executionId: string, path: string) => {
    const line = await eventually(() =>
      endLine(r.entries, traceFor(executionId, path, 1, LOCAL_CALLBACK_SECRET).traceId),
    );
    return handle(pushBody(line, `${executionId}-${path}`));
  };

  it('given a flow with timeout_seconds 1 whose step never reports, when the scheduled timer fires, then the execution ends TIMED_OUT with States.Timeout, its running step is stopped and a late completion changes nothing', async () => {
    // given / when: the local timer scheduler delivers the execution timer through the timer path
    const { executionId } = await r.runtime.store.startExecution(quick, { case: 'times out' });
    const head = await eventually(async () => {
      const h = await r.runtime.store.getHead(executionId);
      return h?.status === 'TIMED_OUT' ? h : undefined;
    }, 20_000);

    // then
    expect(head?.error?.name).toBe('States.Timeout');
    expect(head?.steps.A?.status).toBe('CANCELLED');
    expect((await complete(executionId, 'A')).status).toBe('ignored');
    const { events } = await assertInvariants(r.runtime.db, executionId);
    expect(events.filter((e) => e.type === 'ExecutionTimedOut')).toHaveLength(1);
    const timer = await r.runtime.db
      .doc(`executions/${executionId}/commands/timer-execution~%24execution~1`)
      .get();
    expect(timer.get('status')).toBe('DONE');
  });

  it('given an execution that succeeded first, when its timer is delivered (late, twice), then both are no-ops and it stays SUCCEEDED', async () => {
    // given
    const { executionId } = await r.runtime.store.startExecution(timed, { case: 'finishes first' });
    expect((await complete(executionId, 'A')).status).toBe('applied');
    expect((await complete(executionId, 'B')).status).toBe('applied');

    // when
    const late = [await viaTimerRoute(timerBody(executionId)), await viaTimerRoute(timerBody(executionId))];

    // then
    expect(late.map((o) => o.status)).toEqual(['ignored', 'ignored']);
    const { head, events } = await assertInvariants(r.runtime.db, executionId);
    expect(head.status).toBe('SUCCEEDED');
    expect(events.map((e) => e.type)).not.toContain('ExecutionTimedOut');
  });

  it('given a running execution, when its timer is delivered twice at once (Cloud Tasks redelivery), then exactly one ExecutionTimedOut; the redelivery changes nothing', async () => {
    // given: A finished, so B's launch is decided
    const { executionId } = await r.runtime.store.startExecution(timed, { case: 'duplicate timer' });
    expect((await complete(executionId, 'A')).status).toBe('applied');

    // when
    const outcomes = await Promise.all([
      viaTimerRoute(timerBody(executionId)),
      viaTimerRoute(timerBody(executionId)),
    ]);

    // then
    expect(outcomes.filter((o) => o.status === 'applied')).toHaveLength(1);
    const { head, events } = await assertInvariants(r.runtime.db, executionId);
    expect(head.status).toBe('TIMED_OUT');
    expect(events.filter((e) => e.type === 'ExecutionTimedOut')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionTimedOut', timeoutSeconds: 3600, run: 1 });
  });

  it('given a running execution, when its last completion and its timer race, then exactly one of SUCCEEDED / TIMED_OUT wins and the loser changes nothing', async () => {
    for (const round of [1, 2, 3]) {
      // given
      const { executionId } = await r.runtime.store.startExecution(timed, { case: 'race', round });
      expect((await complete(executionId, 'A')).status).toBe('applied');
      const lineB = await eventually(() =>
        endLine(r.entries, traceFor(executionId, 'B', 1, LOCAL_CALLBACK_SECRET).traceId),
      );

      // when
      const [done, timedOut] = await Promise.all([
        handle(pushBody(lineB, `${executionId}-B`)),
        viaTimerRoute(timerBody(executionId)),
      ]);

      // then
      const { head, events } = await assertInvariants(r.runtime.db, executionId);
      const terminal = events.filter(
        (e) => e.type === 'ExecutionSucceeded' || e.type === 'ExecutionTimedOut',
      );
      expect(terminal).toHaveLength(1);
      expect(head.status).toBe(terminal[0]?.type === 'ExecutionSucceeded' ? 'SUCCEEDED' : 'TIMED_OUT');
      expect([done.status, timedOut.status].sort()).toEqual(['applied', 'ignored']);
    }
  });
});
