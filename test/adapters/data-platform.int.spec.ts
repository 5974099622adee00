/**
 * BigQuery, Cloud Run jobs and Cloud Storage launchers against their protocol fakes (the real
 * googleapis clients on the wire): deterministic ids, adoption instead of duplication after a lost
 * answer, completion confirmed by the API with the output in the API's own names, failures named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigQueryJobId } from '../../adapters/bigquery/job-id.ts';
import { BigQueryLauncher } from '../../adapters/bigquery/launcher.ts';
import { CloudRunJobLauncher, runKey } from '../../adapters/cloud-run-job/launcher.ts';
import type { AuditLogEntry } from '../../adapters/fakes/audit-entries.ts';
import { type FakeBigQuery, startFakeBigQuery } from '../../adapters/fakes/bigquery.ts';
import { type FakeCloudRunJobs, startFakeCloudRunJobs } from '../../adapters/fakes/cloud-run-jobs.ts';
import type { CloudEventLike, LogEntry } from '../../adapters/fakes/log-entries.ts';
import { type FakeStorage, startFakeStorage } from '../../adapters/fakes/storage.ts';
import { StorageObjectLauncher } from '../../adapters/storage-object/launcher.ts';
import type { BigQueryTarget, CloudRunJobTarget, StorageObjectTarget } from '../../engine/flow/model.ts';
import type { LaunchResult, ProbeResult } from '../../engine/ports/index.ts';
import { eventually, fakeAuth, launchCommand } from './support.ts';

const query: BigQueryTarget = {
  type: 'BigQuery',
  name: 'CountEvents',
  project_id: 'proj-1',
  query: 'SELECT user_id, COUNT(*) AS n FROM `proj-1.analytics.events` WHERE day = @date GROUP BY user_id',
  location: 'EU',
};

function receiptOf(r: LaunchResult) {
  if (r.status !== 'launched') throw new Error(`expected a launch, got ${JSON.stringify(r)}`);
  return r.receipt;
}

async function settled(probe: () => Promise<ProbeResult>): Promise<ProbeResult> {
  let last: ProbeResult = { state: 'unknown' };
  await eventually(async () => {
    last = await probe();
    return last.state === 'succeeded' || last.state === 'failed';
  });
  return last;
}

describe('BigQuery launcher against the fake BigQuery REST API', () => {
  let fake: FakeBigQuery;
  let launcher: BigQueryLauncher;
  const entries: LogEntry[] = [];

  beforeAll(async () => {
    fake = await startFakeBigQuery({ onLogEntry: (e) => entries.push(e) });
    launcher = new BigQueryLauncher({ rootUrl: fake.url, auth: fakeAuth(), requestTimeoutMs: 10_000 });
  });
  afterAll(() => fake.close());

  it('given a query with a named parameter, when launched and done, then the job id is deterministic and the output is in the API names', async () => {
    const cmd = launchCommand(query, {
      executionId: 'e-ok',
      step: 'CountEvents',
      input: { date: '2026-12-01' },
    });
    fake.setBehavior(bigQueryJobId('CountEvents', 'e-ok', 'CountEvents', 1), { rows: 42 });
    const receipt = receiptOf(await launcher.launch(cmd));
    expect(receipt.jobId).toBe(bigQueryJobId('CountEvents', 'e-ok', 'CountEvents', 1));
    expect(receipt.jobId).toMatch(/^firestep_countevents_[0-9a-f]{20}$/);
    expect(receipt.location).toBe('EU');
    const sent = fake.jobs.get(`proj-1:${receipt.jobId}`);
    expect(sent?.parameters).toEqual([{ name: 'date', type: 'STRING', value: '2026-12-01' }]);
    const result = await settled(() => launcher.probe(cmd, receipt));
    expect(result).toEqual({
      state: 'succeeded',
      output: {
        jobId: receipt.jobId,
        state: 'DONE',
        statementType: 'SELECT',
        totalBytesProcessed: expect.any(Number),
        numRows: 42,
        numDmlAffectedRows: null,
        destinationTable: null,
      },
    });
    const done = entries.filter((e) => JSON.stringify(e).includes(String(receipt.jobId)));
    expect(done.map((e) => (e as AuditLogEntry).protoPayload.metadata)).toEqual([
      expect.objectContaining({ jobInsertion: expect.anything() }),
      expect.objectContaining({ jobChange: expect.objectContaining({ after: 'DONE' }) }),
    ]);
  });

  it('given a destination table, when done, then numRows is the destination table row count (tables.get)', async () => {
    const target: BigQueryTarget = {
      ...query,
      destination_table: 'reports.daily',
      write_disposition: 'WRITE_APPEND',
    };
    for (const executionId of ['e-dest-1', 'e-dest-2']) {
      fake.setBehavior(bigQueryJobId('CountEvents', executionId, 'CountEvents', 1), { rows: 10 });
      const cmd = launchCommand(target, { executionId, step: 'CountEvents', input: { date: '2026-12-01' } });
      const receipt = receiptOf(await launcher.launch(cmd));
      const result = await settled(() => launcher.probe(cmd, receipt));
      expect(result.state === 'succeeded' && result.output).toMatchObject({
        numRows: executionId === 'e-dest-1' ? 10 : 20,
        destinationTable: { projectId: 'proj-1', datasetId: 'reports', tableId: 'daily' },
      });
    }
  });

  it('given the insert answer is lost (503 after the job was created), when relaunched, then BigQuery answers 409 and the launcher adopts the same job', async () => {
    const jobId = bigQueryJobId('CountEvents', 'e-409', 'CountEvents', 1);
    fake.setBehavior(jobId, { insertErrors: [{ status: 503, afterCreate: true }] });
    const cmd = launchCommand(query, { executionId: 'e-409', step: 'CountEvents', input: { date: 'x' } });
    const before = fake.insertCount;
    const first = await launcher.launch(cmd);
    expect(first.status).toBe('retry');
    const second = await launcher.launch(cmd);
    expect(receiptOf(second)).toMatchObject({ jobId, adopted: true });
    expect(fake.insertCount - before).toBe(2);
    expect([...fake.jobs.keys()].filter((k) => k.endsWith(jobId))).toHaveLength(1);
  });

  it('given a job that fails, when probed, then the step fails with BigQuery error reason', async () => {
    const jobId = bigQueryJobId('CountEvents', 'e-fail', 'CountEvents', 1);
    fake.setBehavior(jobId, {
      outcome: 'fail',
      errorReason: 'accessDenied',
      errorMessage: 'Access Denied: Table p:a.events',
    });
    const cmd = launchCommand(query, { executionId: 'e-fail', step: 'CountEvents', input: { date: 'x' } });
    const launched = receiptOf(await launcher.launch(cmd));
    const result = await settled(() => launcher.probe(cmd, launched));
    expect(result).toMatchObject({
      state: 'failed',
      error: { name: 'States.TaskFailed', kind: 'job', cause: { reason: 'accessDenied', jobId } },
    });
    expect(result.state === 'failed' && result.error.message).toContain('accessDenied: Access Denied');
  });

  it('given a query parameter missing from the request, when run, then BigQuery fails it with invalidQuery', async () => {
    const cmd = launchCommand(query, { executionId: 'e-noparam', step: 'CountEvents', input: {} });
    const launched = receiptOf(await launcher.launch(cmd));
    const result = await settled(() => launcher.probe(cmd, launched));
    expect(result).toMatchObject({ state: 'failed', error: { cause: { reason: 'invalidQuery' } } });
  });

  it('given a running job, when cancelled, then it ends DONE with reason stopped', async () => {
    const jobId = bigQueryJobId('CountEvents', 'e-cancel', 'CountEvents', 1);
    fake.setBehavior(jobId, { outcome: 'lag' });
    const cmd = launchCommand(query, { executionId: 'e-cancel', step: 'CountEvents', input: { date: 'x' } });
    const receipt = receiptOf(await launcher.launch(cmd));
    expect(await launcher.probe(cmd, receipt)).toEqual({ state: 'running' });
    await launcher.cancel(cmd, receipt);
    expect(await launcher.probe(cmd, receipt)).toMatchObject({
      state: 'failed',
      error: { cause: { reason: 'stopped' } },
    });
  });

  it('given a project-less target and no default, when launched, then the launch fails naming the fix', async () => {
    const { project_id: _, ...noProject } = query;
    const result = await launcher.launch(
      launchCommand(noProject as BigQueryTarget, { input: { date: 'x' } }),
    );
    expect(result).toMatchObject({ status: 'failed', error: { name: 'States.LaunchFailed' } });
    expect(result.status === 'failed' && result.error.message).toContain('project_id');
  });
});

describe('Cloud Run job launcher against the fake Cloud Run Admin API v2', () => {
  let fake: FakeCloudRunJobs;
  let launcher: CloudRunJobLauncher;
  const events: CloudEventLike[] = [];
  const job: CloudRunJobTarget = {
    type: 'CloudRunJob',
    name: 'publish-report',
    project_id: 'proj-1',
    region: 'europe-west1',
  };

  beforeAll(async () => {
    fake = await startFakeCloudRunJobs({
      onCloudEvent: (e) => events.push(e),
      knownJobs: ['publish-report'],
    });
    launcher = new CloudRunJobLauncher({ rootUrl: fake.url, auth: fakeAuth(), requestTimeoutMs: 10_000 });
  });
  afterAll(() => fake.close());

  it('given overrides, when run, then the execution carries args, env, task count, timeout and the run key', async () => {
    const cmd = launchCommand(job, {
      executionId: 'e-run',
      step: 'Publish',
      input: { args: ['--rows', 42], env: { MODE: 'full' }, task_count: 2, timeout_seconds: 600 },
    });
    const receipt = receiptOf(await launcher.launch(cmd));
    expect(receipt.execution).toMatch(
      /^projects\/proj-1\/locations\/europe-west1\/jobs\/publish-report\/executions\/publish-report-[a-z]{5}$/,
    );
    const record = fake.executions.get(String(receipt.execution));
    expect(record?.overrides).toEqual({
      containerOverrides: [
        {
          args: ['--rows', '42'],
          env: [
            { name: 'MODE', value: 'full' },
            { name: 'FIRESTEP_RUN_KEY', value: runKey('e-run', 'Publish', 1) },
          ],
        },
      ],
      taskCount: 2,
      timeout: '600s',
    });
    const result = await settled(() => launcher.probe(cmd, receipt));
    expect(result).toEqual({
      state: 'succeeded',
      output: { execution: receipt.execution, succeededCount: 2, failedCount: 0 },
    });
    const last = events.find((e) => (e.data as { operation?: { last?: boolean } }).operation?.last);
    expect(last).toMatchObject({
      type: 'google.cloud.audit.log.v1.written',
      methodname: 'google.cloud.run.v2.Jobs.RunJob',
    });
  });

  it('given the run answer is lost, when relaunched, then the execution with the same run key is adopted, not started again', async () => {
    fake.setBehavior(runKey('e-lost', 'Publish', 1), {
      runErrors: [{ status: 503, afterCreate: true }],
      outcome: 'lag',
    });
    const cmd = launchCommand(job, { executionId: 'e-lost', step: 'Publish', input: {} });
    const before = fake.runCount;
    expect((await launcher.launch(cmd)).status).toBe('retry');
    const receipt = receiptOf(await launcher.launch(cmd));
    expect(receipt.adopted).toBe(true);
    expect(fake.runCount - before).toBe(1);
    await launcher.cancel(cmd, receipt);
    expect(await launcher.probe(cmd, receipt)).toMatchObject({
      state: 'failed',
      error: { cause: { reason: 'CANCELLED' } },
    });
  });

  it('given a task that exits non-zero, when probed, then the step fails naming the execution and the reason', async () => {
    fake.setBehavior(runKey('e-bad', 'Publish', 1), { outcome: 'fail' });
    const cmd = launchCommand(job, { executionId: 'e-bad', step: 'Publish', input: {} });
    const launched = receiptOf(await launcher.launch(cmd));
    const result = await settled(() => launcher.probe(cmd, launched));
    expect(result).toMatchObject({
      state: 'failed',
      error: {
        name: 'States.TaskFailed',
        kind: 'job',
        cause: { reason: 'NON_ZERO_EXIT_CODE', failedCount: 1 },
      },
    });
    expect(result.state === 'failed' && result.error.message).toMatch(/publish-report-[a-z]{5}-task0 failed/);
  });

  it('given an unknown job, when run, then the launch fails terminally (404)', async () => {
    const result = await launcher.launch(launchCommand({ ...job, name: 'no-such-job' }, { input: {} }));
    expect(result).toMatchObject({ status: 'failed', error: { name: 'States.LaunchFailed' } });
    expect(result.status === 'failed' && result.error.message).toContain('HTTP 404');
  });
});

describe('Storage object watcher against the fake Cloud Storage JSON API', () => {
  let fake: FakeStorage;
  let watcher: StorageObjectLauncher;
  const events: CloudEventLike[] = [];
  const target: StorageObjectTarget = { type: 'StorageObject', name: 'for_object' };

  beforeAll(async () => {
    fake = await startFakeStorage({ onCloudEvent: (e) => events.push(e) });
    watcher = new StorageObjectLauncher({ rootUrl: fake.url, auth: fakeAuth(), requestTimeoutMs: 10_000 });
  });
  afterAll(() => fake.close());

  it('given the object already exists, when the Wait starts, then one objects.get ends it at once with the object as output', async () => {
    fake.land('gs://raw-landing/events/2026-12-01/_SUCCESS', 'ok');
    const cmd = launchCommand(target, {
      step: 'Wait',
      input: { object: 'gs://raw-landing/events/2026-12-01/_SUCCESS' },
    });
    expect(watcher.correlationKeys(cmd)).toEqual([
      { kind: 'gcsObject', value: 'raw-landing/events/2026-12-01/_SUCCESS' },
    ]);
    const before = fake.getCount;
    const result = await watcher.launch(cmd);
    expect(fake.getCount - before).toBe(1);
    expect(result).toMatchObject({
      status: 'launched',
      completion: {
        outcome: 'succeeded',
        output: {
          bucket: 'raw-landing',
          name: 'events/2026-12-01/_SUCCESS',
          size: 2,
          uri: 'gs://raw-landing/events/2026-12-01/_SUCCESS',
        },
      },
    });
  });

  it('given the object is absent, when the Wait starts, then it waits (no completion) until the object lands and its finalized event is emitted', async () => {
    const uri = 'gs://raw-landing/events/2026-12-02/_SUCCESS';
    const cmd = launchCommand(target, { step: 'Wait', input: { object: uri } });
    const result = await watcher.launch(cmd);
    expect(result.status === 'launched' && result.completion).toBeUndefined();
    const receipt = receiptOf(result);
    expect(await watcher.probe(cmd, receipt)).toEqual({ state: 'running' });
    const landed = fake.land(uri, '');
    expect(events.at(-1)).toMatchObject({
      type: 'google.cloud.storage.object.v1.finalized',
      source: '//storage.googleapis.com/projects/_/buckets/raw-landing',
      subject: 'objects/events/2026-12-02/_SUCCESS',
      data: { bucket: 'raw-landing', name: 'events/2026-12-02/_SUCCESS', generation: landed.generation },
    });
    expect(await watcher.probe(cmd, receipt)).toMatchObject({ state: 'succeeded' });
  });

  it('given for_object resolved to no object URI, when launched, then it fails naming the value', async () => {
    const cmd = launchCommand(target, { step: 'Wait', input: { object: 'gs:///_SUCCESS' } });
    const result = await watcher.launch(cmd);
    expect(result.status === 'failed' && result.error.message).toContain(
      '"gs:///_SUCCESS", not a gs://bucket/object URI',
    );
  });
});
