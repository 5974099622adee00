import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudFunctionLauncher } from '../../adapters/cloud-function/launcher.ts';
import { type FakeCloudTasks, startFakeCloudTasks } from '../../adapters/fakes/cloud-tasks.ts';
import { type FakeFunctionHost, startFakeFunctionHost } from '../../adapters/fakes/function-host.ts';
import type { LogEntry } from '../../adapters/fakes/log-entries.ts';
import { createCloudTasksClient } from '../../adapters/shared/http-task.ts';
import type { CloudFunctionTarget } from '../../engine/flow/model.ts';
import { type CallbackMessage, callbackToken } from '../../engine/signals/wire/callback.ts';
import { CONTEXT, closedPort, eventually, fakeAuth, launchCommand, SECRET } from './support.ts';

const fn = (name: string, over: Partial<CloudFunctionTarget> = {}): CloudFunctionTarget => ({
  type: 'CloudFunction',
  name,
  project_id: 'proj-cf',
  region: 'us-central1',
  ...over,
});

describe('Cloud Function launcher against the fake function host', () => {
  let host: FakeFunctionHost;
  let direct: CloudFunctionLauncher;
  const entries: LogEntry[] = [];
  const callbacks: CallbackMessage[] = [];

  beforeAll(async () => {
    host = await startFakeFunctionHost({
      onLogEntry: (e) => entries.push(e),
      onCallback: (m) => void callbacks.push(m),
    });
    direct = new CloudFunctionLauncher({
      context: CONTEXT,
      mode: 'direct',
      urlFor: (t, loc) =>
        host.functionUrl({ name: t.name, project: loc.project, region: loc.region, gen: t.gen ?? 1 }),
      acceptTimeoutMs: 10_000,
    });
  });
  afterAll(() => host.close());
  afterEach(() => {
    entries.length = 0;
    callbacks.length = 0;
  });

  const entriesFor = (traceId: string) =>
    entries.filter((e) => e.trace === `projects/proj-cf/traces/${traceId}`);

  it('given a gen1 function, when launched directly, then it receives the trace headers, the resolved input and the context, and logs the real gen1 lines', async () => {
    const cmd = launchCommand(fn('transform'), {
      executionId: 'e-gen1',
      input: { rows: 42, from: 'Step0 output' },
    });
    const result = await direct.launch(cmd);
    expect(result).toMatchObject({
      status: 'launched',
      receipt: { target: 'CloudFunction', traceId: cmd.trace.traceId, httpStatus: 200 },
    });
    const inv = host.invocations.find((i) => i.context?.executionId === 'e-gen1');
    expect(inv?.headers.traceparent).toBe(`00-${cmd.trace.traceId}-${cmd.trace.spanId}-01`);
    expect(inv?.headers['x-cloud-trace-context']).toBe(
      `${cmd.trace.traceId}/${BigInt(`0x${cmd.trace.spanId}`)};o=1`,
    );
    expect(inv?.trace).toEqual(cmd.trace);
    expect(inv?.body).toMatchObject({ input: { rows: 42, from: 'Step0 output' } });
    expect(inv?.context).toEqual({
      executionId: 'e-gen1',
      step: 'Step1',
      path: 'Step1',
      attempt: 1,
      token: callbackToken(SECRET, 'e-gen1', cmd.id),
      traceId: cmd.trace.traceId,
      replyTo: CONTEXT.replyTo,
    });
    const lines = await eventually(() =>
      entriesFor(cmd.trace.traceId).length === 2 ? entriesFor(cmd.trace.traceId) : undefined,
    );
    expect(lines.map((e) => e.textPayload)).toEqual([
      'Function execution started',
      expect.stringMatching(/^Function execution took \d+ ms, finished with status code: 200$/),
    ]);
    expect(lines[1]).toMatchObject({
      logName: 'projects/proj-cf/logs/cloudfunctions.googleapis.com%2Fcloud-functions',
      resource: {
        type: 'cloud_function',
        labels: { function_name: 'transform', region: 'us-central1', project_id: 'proj-cf' },
      },
      labels: { execution_id: inv?.executionId },
      severity: 'DEBUG',
    });
    expect(callbacks).toEqual([
      expect.objectContaining({
        kind: 'firestep.callback',
        outcome: 'succeeded',
        output: { rows: 42, from: 'Step0 output' },
        token: inv?.context?.token,
        path: 'Step1',
        attempt: 1,
      }),
    ]);
  });

  it('given a gen2 function, then the Cloud Run request log carries status, latency and the trace', async () => {
    const cmd = launchCommand(fn('gen2fn', { gen: 2 }), { executionId: 'e-gen2' });
    await direct.launch(cmd);
    const [entry] = await eventually(() =>
      entriesFor(cmd.trace.traceId).length ? entriesFor(cmd.trace.traceId) : undefined,
    );
    expect(entry).toMatchObject({
      logName: 'projects/proj-cf/logs/run.googleapis.com%2Frequests',
      resource: {
        type: 'cloud_run_revision',
        labels: {
          service_name: 'gen2fn',
          location: 'us-central1',
          revision_name: expect.stringMatching(/^gen2fn-/),
        },
      },
      httpRequest: {
        requestMethod: 'POST',
        status: 200,
        latency: expect.stringMatching(/^\d+\.\d{6}s$/),
        requestUrl: expect.stringContaining('/run/proj-cf/us-central1/gen2fn'),
      },
      spanId: cmd.trace.spanId,
      severity: 'INFO',
    });
  });

  it.each([
    ['fail', { kind: 'fail' } as const, 'finished with status code: 500'],
    ['crash', { kind: 'crash' } as const, "finished with status: 'crash'"],
    ['timeout', { kind: 'timeout' } as const, "finished with status: 'timeout'"],
  ])('given a function that ends with %s, then the launch is still "launched" and the log line reports the failure', async (name, behavior, tail) => {
    host.setBehavior(`f-${name}`, behavior);
    const cmd = launchCommand(fn(`f-${name}`), { executionId: `e-${name}` });
    expect((await direct.launch(cmd)).status).toBe('launched');
    const finished = await eventually(() =>
      entriesFor(cmd.trace.traceId).find((e) => e.textPayload?.includes('finished')),
    );
    expect(finished.textPayload).toMatch(
      new RegExp(`^Function execution took \\d+ ms, ${tail.replace(/[()]/g, '\\$&')}$`),
    );
  });

  it('given a failing SDK-wrapped function, then it calls back with outcome failed', async () => {
    host.setBehavior('f-cb-fail', { kind: 'fail', message: 'bad row 7' });
    const cmd = launchCommand(fn('f-cb-fail'), { executionId: 'e-cbfail' });
    await direct.launch(cmd);
    const cb = await eventually(() => callbacks.find((c) => c.executionId === 'e-cbfail'));
    expect(cb).toMatchObject({ outcome: 'failed', error: { message: 'bad row 7' } });
  });

  it.each([
    [429, 'retry'],
    [503, 'retry'],
    [502, 'retry'],
    [403, 'failed'],
  ] as const)('given the platform refuses with %i before running the function, then the launch is %s and nothing is logged', async (status, expected) => {
    host.setBehavior(`refuse-${status}`, { kind: 'reject', status, times: 1 });
    const cmd = launchCommand(fn(`refuse-${status}`), { executionId: `e-refuse-${status}` });
    const result = await direct.launch(cmd);
    expect(result.status).toBe(expected);
    expect(entriesFor(cmd.trace.traceId)).toEqual([]);
    if (expected === 'retry') expect((await direct.launch(cmd)).status).toBe('launched');
  });

  it('given a URL with no function (404), then the launch fails terminally', async () => {
    const cmd = launchCommand(fn('nope', { url: `${host.url}/not/a/function/path/at/all` }), {
      executionId: 'e-404',
    });
    expect(await direct.launch(cmd)).toMatchObject({
      status: 'failed',
      error: { kind: 'launch', cause: { status: 404 } },
    });
  });

  it('given nothing listening, then the launch is retryable (connection refused)', async () => {
    const cmd = launchCommand(fn('down', { url: `http://127.0.0.1:${await closedPort()}/fn` }), {
      executionId: 'e-down',
    });
    expect(await direct.launch(cmd)).toMatchObject({
      status: 'retry',
      error: { cause: { network: 'ECONNREFUSED' } },
    });
  });

  it('given a long-running function, then the launch returns once accepted, without waiting for the end', async () => {
    host.setBehavior('slow', { kind: 'lag' });
    const quick = new CloudFunctionLauncher({
      context: CONTEXT,
      mode: 'direct',
      urlFor: (t, l) => host.functionUrl({ ...l, name: t.name }),
      acceptTimeoutMs: 50,
    });
    const cmd = launchCommand(fn('slow'), { executionId: 'e-slow' });
    const result = await quick.launch(cmd);
    expect(result).toMatchObject({ status: 'launched', receipt: { traceId: cmd.trace.traceId } });
    expect(result.status === 'launched' && result.receipt.httpStatus).toBeUndefined();
  });

  it('given an ID token provider, then its Authorization header reaches the function for the function URL audience', async () => {
    const audiences: string[] = [];
    const authed = new CloudFunctionLauncher({
      context: CONTEXT,
      mode: 'direct',
      urlFor: (t, l) => host.functionUrl({ ...l, name: t.name }),
      idToken: async (aud) => {
        audiences.push(aud);
        return 'Bearer signed-id-token';
      },
    });
    const cmd = launchCommand(fn('secured'), { executionId: 'e-auth' });
    await authed.launch(cmd);
    expect(audiences).toEqual([
      host.functionUrl({ name: 'secured', project: 'proj-cf', region: 'us-central1' }),
    ]);
    expect(host.invocations.find((i) => i.context?.executionId === 'e-auth')?.headers.authorization).toBe(
      'Bearer signed-id-token',
    );
  });

  it('given no url, no project and no default, then the launch fails naming the missing setting; the default URL is the gen1 form', async () => {
    const { project_id: _p, ...noProject } = fn('x');
    expect(
      await new CloudFunctionLauncher({ context: CONTEXT, mode: 'direct' }).launch(launchCommand(noProject)),
    ).toMatchObject({
      status: 'failed',
      error: { message: expect.stringContaining('project_id') },
    });
  });

  it('correlationKeys are the trace id and the callback token, pure', () => {
    const cmd = launchCommand(fn('k'), { executionId: 'e-keys' });
    expect(direct.correlationKeys(cmd)).toEqual([
      { kind: 'trace', value: cmd.trace.traceId },
      { kind: 'callback', value: callbackToken(SECRET, 'e-keys', cmd.id) },
    ]);
  });

  describe('task mode through the fake Cloud Tasks service', () => {
    let tasks: FakeCloudTasks;
    let launcher: CloudFunctionLauncher;
    const queue = 'projects/proj-cf/locations/us-central1/queues/firestep-launch';
    beforeAll(async () => {
      tasks = await startFakeCloudTasks();
      launcher = new CloudFunctionLauncher({
        context: CONTEXT,
        mode: 'task',
        tasks: {
          client: createCloudTasksClient({
            apiEndpoint: tasks.host,
            port: tasks.port,
            protocol: 'http',
            authClient: fakeAuth(),
          }),
          queue,
          serviceAccountEmail: 'launcher@proj-cf.iam.gserviceaccount.com',
        },
        urlFor: (t, l) => host.functionUrl({ ...l, name: t.name }),
      });
    });
    afterAll(() => tasks.close());

    it('given a launch, then a named task is created, delivered with trace headers and an OIDC token, and a relaunch adopts it', async () => {
      const cmd = launchCommand(fn('queued'), { executionId: 'e-task', input: { day: '2026-11-23' } });
      const first = await launcher.launch(cmd);
      expect(first).toMatchObject({
        status: 'launched',
        receipt: {
          traceId: cmd.trace.traceId,
          taskName: expect.stringMatching(new RegExp(`^${queue}/tasks/launch-[0-9a-f]{40}$`)),
        },
      });
      if (first.status !== 'launched') return;
      expect(first.extraCorrelationKeys).toEqual([{ kind: 'task', value: first.receipt.taskName }]);
      const second = await launcher.launch(cmd);
      expect(second).toMatchObject({
        status: 'launched',
        receipt: { taskName: first.receipt.taskName, adopted: true },
      });
      const inv = await eventually(() => host.invocations.find((i) => i.context?.executionId === 'e-task'));
      expect(inv.trace).toEqual(cmd.trace);
      expect(inv.body).toMatchObject({ input: { day: '2026-11-23' } });
      expect(inv.headers.authorization).toBe(
        `Bearer fake-oidc-token-for-${inv ? host.functionUrl({ name: 'queued', project: 'proj-cf', region: 'us-central1' }) : ''}`,
      );
      await eventually(() => tasks.tasks.get(String(first.receipt.taskName))?.state === 'delivered');
      expect(tasks.tasks.size).toBe(1);
      expect(host.invocations.filter((i) => i.context?.executionId === 'e-task')).toHaveLength(1);
    });

    it('given Cloud Tasks unreachable, then the launch is retryable; given no queue configured, then it fails naming the setting', async () => {
      const down = new CloudFunctionLauncher({
        context: CONTEXT,
        mode: 'task',
        tasks: {
          client: createCloudTasksClient({
            apiEndpoint: '127.0.0.1',
            port: await closedPort(),
            protocol: 'http',
            authClient: fakeAuth(),
          }),
          queue,
        },
        urlFor: (t, l) => host.functionUrl({ ...l, name: t.name }),
      });
      expect((await down.launch(launchCommand(fn('q'), { executionId: 'e-tdown' }))).status).toBe('retry');
      const none = new CloudFunctionLauncher({ context: CONTEXT, mode: 'task' });
      expect(await none.launch(launchCommand(fn('q')))).toMatchObject({
        status: 'failed',
        error: { message: expect.stringContaining('queue') },
      });
    });
  });
});
