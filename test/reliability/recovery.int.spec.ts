/**
 * What happens to messages that can never be applied, and to completions that never come: a poison
 * message redelivered by Pub/Sub lands in `deadletters` once (with its delivery count) and is
 * acknowledged every time; a lost completion is recovered by the step timeout — with the real
 * outcome when the platform can be asked (Dataflow `jobs.get`), as States.Timeout otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceFor } from '../../engine/core/trace.ts';
import { cloudFunction, dataflowFlex, defineFlow, task } from '../../engine/flow/index.ts';
import { handleEngineMessage } from '../../runtime/handle-message.ts';
import { LOCAL_CALLBACK_SECRET } from '../../runtime/local-config.ts';
import { assertInvariants } from './support/invariants.ts';
import { endLine, eventually, pushBody, type RelRuntime, startRuntime } from './support/runtime.ts';

const loc = { project_id: 'rel-r', region: 'europe-west1' } as const;
const oneCall = defineFlow({
  id: 'rel-r-call',
  start: 'Call',
  steps: { Call: task(cloudFunction('rel-r-fn', loc), { end: true }) },
});
const guarded = defineFlow({
  id: 'rel-r-guarded',
  start: 'Call',
  steps: { Call: task(cloudFunction('rel-r-hung', loc), { timeout_seconds: 60, end: true }) },
});
const guardedJob = defineFlow({
  id: 'rel-r-job',
  start: 'Job',
  steps: {
    Job: task(
      dataflowFlex('rel-r-job', {
        project_id: 'rel-r',
        region: 'europe-west4',
        container_gcs_path: 'gs://b/s.json',
      }),
      {
        parameters: { temp_location: 'gs://b/t' },
        timeout_seconds: 900,
        end: true,
      },
    ),
  },
});

let r: RelRuntime;
beforeAll(async () => {
  // timers run 1200× faster: a 60 s step timeout fires after 50 ms, 900 s after 750 ms
  r = await startRuntime([oneCall, guarded, guardedJob], { timerSpeedup: 1200 });
  r.host.setBehavior('rel-r-hung', { kind: 'lag' });
});
afterAll(() => r.close());

describe('a poison message', () => {
  it('given a completion whose execution was deleted (its correlation left behind), when Pub/Sub delivers it 5 times, then each delivery is acknowledged as dead-lettered and deadletters holds it once with 5 deliveries', async () => {
    // given: a genuine completion of a real execution, whose documents are then deleted
    const { executionId } = await r.runtime.store.startExecution(oneCall, {});
    const entry = await eventually(() =>
      endLine(r.entries, traceFor(executionId, 'Call', 1, LOCAL_CALLBACK_SECRET).traceId),
    );
    await r.runtime.db.recursiveDelete(r.runtime.db.collection('executions').doc(executionId));

    // when
    const outcomes = [];
    for (let i = 0; i < 5; i++)
      outcomes.push(await handleEngineMessage(pushBody(entry, 'poison-1'), r.runtime, { via: 'push' }));

    // then
    expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill('deadLettered'));
    expect(new Set(outcomes.map((o) => o.deadLetterId)).size).toBe(1);
    const letter = await r.runtime.db
      .collection('deadletters')
      .doc(outcomes[0]?.deadLetterId ?? '-')
      .get();
    expect(letter.get('deliveries')).toBe(5);
    expect(String(letter.get('reason'))).toContain('EXECUTION_NOT_FOUND');
    expect(letter.get('observation.executionId')).toBe(executionId);
  });
});

describe('a lost completion', () => {
  it('given a function that hangs and never logs its end, when the step timeout fires, then the step times out once and the execution fails with States.Timeout', async () => {
    // given
    const { executionId } = await r.runtime.store.startExecution(guarded, {});

    // when: nothing arrives but the timeout timer
    const head = await eventually(async () => {
      const h = await r.runtime.store.getHead(executionId);
      return h?.status === 'FAILED' ? h : undefined;
    });

    // then
    expect(head.error?.name).toBe('States.Timeout');
    const { events } = await assertInvariants(r.runtime.db, executionId, { quiescent: true });
    expect(events.filter((e) => e.type === 'StepTimedOut').length).toBe(1);
    // and the timer delivered again (Cloud Tasks is at-least-once) changes nothing
    const late = await handleEngineMessage(
      {
        kind: 'firestep.timer',
        executionId,
        path: 'Call',
        attempt: 1,
        timer: 'timeout',
        commandId: 'timer-timeout~Call~1',
      },
      r.runtime,
    );
    expect(late.status).toBe('duplicate');
    await assertInvariants(r.runtime.db, executionId, { quiescent: true });
  });

  it('given a Dataflow job that succeeded but whose log lines were all lost, when the step timeout fires, then jobs.get is asked and the step SUCCEEDS instead of timing out', async () => {
    // given: the job finishes; none of its log lines reach the engine (the runtime delivers none)
    const { executionId } = await r.runtime.store.startExecution(guardedJob, {});

    // when
    const head = await eventually(async () => {
      const h = await r.runtime.store.getHead(executionId);
      return h?.status !== 'RUNNING' ? h : undefined;
    });

    // then
    expect(head.status).toBe('SUCCEEDED');
    const { events } = await assertInvariants(r.runtime.db, executionId, { quiescent: true });
    expect(events.some((e) => e.type === 'StepTimedOut')).toBe(false);
    expect(events.find((e) => e.type === 'StepSucceeded')?.source?.kind).toBe('probe');
  });
});
