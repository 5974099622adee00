/**
 * A step timeout asks the platform first: the fake Dataflow service (real googleapis client, REST
 * v1b3) runs the job; its job messages are *not* delivered (a lost completion), and the timeout
 * timer arrives through the API's `/v1/timers` as Cloud Tasks would deliver it.
 */
import * as functions from '@google-cloud/functions-framework';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandId } from '../../engine/core/commands.ts';
import { dataflowFlex, defineFlow, task } from '../../engine/flow/index.ts';
import { createApiHandler } from '../../functions/api/handler.ts';
import { FlowRegistry } from '../../runtime/registry/registry.ts';
import { eventually, type Harness, serve, startHarness } from './support.ts';

const job = (id: string, name: string) =>
  defineFlow({
    id,
    start: 'Job',
    steps: {
      Job: task(
        dataflowFlex(name, {
          project_id: 'p',
          region: 'europe-west4',
          container_gcs_path: 'gs://b/spec.json',
        }),
        {
          parameters: { temp_location: 'gs://b/temp' },
          timeout_seconds: 3600,
          end: true,
        },
      ),
    },
  });
const done = job('tp-done', 'tp-done');
const slow = job('tp-slow', 'tp-slow');
const broken = job('tp-broken', 'tp-broken');

let h: Harness;
let api: { url: string; close(): Promise<void> };

beforeAll(async () => {
  h = await startHarness({ registry: FlowRegistry.of([done, slow, broken]), prefix: 'timeout' });
  h.dataflow.setBehavior('tp-slow', { outcome: 'lag' });
  h.dataflow.setBehavior('tp-broken', { outcome: 'fail', failCause: 'disk full' });
  functions.http(
    'firestepApi',
    createApiHandler(async () => h.runtime, { mode: 'disabled-local-only', audience: '' }),
  );
  api = await serve('firestepApi');
});

afterAll(async () => {
  await api?.close();
  await h?.close();
});

/** Start, then wait for the job to exist with the given state in the fake (its logs go nowhere). */
async function startJob(flowId: string, state: string): Promise<string> {
  const { executionId } = await h.runtime.store.startExecution(h.runtime.registry.get(flowId)!, {});
  const jobId = await eventually(
    async () => (await h.runtime.store.getHead(executionId))?.steps.Job?.receipt?.jobId,
  );
  await eventually(() => h.dataflow.jobs.get(String(jobId))?.job.currentState === state);
  return executionId;
}

async function deliverTimeout(executionId: string): Promise<Response> {
  return fetch(`${api.url}/v1/timers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      kind: 'firestep.timer',
      executionId,
      path: 'Job',
      attempt: 1,
      timer: 'timeout',
      commandId: commandId('timer-timeout', 'Job', 1),
    }),
  });
}

describe('timeout of a Dataflow step', () => {
  it('given a job that finished but whose completion log was lost, when the timeout fires, then the real success is recorded', async () => {
    const id = await startJob('tp-done', 'JOB_STATE_DONE');

    const res = await deliverTimeout(id);

    expect(res.status).toBe(200);
    const head = await eventually(async () => {
      const head = await h.runtime.store.getHead(id);
      return head?.status === 'SUCCEEDED' ? head : undefined;
    });
    expect(head.steps.Job?.status).toBe('SUCCEEDED');
    const events = await h.runtime.store.readEvents(id);
    expect(events.find((e) => e.type === 'StepSucceeded')?.source).toMatchObject({ kind: 'probe' });
    expect(events.some((e) => e.type === 'StepTimedOut')).toBe(false);
  });

  it('given a job that failed but whose failure log was lost, when the timeout fires, then the job failure (not a timeout) is recorded', async () => {
    const id = await startJob('tp-broken', 'JOB_STATE_FAILED');

    expect((await deliverTimeout(id)).status).toBe(200);

    const head = await eventually(async () => {
      const head = await h.runtime.store.getHead(id);
      return head?.status === 'FAILED' ? head : undefined;
    });
    expect(head.error?.name).not.toBe('States.Timeout');
    const events = await h.runtime.store.readEvents(id);
    expect(events.find((e) => e.type === 'StepFailed')).toMatchObject({ source: { kind: 'probe' } });
    expect(events.some((e) => e.type === 'StepTimedOut')).toBe(false);
  });

  it('given a job still running, when the timeout fires, then the step times out and the execution fails with States.Timeout', async () => {
    const id = await startJob('tp-slow', 'JOB_STATE_RUNNING');

    expect((await deliverTimeout(id)).status).toBe(200);

    const head = await eventually(async () => {
      const head = await h.runtime.store.getHead(id);
      return head?.status === 'FAILED' ? head : undefined;
    });
    expect(head.error?.name).toBe('States.Timeout');
    const events = await h.runtime.store.readEvents(id);
    expect(events.some((e) => e.type === 'StepTimedOut')).toBe(true);
  });

  it('given a timeout already applied, when the same timer is delivered again, then it is acknowledged and changes nothing', async () => {
    const id = await startJob('tp-slow', 'JOB_STATE_RUNNING');
    await deliverTimeout(id);
    await eventually(async () => (await h.runtime.store.getHead(id))?.status === 'FAILED');
    const before = await h.runtime.store.getHead(id);

    const again = await deliverTimeout(id);

    expect(again.status).toBe(200);
    expect((await h.runtime.store.getHead(id))?.lastSeq).toBe(before?.lastSeq);
  });
});
