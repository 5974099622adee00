/**
 * Dataflow confirmation against local servers speaking the Dataflow REST API (v1b3) through the real
 * googleapis client: the adapters' fake Dataflow service (jobs that really run, end with the real job
 * messages, and whose API can lag the logs), and a tiny scripted server for error answers.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { googleDataflowJobs } from '../../adapters/dataflow/jobs-client.ts';
import { type FakeDataflow, type LogEntry, startFakeDataflow } from '../../adapters/fakes/index.ts';
import { isFirestepError } from '../../engine/errors.ts';
import { ingest } from '../../engine/signals/ingest.ts';
import { testFirestore } from '../support/firestore.ts';
import { dataflowMessage, pushBody } from './fixtures.ts';
import { deps, recorder, register, target } from './support.ts';

process.env.FIRESTEP_LOG = 'silent';
const { db, cleanup } = testFirestore('signals-dataflow');
const PROJECT = 'acme-data';
const REGION = 'europe-west1';
let fake: FakeDataflow;
const entries: LogEntry[] = [];

beforeAll(async () => {
  fake = await startFakeDataflow({ onLogEntry: (e) => entries.push(e) });
  fake.setBehavior('ok-', { outcome: 'succeed', runMs: 20 });
  fake.setBehavior('bad-', { outcome: 'fail', runMs: 20 });
  fake.setBehavior('lag-', { outcome: 'succeed', runMs: 20, apiLagMs: 3000 });
});
afterAll(async () => {
  await fake.close();
  await cleanup();
});

/** Launch a flex template job on the fake, register its id like the store would, wait for "Worker pool stopped.". */
async function runJob(name: string, executionId: string): Promise<{ jobId: string; stopped: LogEntry }> {
  const res = await fetch(`${fake.url}v1b3/projects/${PROJECT}/locations/${REGION}/flexTemplates:launch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      launchParameter: { jobName: name, containerSpecGcsPath: 'gs://acme-templates/load.json' },
    }),
  });
  const jobId = ((await res.json()) as { job: { id: string } }).job.id;
  await register(
    db,
    { kind: 'dataflowJob', value: jobId },
    target(executionId, 'Transform', 1, { targetType: 'Dataflow', projectId: PROJECT, region: REGION }),
  );
  const stopped = await vi.waitFor(
    () => {
      const e = entries.find(
        (x) => x.resource.labels.job_id === jobId && x.textPayload === 'Worker pool stopped.',
      );
      if (!e) throw new Error(`no "Worker pool stopped." yet for ${jobId}`);
      return e;
    },
    { timeout: 5000, interval: 10 },
  );
  return { jobId, stopped };
}

describe('"Worker pool stopped." is confirmed with jobs.get', () => {
  it('DONE → the step succeeds, with the job as output', async () => {
    const { jobId, stopped } = await runJob('ok-load-1', 'exec-ok');
    const rec = recorder();
    const out = await ingest(
      pushBody(stopped),
      deps(db, rec, { dataflow: googleDataflowJobs({ rootUrl: fake.url }) }),
    );
    expect(out).toMatchObject({ status: 'applied', executionId: 'exec-ok', kind: 'dataflow' });
    expect(rec.applied[0]?.signal).toMatchObject({
      kind: 'completed',
      outcome: 'succeeded',
      output: { jobId, jobName: 'ok-load-1', state: 'JOB_STATE_DONE' },
    });
  });

  it('FAILED → the step fails, whatever the log line suggested', async () => {
    const { jobId, stopped } = await runJob('bad-load-1', 'exec-bad');
    const rec = recorder();
    await ingest(stopped, deps(db, rec, { dataflow: googleDataflowJobs({ rootUrl: fake.url }) }));
    expect(rec.applied[0]?.signal).toMatchObject({
      outcome: 'failed',
      error: {
        name: 'States.TaskFailed',
        kind: 'job',
        message: `Dataflow job ${jobId} ended JOB_STATE_FAILED (jobs.get after "Worker pool stopped.")`,
      },
    });
  });

  it('still RUNNING (API lag) → RETRY_LATER thrown, nothing applied; a later redelivery succeeds', async () => {
    const { stopped } = await runJob('lag-load-1', 'exec-lag');
    const rec = recorder();
    const d = deps(db, rec, { dataflow: googleDataflowJobs({ rootUrl: fake.url }) });
    // when the message first arrives the API still says RUNNING: the handler throws so Pub/Sub redelivers
    const first = await ingest(stopped, d).catch((e: unknown) => e);
    expect(isFirestepError(first, 'RETRY_LATER')).toBe(true);
    expect((first as { retryable: boolean }).retryable).toBe(true);
    expect(rec.applied).toEqual([]);
    // then redeliveries (Pub/Sub backoff) eventually see the terminal state and apply it exactly once
    const out = await vi.waitFor(() => ingest(stopped, d), { timeout: 15_000, interval: 100 });
    expect(out).toMatchObject({ status: 'applied', executionId: 'exec-lag' });
    expect(rec.applied).toHaveLength(1);
    expect(rec.applied[0]?.signal).toMatchObject({ outcome: 'succeeded' });
  });

  it('a job the API does not know → dead letter, nothing applied', async () => {
    const jobId = '2026-11-23_09_09_09-9999999999999999999';
    await register(
      db,
      { kind: 'dataflowJob', value: jobId },
      target('exec-ghost', 'Transform', 1, { targetType: 'Dataflow', projectId: PROJECT, region: REGION }),
    );
    const rec = recorder();
    const out = await ingest(
      dataflowMessage('Worker pool stopped.', { id: jobId, name: 'ghost-1' }),
      deps(db, rec, { dataflow: googleDataflowJobs({ rootUrl: fake.url }) }),
    );
    expect(out).toMatchObject({
      status: 'deadLettered',
      executionId: 'exec-ghost',
      reason: expect.stringContaining('not found'),
    });
    expect(rec.applied).toEqual([]);
  });

  it('without a Dataflow client configured → dead letter explaining the configuration', async () => {
    const { stopped } = await runJob('ok-load-2', 'exec-noclient');
    const out = await ingest(stopped, deps(db, recorder()));
    expect(out).toMatchObject({
      status: 'deadLettered',
      reason: expect.stringContaining('give ingest a `dataflow` client'),
    });
  });
});

describe('googleDataflowJobs over a scripted Dataflow REST server', () => {
  let server: Server;
  let root = '';
  const seen: Array<{ url: string; auth: string | undefined }> = [];
  const answers = new Map<string, { status: number; body: unknown }>();
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization });
      const id = decodeURIComponent((req.url ?? '').split('?')[0]?.split('/').at(-1) ?? '');
      const a = answers.get(id) ?? {
        status: 404,
        body: { error: { code: 404, message: 'not found', status: 'NOT_FOUND' } },
      };
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    root = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const error = (code: number, status: string) => ({
    status: code,
    body: { error: { code, message: status, status } },
  });

  it('GETs /v1b3/projects/{p}/locations/{r}/jobs/{id} with a bearer token and maps the Job', async () => {
    answers.set('j-1', {
      status: 200,
      body: {
        id: 'j-1',
        name: 'n',
        projectId: 'p',
        location: 'r',
        currentState: 'JOB_STATE_CANCELLED',
        extra: true,
      },
    });
    const job = await googleDataflowJobs({ rootUrl: root }).getJob('p', 'r', 'j-1');
    expect(job).toEqual({
      id: 'j-1',
      name: 'n',
      projectId: 'p',
      location: 'r',
      currentState: 'JOB_STATE_CANCELLED',
    });
    expect(seen.at(-1)).toEqual({
      url: '/v1b3/projects/p/locations/r/jobs/j-1?view=JOB_VIEW_SUMMARY',
      auth: 'Bearer firestep-local',
    });
  });

  it('404 → undefined', async () => {
    expect(await googleDataflowJobs({ rootUrl: root }).getJob('p', 'r', 'nope')).toBeUndefined();
  });

  it.each([
    [503, 'UNAVAILABLE'],
    [429, 'RESOURCE_EXHAUSTED'],
    [500, 'INTERNAL'],
  ])('%i → retryable RETRY_LATER', async (code, status) => {
    answers.set(`j-${code}`, error(code, status));
    await expect(googleDataflowJobs({ rootUrl: root }).getJob('p', 'r', `j-${code}`)).rejects.toMatchObject({
      code: 'RETRY_LATER',
      retryable: true,
    });
  });

  it('403 → terminal UNAUTHENTICATED naming the role to grant; ingest dead-letters it', async () => {
    answers.set('j-403', error(403, 'PERMISSION_DENIED'));
    await expect(googleDataflowJobs({ rootUrl: root }).getJob('p', 'r', 'j-403')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      retryable: false,
      message: expect.stringContaining('roles/dataflow.viewer'),
    });
    await register(
      db,
      { kind: 'dataflowJob', value: 'j-403' },
      target('exec-403', 'T', 1, { projectId: 'p', region: 'r' }),
    );
    const out = await ingest(
      dataflowMessage('Worker pool stopped.', { id: 'j-403', name: 'x' }),
      deps(db, recorder(), { dataflow: googleDataflowJobs({ rootUrl: root }) }),
    );
    expect(out).toMatchObject({
      status: 'deadLettered',
      reason: expect.stringContaining('roles/dataflow.viewer'),
    });
  });

  it('503 during confirmation → ingest throws so Pub/Sub redelivers', async () => {
    await register(
      db,
      { kind: 'dataflowJob', value: 'j-503' },
      target('exec-503', 'T', 1, { projectId: 'p', region: 'r' }),
    );
    const rec = recorder();
    await expect(
      ingest(
        dataflowMessage('Worker pool stopped.', { id: 'j-503', name: 'x' }),
        deps(db, rec, { dataflow: googleDataflowJobs({ rootUrl: root }) }),
      ),
    ).rejects.toMatchObject({ code: 'RETRY_LATER' });
    expect(rec.applied).toEqual([]);
  });
});
