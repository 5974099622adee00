/**
 * The outbox after commit: commands survive a crash between commit and dispatch and are dispatched
 * exactly once afterwards; dispatch outcomes (retry, failure, synchronous completion, extra
 * correlation keys) are recorded.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { DispatchOutcome } from '../../engine/ports/index.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { testFirestore } from '../support/firestore.ts';
import { fanOutFlow, manualClock, RecordingDispatcher, succeeded, twoStepFlow } from './support.ts';

const transient: DispatchOutcome = {
  status: 'retry',
  error: { name: 'States.LaunchFailed', kind: 'launch', message: '503 from the target' },
  retryAfterSeconds: 30,
};

describe('outbox', () => {
  const t = testFirestore('store-outbox');
  afterAll(() => t.cleanup());

  it('given a crash between commit and dispatch, when the next signal is applied, then every pending command is dispatched exactly once', async () => {
    // given: the transaction that completes A commits, then the worker "crashes"
    const dispatcher = new RecordingDispatcher();
    const healthy = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await healthy.startExecution(twoStepFlow(), {});
    const crashing = new ExecutionStore({
      db: t.db,
      dispatcher,
      faults: {
        afterCommit: () => {
          throw new Error('crash after commit');
        },
      },
    });
    await expect(crashing.apply(executionId, succeeded('A', 1))).rejects.toThrow('crash after commit');
    expect((await healthy.listPendingCommands(executionId)).map((c) => c.commandId)).toEqual(['launch~B~1']);
    expect(dispatcher.launchCounts().get(`${executionId} B#1`)).toBeUndefined();

    // when: the same completion is redelivered (a duplicate)
    const redelivered = await healthy.apply(executionId, succeeded('A', 1));

    // then
    expect(redelivered.status).toBe('duplicate');
    expect(dispatcher.launchCounts().get(`${executionId} B#1`)).toBe(1);
    expect(await healthy.listPendingCommands(executionId)).toEqual([]);
    expect((await healthy.getHead(executionId))?.steps.B?.status).toBe('RUNNING');
  });

  it('given a crash before dispatch on a 20-branch fan-out, when two sweepers run at once, then each command is dispatched exactly once', async () => {
    // given
    const dispatcher = new RecordingDispatcher();
    const crashing = new ExecutionStore({
      db: t.db,
      dispatcher,
      faults: {
        beforeDispatch: () => {
          throw new Error('crash before dispatch');
        },
      },
    });
    await expect(crashing.startExecution(fanOutFlow(20), {}, { name: 'sweep-me' })).rejects.toThrow(
      'crash before dispatch',
    );
    expect(dispatcher.calls).toHaveLength(0);

    // when
    const sweepers = [1, 2].map(() => new ExecutionStore({ db: t.db, dispatcher }));
    const reports = await Promise.all(sweepers.map((s) => s.sweepPending()));

    // then
    const counts = dispatcher.launchCounts();
    expect(counts.size).toBe(20);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(reports.reduce((sum, r) => sum + r.dispatched, 0)).toBe(20);
    const executionId = 'fan-20~sweep-me';
    const head = await sweepers[0]!.getHead(executionId);
    expect(Object.values(head?.steps ?? {}).filter((s) => s.status === 'RUNNING')).toHaveLength(20);
    expect(await sweepers[0]!.listPendingCommands(executionId)).toEqual([]);
  });

  it('given a transient dispatch failure, when swept before and after its backoff, then it stays PENDING with the error and is retried once due', async () => {
    // given
    const time = manualClock();
    const dispatcher = new RecordingDispatcher();
    dispatcher.respond = (command, call) =>
      call === 1
        ? transient
        : { status: 'launched', receipt: { target: 'CloudFunction', url: `https://x/${command.id}` } };
    const store = new ExecutionStore({ db: t.db, dispatcher, clock: time.clock });
    const { executionId } = await store.startExecution(twoStepFlow(), {});
    const [pending] = await store.listPendingCommands(executionId);
    expect(pending).toMatchObject({
      status: 'PENDING',
      attempts: 1,
      lastError: { message: '503 from the target' },
    });
    expect(pending?.nextAttemptAt).toBe('2026-01-01T00:00:30.000Z');

    // when
    const early = await store.sweepPending();
    time.advance(30_000);
    const due = await store.sweepPending();

    // then
    expect(early.dispatched).toBe(0);
    expect(due.dispatched).toBe(1);
    expect(await store.listPendingCommands(executionId)).toEqual([]);
    expect((await store.getHead(executionId))?.steps.A).toMatchObject({
      status: 'RUNNING',
      receipt: { url: 'https://x/launch~A~1' },
    });
  });

  it('given a dispatcher that keeps failing transiently, when attempts run out, then the command is FAILED and the step fails with the launch error', async () => {
    // given
    const time = manualClock();
    const dispatcher = new RecordingDispatcher();
    dispatcher.respond = () => ({ ...transient, retryAfterSeconds: 0 });
    const store = new ExecutionStore({ db: t.db, dispatcher, clock: time.clock, maxDispatchAttempts: 3 });

    // when
    const { executionId } = await store.startExecution(twoStepFlow(), {});

    // then
    expect(dispatcher.calls).toHaveLength(3);
    const head = await store.getHead(executionId);
    expect(head?.status).toBe('FAILED');
    expect(head?.steps.A?.error?.message).toContain('gave up after 3 dispatch attempts');
  });

  it('given a dispatcher that throws, when the command is dispatched, then it is treated as transient and stays PENDING', async () => {
    const dispatcher = new RecordingDispatcher();
    dispatcher.respond = () => {
      throw new Error('socket hang up');
    };
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await store.startExecution(twoStepFlow(), {});
    const [pending] = await store.listPendingCommands(executionId);
    expect(pending).toMatchObject({
      status: 'PENDING',
      attempts: 1,
      lastError: { message: 'socket hang up' },
    });
  });

  it('given a terminal launch failure, when dispatched, then the step and the execution fail and the command is FAILED', async () => {
    const dispatcher = new RecordingDispatcher();
    dispatcher.respond = () => ({
      status: 'failed',
      error: { name: 'States.LaunchFailed', kind: 'launch', message: '404 no such function' },
    });
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await store.startExecution(twoStepFlow(), {});
    const head = await store.getHead(executionId);
    expect(head?.status).toBe('FAILED');
    expect(head?.steps.A).toMatchObject({ status: 'FAILED', error: { message: '404 no such function' } });
    expect(await store.listPendingCommands(executionId)).toEqual([]);
  });

  it('given a synchronous target, when its launch returns the completion, then launch and success are recorded and the next step is launched', async () => {
    const dispatcher = new RecordingDispatcher();
    dispatcher.respond = (command) =>
      command.kind === 'launch'
        ? {
            status: 'launched',
            receipt: { target: 'Http' },
            completion: { outcome: 'succeeded', output: { from: command.path } },
          }
        : { status: 'done' };
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await store.startExecution(twoStepFlow(), {});
    const head = await store.getHead(executionId);
    expect(head?.status).toBe('SUCCEEDED');
    expect(head?.output).toEqual({ from: 'B' });
    const types = (await store.readEvents(executionId)).map((e) => e.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'StepLaunched',
      'StepSucceeded',
      'StepLaunched',
      'StepSucceeded',
      'ExecutionSucceeded',
    ]);
  });

  it('given extra correlation keys in a launch outcome, when dispatched, then both the pre-launch trace key and the extra key point at the attempt', async () => {
    const dispatcher = new RecordingDispatcher();
    dispatcher.respond = (command) => ({
      status: 'launched',
      receipt: { target: 'Dataflow', jobId: `job-${command.path}` },
      extraCorrelationKeys: [{ kind: 'dataflowJob', value: `job-${command.path}` }],
    });
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await store.startExecution(twoStepFlow(), {});
    const trace = dispatcher.calls[0]?.kind === 'launch' ? dispatcher.calls[0].trace.traceId : '';
    const expected = {
      executionId,
      step: 'A',
      path: 'A',
      attempt: 1,
      commandId: 'launch~A~1',
      targetType: 'CloudFunction',
    };
    expect(await store.lookupCorrelation({ kind: 'trace', value: trace })).toEqual(expected);
    expect(await store.lookupCorrelation({ kind: 'dataflowJob', value: 'job-A' })).toEqual(expected);
    expect(await store.lookupCorrelation({ kind: 'dataflowJob', value: 'job-unknown' })).toBeUndefined();
  });
});
