/**
 * `firestepEnginePush` over HTTP, as a Pub/Sub push subscription calls it: the real store on the
 * Firestore emulator, the real signal path, launches against the fake function host. The fakes'
 * platform log entries are pushed by the test, so each delivery (and redelivery) is explicit.
 */
import * as functions from '@google-cloud/functions-framework';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DATAFLOW_MESSAGES } from '../../adapters/fakes/index.ts';
import { traceFor } from '../../engine/core/trace.ts';
import { cloudFunction, dataflowFlex, defineFlow, end, task } from '../../engine/flow/index.ts';
import { engineCloudEventHandler } from '../../functions/engine/cloud-event.ts';
import { enginePushHandler } from '../../functions/engine/push.ts';
import { LOCAL_CALLBACK_SECRET } from '../../runtime/local-config.ts';
import { FlowRegistry } from '../../runtime/registry/registry.ts';
import {
  completionEntry,
  eventually,
  type Harness,
  idToken,
  pushBody,
  serve,
  startHarness,
  testPushAuth,
} from './support.ts';

const chain = defineFlow({
  id: 'chain',
  start: 'A',
  steps: {
    A: task(cloudFunction('fn-a', { project_id: 'p', region: 'europe-west1' }), { next: 'B' }),
    B: task(cloudFunction('fn-b', { project_id: 'p', region: 'europe-west1' }), { next: 'Done' }),
    Done: end(),
  },
});

const dataflowJob = (id: string) =>
  defineFlow({
    id,
    start: 'Job',
    steps: {
      Job: task(
        dataflowFlex(id, { project_id: 'p', region: 'europe-west4', container_gcs_path: 'gs://b/spec.json' }),
        {
          parameters: { temp_location: 'gs://b/temp' },
          end: true,
        },
      ),
    },
  });
const lagging = dataflowJob('df-lagging');
const prompt = dataflowJob('df-prompt');

let h: Harness;
let push: { url: string; close(): Promise<void> };
let cloudEvent: { url: string; close(): Promise<void> };
let faultArmed = false;

beforeAll(async () => {
  h = await startHarness({
    registry: FlowRegistry.of([chain, lagging, prompt]),
    prefix: 'engine-push',
    faults: {
      // A Firestore outage right after a commit: the error Firestore's client raises (gRPC UNAVAILABLE).
      afterCommit: () => {
        if (!faultArmed) return;
        faultArmed = false;
        throw Object.assign(new Error('14 UNAVAILABLE: injected outage'), { code: 14 });
      },
    },
  });
  // jobs.get keeps answering RUNNING for a minute after "Worker pool stopped." (the cloud's API lag).
  h.dataflow.setBehavior('df-lagging', { apiLagMs: 60_000 });
  functions.http(
    'firestepEnginePush',
    enginePushHandler(async () => h.runtime, testPushAuth(), h.projectId),
  );
  functions.cloudEvent(
    'firestepEngine',
    engineCloudEventHandler(async () => h.runtime, h.projectId),
  );
  push = await serve('firestepEnginePush');
  cloudEvent = await serve('firestepEngine');
});

afterAll(async () => {
  await push?.close();
  await cloudEvent?.close();
  await h?.close();
});

async function postPush(
  body: unknown,
  authorization: string | null = `Bearer ${idToken()}`,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${push.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}), ...headers },
    body: JSON.stringify(body),
  });
}

/** Start `chain` and wait until its first step's completion line was written by the fake host. */
async function startChain(): Promise<{
  executionId: string;
  entryA: NonNullable<ReturnType<typeof completionEntry>>;
}> {
  const { executionId } = await h.runtime.store.startExecution(chain, { n: 1 });
  const trace = traceFor(executionId, 'A', 1, LOCAL_CALLBACK_SECRET).traceId;
  const entryA = await eventually(() => completionEntry(h.entries, trace));
  // The launch receipt is recorded after the call was accepted; wait so that later counts are stable.
  await eventually(async () => (await h.runtime.store.getHead(executionId))?.steps.A?.receipt);
  return { executionId, entryA };
}

