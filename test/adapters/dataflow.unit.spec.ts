import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DATAFLOW_JOB_NAME, dataflowJobName } from '../../adapters/dataflow/job-name.ts';
import { DataflowLauncher } from '../../adapters/dataflow/launcher.ts';
import { type FakeDataflow, startFakeDataflow } from '../../adapters/fakes/dataflow.ts';
import type { CloudEventLike, LogEntry } from '../../adapters/fakes/log-entries.ts';
import type { DataflowTarget } from '../../engine/flow/model.ts';
import { CONTEXT, closedPort, eventually, fakeAuth, launchCommand } from './support.ts';

const flex: DataflowTarget = {
  type: 'Dataflow',
  name: 'word-count-demo',
  project_id: 'proj-1',
  region: 'europe-west1',
  template: { kind: 'flex', container_gcs_path: 'gs://bucket/templates/wc.json' },
};
const classic: DataflowTarget = {
  type: 'Dataflow',
  name: 'Classic_Copy',
  project_id: 'proj-1',
  region: 'us-central1',
  template: { kind: 'classic', template_path: 'gs://dataflow-templates/latest/Word_Count' },
};

describe('Dataflow launcher against the fake Dataflow REST service', () => {
  let fake: FakeDataflow;
  let launcher: DataflowLauncher;
  const entries: LogEntry[] = [];
  const events: CloudEventLike[] = [];

  beforeAll(async () => {
    fake = await startFakeDataflow({
      onLogEntry: (e) => entries.push(e),
      onCloudEvent: (e) => events.push(e),
    });
    launcher = new DataflowLauncher({
      context: CONTEXT,
      rootUrl: fake.url,
      auth: fakeAuth(),
      requestTimeoutMs: 10_000,
    });
  });
  afterAll(() => fake.close());
  afterEach(() => {
    entries.length = 0;
    events.length = 0;
  });

  it('given a flex target, when launched, then the receipt carries job id, a name starting with the target name, and the console URL', async () => {
    const cmd = launchCommand(flex, {
      executionId: 'e-flex',
      input: { input: 'gs://b/in.txt', temp_location: 'gs://b/tmp', max_workers: 3 },
    });
    const result = await launcher.launch(cmd);
    expect(result.status).toBe('launched');
    if (result.status !== 'launched') return;
    const { jobId, jobName, consoleUrl } = result.receipt;
    expect(jobName).toMatch(/^word-count-demo-[0-9a-f]{10}$/);
    expect(jobName).toBe(dataflowJobName('word-count-demo', 'e-flex', 'Step1', 1));
    expect(consoleUrl).toBe(
      `https://console.cloud.google.com/dataflow/jobs/europe-west1/${jobId}?project=proj-1`,
    );
    expect(result.extraCorrelationKeys).toEqual([{ kind: 'dataflowJob', value: jobId }]);
    const job = fake.jobs.get(String(jobId));
    expect(job?.template).toEqual({ kind: 'flex', containerSpecGcsPath: 'gs://bucket/templates/wc.json' });
    expect(job?.parameters).toEqual({ input: 'gs://b/in.txt' });
    expect(job?.environment).toEqual({ tempLocation: 'gs://b/tmp', maxWorkers: 3 });
  });

  it('given a classic target, when launched, then templates.launch is called with gcsPath and a sanitized job name', async () => {
    const result = await launcher.launch(
      launchCommand(classic, {
        executionId: 'e-classic',
        input: { inputFile: 'gs://b/x', subnetwork: 'regions/us-central1/subnetworks/s' },
      }),
    );
    expect(result.status).toBe('launched');
    if (result.status !== 'launched') return;
    expect(result.receipt.jobName).toMatch(/^classic-copy-[0-9a-f]{10}$/);
    const job = fake.jobs.get(String(result.receipt.jobId));
    expect(job?.template).toEqual({ kind: 'classic', gcsPath: 'gs://dataflow-templates/latest/Word_Count' });
    expect(job?.parameters).toEqual({ inputFile: 'gs://b/x' });
    expect(job?.environment).toEqual({ subnetwork: 'regions/us-central1/subnetworks/s' });
  });

  it('given the same command launched twice while its job runs, then the second adopts the job (no second job)', async () => {
    fake.setBehavior('adopt-me', { outcome: 'lag' });
    const target = { ...flex, name: 'adopt-me' };
    const noPrecheck = new DataflowLauncher({
      context: CONTEXT,
      rootUrl: fake.url,
      auth: fakeAuth(),
      adoptFinishedJobs: false,
    });
    const cmd = launchCommand(target, { executionId: 'e-adopt' });
    const first = await noPrecheck.launch(cmd);
    const second = await noPrecheck.launch(cmd);
    expect(first.status).toBe('launched');
    expect(second).toMatchObject({ status: 'launched', receipt: { adopted: true } });
    if (first.status !== 'launched' || second.status !== 'launched') return;
    expect(second.receipt.jobId).toBe(first.receipt.jobId);
    expect(fake.jobsNamed(String(first.receipt.jobName))).toHaveLength(1);
  });

  it('given a launch whose response was lost (503 after the job was created), when relaunched, then the job is adopted', async () => {
    fake.setBehavior('lost-response', { outcome: 'lag', launchErrors: [{ status: 503, afterCreate: true }] });
    const cmd = launchCommand({ ...flex, name: 'lost-response' }, { executionId: 'e-lost' });
    const first = await launcher.launch(cmd);
    expect(first.status).toBe('retry');
    const second = await launcher.launch(cmd);
    expect(second).toMatchObject({ status: 'launched', receipt: { adopted: true } });
    expect(fake.jobsNamed(launcher.jobName(cmd))).toHaveLength(1);
  });

  it('given a finished job of the same attempt, when relaunched, then it is adopted rather than run again', async () => {
    const cmd = launchCommand({ ...flex, name: 'done-once' }, { executionId: 'e-done' });
    const first = await launcher.launch(cmd);
    if (first.status !== 'launched') throw new Error('launch failed');
    await eventually(() => fake.jobs.get(String(first.receipt.jobId))?.job.currentState === 'JOB_STATE_DONE');
    const second = await launcher.launch(cmd);
    expect(second).toMatchObject({ status: 'launched', receipt: { jobId: first.receipt.jobId } });
    expect(fake.jobsNamed(launcher.jobName(cmd))).toHaveLength(1);
  });

  it.each([
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [400, 'failed'],
    [403, 'failed'],
    [404, 'failed'],
  ] as const)('given the launch answers %i, then the result is %s', async (status, expected) => {
    const name = `err-${status}`;
    fake.setBehavior(name, { launchErrors: [{ status }] });
    const result = await launcher.launch(launchCommand({ ...flex, name }, { executionId: `e-${status}` }));
    expect(result.status).toBe(expected);
    if (result.status === 'launched') return;
    expect(result.error).toMatchObject({ name: 'States.LaunchFailed', kind: 'launch', cause: { status } });
    expect(result.error.message).toContain(`HTTP ${status}`);
  });

  it('given a quota error with Retry-After, then the launch is retryable after that many seconds', async () => {
    fake.setBehavior('quota', {
      launchErrors: [{ status: 429, message: 'Quota exceeded', retryAfterSeconds: 7 }],
    });
    const result = await launcher.launch(
      launchCommand({ ...flex, name: 'quota' }, { executionId: 'e-quota' }),
    );
    expect(result).toMatchObject({
      status: 'retry',
      retryAfterSeconds: 7,
      error: { message: expect.stringContaining('Quota exceeded') },
    });
  });

  it('given a launch that outlives the client deadline, then it is retryable, and the relaunch adopts the job the slow launch created', async () => {
    fake.setBehavior('slow-api', { outcome: 'lag', launchLatencyMs: 60_000 });
    const impatient = new DataflowLauncher({
      context: CONTEXT,
      rootUrl: fake.url,
      auth: fakeAuth(),
      requestTimeoutMs: 300,
      adoptFinishedJobs: false,
    });
    const cmd = launchCommand({ ...flex, name: 'slow-api' }, { executionId: 'e-slow' });
    expect((await impatient.launch(cmd)).status).toBe('retry');
    await eventually(() => fake.jobsNamed(launcher.jobName(cmd)).length === 1);
    fake.setBehavior('slow-api', { outcome: 'lag' });
    const second = await launcher.launch(cmd);
    expect(second).toMatchObject({ status: 'launched', receipt: { adopted: true } });
    expect(fake.jobsNamed(launcher.jobName(cmd))).toHaveLength(1);
  });

  it('given an unreachable service, then the launch is retryable', async () => {
    const down = new DataflowLauncher({
      context: CONTEXT,
      rootUrl: `http://127.0.0.1:${await closedPort()}/`,
      auth: fakeAuth(),
      requestTimeoutMs: 500,
    });
    const result = await down.launch(launchCommand(flex, { executionId: 'e-down' }));
    expect(result.status).toBe('retry');
  });

  it('given a target without a project and no default, then the launch fails terminally naming the fix', async () => {
    const { project_id: _omit, ...noProject } = flex;
    const result = await launcher.launch(launchCommand(noProject, { executionId: 'e-noproj' }));
    expect(result).toMatchObject({ status: 'failed', error: { kind: 'launch' } });
    if (result.status === 'failed') expect(result.error.message).toContain('project_id');
  });

  it('given a job that succeeds, then "Worker pool stopped." is logged in the real format and probe reports succeeded', async () => {
    const cmd = launchCommand({ ...flex, name: 'logs-ok' }, { executionId: 'e-logs-ok' });
    const result = await launcher.launch(cmd);
    if (result.status !== 'launched') throw new Error('launch failed');
    const entry = await eventually(() =>
      entries.find((e) => e.resource.labels.job_id === result.receipt.jobId),
    );
    expect(entry).toMatchObject({
      logName: 'projects/proj-1/logs/dataflow.googleapis.com%2Fjob-message',
      resource: {
        type: 'dataflow_step',
        labels: {
          job_id: result.receipt.jobId,
          job_name: result.receipt.jobName,
          region: 'europe-west1',
          project_id: 'proj-1',
        },
      },
      textPayload: 'Worker pool stopped.',
      severity: 'INFO',
    });
    expect(await launcher.probe(cmd, result.receipt)).toMatchObject({ state: 'succeeded' });
    const states = events
      .filter((e) => e.subject === `jobs/${result.receipt.jobId}`)
      .map((e) => (e.data.payload as { currentState: string }).currentState);
    expect(states).toEqual(['JOB_STATE_RUNNING', 'JOB_STATE_DONE']);
    expect(events[0]).toMatchObject({
      type: 'google.cloud.dataflow.job.v1beta3.statusChanged',
      source: '//dataflow.googleapis.com/projects/proj-1/locations/europe-west1',
    });
  });

  it('given a job told to fail, then "Workflow failed. Causes: …" is logged before "Worker pool stopped." and probe reports failed', async () => {
    fake.setBehavior('logs-fail', { outcome: 'fail', failCause: 'S01: boom' });
    const cmd = launchCommand({ ...flex, name: 'logs-fail' }, { executionId: 'e-logs-fail' });
    const result = await launcher.launch(cmd);
    if (result.status !== 'launched') throw new Error('launch failed');
    await eventually(
      () => entries.filter((e) => e.resource.labels.job_id === result.receipt.jobId).length === 2,
    );
    const texts = entries
      .filter((e) => e.resource.labels.job_id === result.receipt.jobId)
      .map((e) => [e.severity, e.textPayload]);
    expect(texts).toEqual([
      ['ERROR', 'Workflow failed. Causes: S01: boom'],
      ['INFO', 'Worker pool stopped.'],
    ]);
    expect(await launcher.probe(cmd, result.receipt)).toMatchObject({
      state: 'failed',
      error: { kind: 'job' },
    });
  });

  it('given a flex launcher failure, then the launcher-container message is logged and the job ends FAILED', async () => {
    fake.setBehavior('launcher-bad', { outcome: 'launcherFail' });
    const cmd = launchCommand({ ...flex, name: 'launcher-bad' }, { executionId: 'e-lf' });
    const result = await launcher.launch(cmd);
    if (result.status !== 'launched') throw new Error('launch failed');
    const entry = await eventually(() =>
      entries.find((e) => e.resource.labels.job_id === result.receipt.jobId),
    );
    expect(entry.textPayload).toBe(
      'Error occurred in the launcher container: Template launch failed. See console logs.',
    );
    expect(entry.severity).toBe('ERROR');
    expect(await launcher.probe(cmd, result.receipt)).toMatchObject({ state: 'failed' });
  });

  it('given API lag, then probe still reports running right after the final log line (the engine must not trust the line alone)', async () => {
    fake.setBehavior('laggy-api', { runMs: 5, apiLagMs: 60_000 });
    const cmd = launchCommand({ ...flex, name: 'laggy-api' }, { executionId: 'e-lag' });
    const result = await launcher.launch(cmd);
    if (result.status !== 'launched') throw new Error('launch failed');
    await eventually(() => entries.find((e) => e.resource.labels.job_id === result.receipt.jobId));
    expect(await launcher.probe(cmd, result.receipt)).toEqual({ state: 'running' });
  });

  it('given a running job, when cancelled, then jobs.update cancels it and probe reports failed (cancelled)', async () => {
    fake.setBehavior('cancel-me', { outcome: 'lag' });
    const cmd = launchCommand({ ...flex, name: 'cancel-me' }, { executionId: 'e-cancel' });
    const result = await launcher.launch(cmd);
    if (result.status !== 'launched') throw new Error('launch failed');
    await launcher.cancel(cmd, result.receipt);
    await eventually(
      () => fake.jobs.get(String(result.receipt.jobId))?.job.currentState === 'JOB_STATE_CANCELLED',
    );
    expect(await launcher.probe(cmd, result.receipt)).toMatchObject({
      state: 'failed',
      error: { message: expect.stringContaining('JOB_STATE_CANCELLED') },
    });
    await expect(launcher.cancel(cmd, result.receipt)).resolves.toBeUndefined();
  });

  it('correlationKeys are pure: the job name and the callback token, equal across calls, known before launch', () => {
    const cmd = launchCommand(flex, {
      executionId: 'e-keys',
      path: 'Step2/1/Branch2',
      step: 'Branch2',
      attempt: 2,
    });
    const keys = launcher.correlationKeys(cmd);
    expect(keys).toEqual(launcher.correlationKeys(cmd));
    expect(keys.map((k) => k.kind)).toEqual(['dataflowJobName', 'callback']);
    expect(keys[0]?.value).toMatch(DATAFLOW_JOB_NAME);
  });
});
