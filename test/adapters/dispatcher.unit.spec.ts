import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../adapters/dispatcher.ts';
import { createLocalLaunchers } from '../../adapters/factories.ts';
import { type FakeDataflow, startFakeDataflow } from '../../adapters/fakes/dataflow.ts';
import { type FakeDataproc, startFakeDataproc } from '../../adapters/fakes/dataproc.ts';
import { type FakeFunctionHost, startFakeFunctionHost } from '../../adapters/fakes/function-host.ts';
import type { LogEntry } from '../../adapters/fakes/log-entries.ts';
import { LocalTimerScheduler } from '../../adapters/timers/local.ts';
import { commandId } from '../../engine/core/commands.ts';
import type { Launcher } from '../../engine/ports/index.ts';
import {
  type CallbackMessage,
  CallbackMessageSchema,
  callbackToken,
} from '../../engine/signals/wire/callback.ts';
import type { TimerMessage } from '../../engine/signals/wire/timer.ts';
import { eventually, launchCommand, SECRET } from './support.ts';

describe('dispatcher over the local launchers and fakes', () => {
  let host: FakeFunctionHost;
  let df: FakeDataflow;
  let dp: FakeDataproc;
  const entries: LogEntry[] = [];
  const timersFired: TimerMessage[] = [];
  const callbacks: CallbackMessage[] = [];
  const timers = new LocalTimerScheduler({ deliver: (m) => void timersFired.push(m), speedup: 1000 });
  let dispatcher: ReturnType<typeof createDispatcher>;

  beforeAll(async () => {
    host = await startFakeFunctionHost({ onLogEntry: (e) => entries.push(e) });
    df = await startFakeDataflow({ onLogEntry: (e) => entries.push(e) });
    dp = await startFakeDataproc();
    dispatcher = createDispatcher({
      launchers: createLocalLaunchers({
        secret: SECRET,
        replyTo: {},
        functionHostUrl: host.url,
        dataflowUrl: df.url,
        dataprocUrl: dp.url,
        deliverCallback: (m) => void callbacks.push(m),
      }),
      timers,
    });
  });
  afterAll(async () => {
    timers.clear();
    await Promise.all([host.close(), df.close(), dp.close()]);
  });

  it('given a function step whose flow names a real URL, then the local dispatcher calls the fake host with the trace, and the gen1 line follows', async () => {
    const cmd = launchCommand(
      { type: 'CloudFunction', name: 'Init', url: 'https://example.invalid/init' },
      { executionId: 'e-d1' },
    );
    const outcome = await dispatcher.dispatch(cmd);
    expect(outcome).toMatchObject({
      status: 'launched',
      receipt: {
        target: 'CloudFunction',
        traceId: cmd.trace.traceId,
        url: `${host.url}/firestep-local/us-central1/Init`,
      },
    });
    await eventually(() =>
      entries.find(
        (e) =>
          e.trace === `projects/firestep-local/traces/${cmd.trace.traceId}` &&
          e.textPayload?.includes('finished'),
      ),
    );
  });

  it("given a Dataflow step, then the receipt has the job and the correlation keys are the launcher's", async () => {
    const cmd = launchCommand(
      {
        type: 'Dataflow',
        name: 'word-count-demo',
        template: { kind: 'flex', container_gcs_path: 'gs://b/t.json' },
      },
      { executionId: 'e-d2', path: 'Step2/1/Branch2', step: 'Branch2' },
    );
    expect(dispatcher.correlationKeys(cmd).map((k) => k.kind)).toEqual(['dataflowJobName', 'callback']);
    const outcome = await dispatcher.dispatch(cmd);
    expect(outcome).toMatchObject({
      status: 'launched',
      receipt: { jobName: dispatcher.correlationKeys(cmd)[0]?.value, jobId: expect.any(String) },
    });
  });

  it('given Dataproc steps, then they launch on the fake and their end comes back as SDK callbacks with the attempt token', async () => {
    dp.setBehavior('Broken_Agg', { outcome: 'fail' });
    const workflow = { jobs: [{ stepId: 's', sparkJob: {} }] };
    const ok = launchCommand({ type: 'Dataproc', name: 'agg', workflow }, { executionId: 'e-d3' });
    const bad = launchCommand({ type: 'Dataproc', name: 'Broken_Agg', workflow }, { executionId: 'e-d3b' });
    expect(await dispatcher.dispatch(ok)).toMatchObject({
      status: 'launched',
      receipt: { target: 'Dataproc' },
    });
    expect(await dispatcher.dispatch(bad)).toMatchObject({ status: 'launched' });
    await eventually(() => callbacks.length === 2);
    const byExec = Object.fromEntries(callbacks.map((c) => [c.executionId, c]));
    expect(byExec['e-d3']).toMatchObject({
      kind: 'firestep.callback',
      outcome: 'succeeded',
      token: callbackToken(SECRET, 'e-d3', ok.id),
      path: 'Step1',
      attempt: 1,
    });
    expect(CallbackMessageSchema.parse(byExec['e-d3b'])).toMatchObject({
      outcome: 'failed',
      error: { name: 'States.TaskFailed', message: expect.stringContaining('failed') },
    });
  });

  it('given a timer command, then it is scheduled (done) and delivered', async () => {
    const outcome = await dispatcher.dispatch({
      kind: 'timer',
      id: commandId('timer-wait', 'Pause', 1),
      executionId: 'e-d4',
      step: 'Pause',
      path: 'Pause',
      attempt: 1,
      timer: 'wait',
      dueAt: new Date(Date.now() + 1000).toISOString(),
    });
    expect(outcome).toEqual({ status: 'done' });
    await eventually(() => timersFired.find((t) => t.executionId === 'e-d4'));
  });

  it('given a cancel of a running Dataflow job, then the job is cancelled; a cancel without receipt is simply done', async () => {
    df.setBehavior('long-job', { outcome: 'lag' });
    const target = {
      type: 'Dataflow' as const,
      name: 'long-job',
      template: { kind: 'flex' as const, container_gcs_path: 'gs://b/t.json' },
    };
    const launched = await dispatcher.dispatch(launchCommand(target, { executionId: 'e-d5' }));
    if (launched.status !== 'launched') throw new Error('launch failed');
    const cancel = {
      kind: 'cancel' as const,
      id: commandId('cancel', 'Step1', 1),
      executionId: 'e-d5',
      step: 'Step1',
      path: 'Step1',
      attempt: 1,
      target,
    };
    expect(await dispatcher.dispatch({ ...cancel, receipt: launched.receipt })).toEqual({ status: 'done' });
    await eventually(
      () => df.jobs.get(String(launched.receipt.jobId))?.job.currentState === 'JOB_STATE_CANCELLED',
    );
    expect(await dispatcher.dispatch(cancel)).toEqual({ status: 'done' });
  });

  it('given a target type with no launcher, then the launch fails terminally naming it; a launcher that throws is classified', async () => {
    const bare = createDispatcher({ launchers: [], timers });
    expect(await bare.dispatch(launchCommand({ type: 'PubSub', name: 'p', topic: 't' }))).toMatchObject({
      status: 'failed',
      error: { message: expect.stringContaining('PubSub') },
    });
    expect(bare.correlationKeys(launchCommand({ type: 'PubSub', name: 'p', topic: 't' }))).toEqual([]);
    const throwing: Launcher = {
      targetType: 'Http',
      correlationKeys: () => [],
      launch: async () => {
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      },
    };
    const d = createDispatcher({ launchers: [throwing], timers });
    expect(await d.dispatch(launchCommand({ type: 'Http', name: 'h', url: 'http://x' }))).toMatchObject({
      status: 'retry',
    });
  });
});