describe('firestepEnginePush', () => {
  it('given a launched step, when its gen1 completion log entry is pushed, then it is applied (200) and the next step is launched', async () => {
    const { executionId, entryA } = await startChain();

    const res = await postPush(pushBody(entryA));

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'applied', kind: 'cloudFunction', executionId });
    const head = await h.runtime.store.getHead(executionId);
    expect(head?.steps.A?.status).toBe('SUCCEEDED');
    const traceB = traceFor(executionId, 'B', 1, LOCAL_CALLBACK_SECRET).traceId;
    await eventually(() => h.host.invocations.find((i) => i.name === 'fn-b' && i.trace?.traceId === traceB));
  });

  it('given an applied entry, when the same entry is pushed again (a new message id), then 200 duplicate and no new events', async () => {
    const { executionId, entryA } = await startChain();
    expect((await postPush(pushBody(entryA, 'first'))).status).toBe(200);
    const before = await h.runtime.store.getHead(executionId);

    const res = await postPush(pushBody(entryA, 'redelivered'));

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'duplicate', executionId });
    const after = await h.runtime.store.getHead(executionId);
    expect(after?.lastSeq).toBe(before?.lastSeq);
  });

  it('given a push whose data is not JSON, when pushed, then 200 (acknowledged) and a dead letter keeps it with the reason', async () => {
    const res = await postPush(pushBody('{ this is not json', 'garbled-1'));

    expect(res.status).toBe(200);
    const outcome = (await res.json()) as { status: string; deadLetterId: string; reason: string };
    expect(outcome.status).toBe('deadLettered');
    const letter = await h.runtime.db.collection('deadletters').doc(outcome.deadLetterId).get();
    expect(letter.exists).toBe(true);
    expect(letter.data()).toMatchObject({ reason: outcome.reason });
    expect(String(letter.data()?.raw)).toContain('garbled-1');
  });

  it('given a well-formed entry no launch registered, when pushed, then 200 notOurs and nothing is written', async () => {
    const { entryA } = await startChain();
    const foreign = { ...entryA, trace: `projects/p/traces/${'f'.repeat(32)}`, insertId: 'foreign-1' };

    const res = await postPush(pushBody(foreign));

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'notOurs', kind: 'cloudFunction' });
  });

  it('given Firestore fails transiently while applying, when pushed, then 503 (Pub/Sub redelivers) and the redelivery is acknowledged', async () => {
    const { executionId, entryA } = await startChain();
    faultArmed = true;

    const failed = await postPush(pushBody(entryA, 'outage-1'));

    expect(failed.status).toBe(503);
    expect(await failed.json()).toMatchObject({ error: { code: 'STORE_UNAVAILABLE' } });
    const retried = await postPush(pushBody(entryA, 'outage-1'));
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as { status: string }).status).toMatch(/^(applied|duplicate)$/);
    const head = await h.runtime.store.getHead(executionId);
    expect(head?.steps.A?.status).toBe('SUCCEEDED');
  });

  it.each([
    ['no Authorization header', 401, () => null],
    ['a token signed by another key', 401, () => `Bearer ${idToken({}, true)}`],
    ['a token for another audience', 401, () => `Bearer ${idToken({ aud: 'https://elsewhere.example' })}`],
    ['an expired token', 401, () => `Bearer ${idToken({ exp: Math.floor(Date.now() / 1000) - 600 })}`],
    [
      'a genuine token of another service account',
      403,
      () => `Bearer ${idToken({ email: 'intruder@evil.iam.gserviceaccount.com' })}`,
    ],
  ])('given %s, when pushed, then %i and the message is not processed', async (_what, status, authorization) => {
    const { executionId, entryA } = await startChain();
    const before = await h.runtime.store.getHead(executionId);

    const res = await postPush(pushBody(entryA), authorization());

    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect((await h.runtime.store.getHead(executionId))?.lastSeq).toBe(before?.lastSeq);
  });
});

describe('firestepEnginePush logs', () => {
  it('given a request with a trace header, when it is rejected, then the structured log line links the trace', async () => {
    const lines: string[] = [];
    const previous = process.env.FIRESTEP_LOG;
    process.env.FIRESTEP_LOG = 'info';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const res = await postPush(pushBody({}), null, { 'x-cloud-trace-context': `${'b'.repeat(32)}/1;o=1` });
      expect(res.status).toBe(401);
    } finally {
      spy.mockRestore();
      process.env.FIRESTEP_LOG = previous;
    }

    const line = lines
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return []; // not one of firestep's structured lines
        }
      })
      .find((l) => l.message === 'push rejected');
    expect(line).toMatchObject({
      severity: 'WARNING',
      status: 401,
      'logging.googleapis.com/trace': `projects/${h.projectId}/traces/${'b'.repeat(32)}`,
    });
  });
});

