import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataprocLauncher } from '../../adapters/dataproc/launcher.ts';
import { DataprocPoller, type TerminalProbe } from '../../adapters/dataproc/poller.ts';
import { dataprocRequestId, inlineWorkflow } from '../../adapters/dataproc/workflow.ts';
import { type FakeDataproc, startFakeDataproc } from '../../adapters/fakes/dataproc.ts';
import type { DataprocTarget } from '../../engine/flow/model.ts';
import { CONTEXT, closedPort, eventually, fakeAuth, launchCommand } from './support.ts';

const target = (name: string): DataprocTarget => ({
  type: 'Dataproc',
  name,
  project_id: 'proj-dp',
  region: 'europe-west1',
  workflow: {
    placement: { managedCluster: { clusterName: 'etl', config: {} } },
    jobs: [
      {
        stepId: 'aggregate',
        pysparkJob: { mainPythonFileUri: 'gs://b/agg.py', args: ['--day={{day}}', '{{rows}}'] },
      },
    ],
  },
});

describe('Dataproc launcher against the fake Dataproc REST service', () => {
  let fake: FakeDataproc;
  let launcher: DataprocLauncher;
  beforeAll(async () => {
    fake = await startFakeDataproc();
    launcher = new DataprocLauncher({
      context: CONTEXT,
      rootUrl: fake.url,
      auth: fakeAuth(),
      requestTimeoutMs: 10_000,
    });
  });
  afterAll(() => fake.close());

  it('given an inline workflow, when launched, then the operation is the receipt, the requestId is derived from the command and parameters fill the template', async () => {
    const cmd = launchCommand(target('daily-agg'), {
      executionId: 'e-dp',
      input: { day: '2026-11-23', rows: 7 },
    });
    const result = await launcher.launch(cmd);
    expect(result).toMatchObject({
      status: 'launched',
      receipt: {
        target: 'Dataproc',
        operation: expect.stringMatching(/^projects\/proj-dp\/regions\/europe-west1\/operations\//),
        requestId: dataprocRequestId('e-dp', cmd.id),
      },
    });
    if (result.status !== 'launched') return;
    expect(result.extraCorrelationKeys).toEqual([
      { kind: 'dataprocOperation', value: result.receipt.operation },
    ]);
    const wf = fake.workflows.get(String(result.receipt.operation));
    expect(wf?.requestId).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(wf?.template).toMatchObject({
      jobs: [{ pysparkJob: { args: ['--day=2026-11-23', '7'] } }],
      labels: { 'firestep-target': 'daily-agg', 'firestep-execution': 'e-dp', 'firestep-attempt': '1' },
    });
    expect(
      await eventually(async () => {
        const p = await launcher.probe(cmd, result.receipt);
        return p.state === 'succeeded' ? p : undefined;
      }),
    ).toMatchObject({
      output: { operation: result.receipt.operation, jobs: [{ stepId: 'aggregate', state: 'COMPLETED' }] },
    });
  });

  it('given the same command launched twice, then Dataproc answers the same operation (no second workflow)', async () => {
    const cmd = launchCommand(target('twice'), { executionId: 'e-twice' });
    const a = await launcher.launch(cmd);
    const b = await launcher.launch(cmd);
    expect(
      a.status === 'launched' && b.status === 'launched' && a.receipt.operation === b.receipt.operation,
    ).toBe(true);
    expect(
      [...fake.workflows.values()].filter((w) => w.requestId === dataprocRequestId('e-twice', cmd.id)),
    ).toHaveLength(1);
    const retry = await launcher.launch(
      launchCommand(target('twice'), { executionId: 'e-twice', attempt: 2 }),
    );
    expect(
      retry.status === 'launched' &&
        a.status === 'launched' &&
        retry.receipt.operation !== a.receipt.operation,
    ).toBe(true);
  });

  it('given a workflow whose job fails, then probe reports failed with the job error', async () => {
    fake.setBehavior('broken', {
      outcome: 'fail',
      failMessage: 'Job failed with message [Traceback: ZeroDivisionError]',
    });
    const cmd = launchCommand(target('broken'), { executionId: 'e-broken' });
    const result = await launcher.launch(cmd);
    if (result.status !== 'launched') throw new Error('launch failed');
    const failed = await eventually(async () => {
      const p = await launcher.probe(cmd, result.receipt);
      return p.state === 'failed' ? p : undefined;
    });
    expect(failed.error).toMatchObject({
      kind: 'job',
      message: expect.stringContaining('ZeroDivisionError'),
    });
  });

  it.each([
    [429, 'retry'],
    [503, 'retry'],
    [400, 'failed'],
    [403, 'failed'],
  ] as const)('given instantiate answers %i, then the launch is %s', async (status, expected) => {
    fake.setBehavior(`err-${status}`, { launchErrors: [{ status }] });
    expect(
      (await launcher.launch(launchCommand(target(`err-${status}`), { executionId: `e-${status}` }))).status,
    ).toBe(expected);
  });

  it('given the service unreachable, then the launch is retryable; without a project, terminal', async () => {
    const down = new DataprocLauncher({
      context: CONTEXT,
      rootUrl: `http://127.0.0.1:${await closedPort()}/`,
      auth: fakeAuth(),
    });
    expect((await down.launch(launchCommand(target('x')))).status).toBe('retry');
    const { project_id: _p, ...noProject } = target('x');
    expect((await launcher.launch(launchCommand(noProject))).status).toBe('failed');
  });

  it('given a DataprocPoller watching a running workflow, then it reports the outcome once when done', async () => {
    fake.setBehavior('polled', { runMs: 40 });
    const cmd = launchCommand(target('polled'), { executionId: 'e-poll' });
    const result = await launcher.launch(cmd);
    if (result.status !== 'launched') throw new Error('launch failed');
    const poller = new DataprocPoller(launcher, { intervalMs: 10 });
    const seen: TerminalProbe[] = [];
    poller.watch(cmd, result.receipt, (r) => void seen.push(r));
    poller.watch(cmd, result.receipt, (r) => void seen.push(r));
    await eventually(() => seen.length === 1);
    expect(seen[0]?.state).toBe('succeeded');
    expect(poller.watching).toBe(0);
    poller.clear();
  });

  it('correlationKeys before launch: only the callback token (the operation is an extra key after launch)', () => {
    expect(launcher.correlationKeys(launchCommand(target('k'))).map((k) => k.kind)).toEqual(['callback']);
  });
});

describe('Dataproc request ids and templates (pure)', () => {
  it('given any command id, then the requestId is valid for Dataproc and deterministic', () => {
    const id = dataprocRequestId('exec-with-a-very-long-name-0123456789', 'launch~Step2%2F1%2FBranch2~12');
    expect(id).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dataprocRequestId('exec-with-a-very-long-name-0123456789', 'launch~Step2%2F1%2FBranch2~12')).toBe(
      id,
    );
  });

  it('given unknown placeholders, then they are left as written; own labels are kept', () => {
    expect(
      inlineWorkflow(
        { jobs: ['{{missing}}', 'a-{{x}}'], labels: { team: 'data' } },
        { x: { n: 1 } },
        { 'firestep-target': 't' },
      ),
    ).toEqual({
      jobs: ['{{missing}}', 'a-{"n":1}'],
      labels: { team: 'data', 'firestep-target': 't' },
    });
  });
});