describe('firestepEnginePush with Dataflow job messages', () => {
  /** Start a one-job flow and wait for the fake's "Worker pool stopped." entry of that job. */
  async function workerPoolStopped(flowId: string) {
    const { executionId } = await h.runtime.store.startExecution(h.runtime.registry.get(flowId)!, {});
    const jobName = await eventually(
      async () => (await h.runtime.store.getHead(executionId))?.steps.Job?.receipt?.jobName,
    );
    const entry = await eventually(() =>
      h.entries.find(
        (e) =>
          e.resource.labels.job_name === jobName && e.textPayload === DATAFLOW_MESSAGES.workerPoolStopped,
      ),
    );
    return { executionId, entry };
  }

  it('given "Worker pool stopped." while jobs.get still says RUNNING, when pushed, then 429 (redeliver later) and nothing is applied', async () => {
    const { executionId, entry } = await workerPoolStopped('df-lagging');
    const before = await h.runtime.store.getHead(executionId);

    const res = await postPush(pushBody(entry));

    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ error: { code: 'RETRY_LATER' } });
    expect((await h.runtime.store.getHead(executionId))?.lastSeq).toBe(before?.lastSeq);
  });

  it('given "Worker pool stopped." of a job jobs.get reports DONE, when pushed, then the step succeeds', async () => {
    const { executionId, entry } = await workerPoolStopped('df-prompt');
    await eventually(async () => {
      const jobId = (await h.runtime.store.getHead(executionId))?.steps.Job?.receipt?.jobId;
      return h.dataflow.jobs.get(String(jobId))?.job.currentState === 'JOB_STATE_DONE';
    });

    const res = await postPush(pushBody(entry));

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'applied', kind: 'dataflow', executionId });
    await eventually(async () => (await h.runtime.store.getHead(executionId))?.status === 'SUCCEEDED');
  });
});

describe('firestepEngine (CloudEvent)', () => {
  it('given a raw Pub/Sub push posted to the topic path, when the framework converts it to a CloudEvent, then it is applied', async () => {
    const { executionId, entryA } = await startChain();

    const res = await fetch(`${cloudEvent.url}/projects/test/topics/firestep-signals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(pushBody(entryA)),
    });

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'applied', executionId });
  });

  it('given an Eventarc statusChanged event in binary mode for a launched job, when delivered, then the terminal state is applied', async () => {
    const { executionId } = await h.runtime.store.startExecution(h.runtime.registry.get('df-prompt')!, {});
    const jobId = await eventually(
      async () => (await h.runtime.store.getHead(executionId))?.steps.Job?.receipt?.jobId,
    );
    const done = await eventually(() =>
      h.cloudEvents.find(
        (e) =>
          e.subject === `jobs/${jobId}` &&
          (e.data.payload as { currentState?: string }).currentState === 'JOB_STATE_DONE',
      ),
    );

    // Eventarc delivers binary content mode: attributes as ce-* headers, the data as the body.
    const res = await fetch(cloudEvent.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': done.specversion,
        'ce-id': done.id,
        'ce-type': done.type,
        'ce-source': done.source,
        'ce-subject': done.subject ?? '',
        'ce-time': done.time,
      },
      body: JSON.stringify(done.data),
    });

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'applied', kind: 'dataflow', executionId });
    await eventually(async () => (await h.runtime.store.getHead(executionId))?.status === 'SUCCEEDED');
  });

  it('given a structured CloudEvent that is not a completion, when delivered, then it is acknowledged as ignored', async () => {
    const res = await fetch(cloudEvent.url, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'evt-1',
        source: '//dataflow.googleapis.com/projects/p/locations/europe-west1',
        type: 'google.cloud.dataflow.job.v1beta3.statusChanged',
        subject: 'jobs/2024-01-01_00_00_00-1',
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data: {
          payload: {
            '@type': 'type.googleapis.com/google.events.cloud.dataflow.v1beta3.Job',
            id: '2024-01-01_00_00_00-1',
            currentState: 'JOB_STATE_RUNNING',
          },
        },
      }),
    });

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ignored' });
  });
});
