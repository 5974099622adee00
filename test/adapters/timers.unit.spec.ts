import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeCloudTasks, startFakeCloudTasks } from '../../adapters/fakes/cloud-tasks.ts';
import { createCloudTasksClient } from '../../adapters/shared/http-task.ts';
import { CloudTasksTimerScheduler } from '../../adapters/timers/cloud-tasks.ts';
import { LocalTimerScheduler } from '../../adapters/timers/local.ts';
import { commandId, type TimerCommand } from '../../engine/core/commands.ts';
import { isFirestepError } from '../../engine/errors.ts';
import {
  type TimerMessage,
  TimerMessageSchema,
  timerCommandMatches,
} from '../../engine/signals/wire/timer.ts';
import { closedPort, eventually, fakeAuth } from './support.ts';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const timer = (over: Partial<TimerCommand> = {}): TimerCommand => {
  const path = over.path ?? 'Step1';
  const attempt = over.attempt ?? 1;
  const kind = over.timer ?? 'retry';
  return {
    kind: 'timer',
    id: commandId(`timer-${kind}`, path, attempt),
    executionId: over.executionId ?? 'exec-t',
    step: 'Step1',
    path,
    attempt,
    timer: kind,
    dueAt: over.dueAt ?? new Date(NOW.getTime() + 1000).toISOString(),
  };
};

describe('LocalTimerScheduler', () => {
  it('given a timer due in 1 s with speedup 100, then deliver receives the firestep.timer message once, even if scheduled twice', async () => {
    const delivered: TimerMessage[] = [];
    const timers = new LocalTimerScheduler({
      deliver: (m) => void delivered.push(m),
      speedup: 100,
      now: () => NOW,
    });
    const cmd = timer({ executionId: 'e-local' });
    await timers.schedule(cmd);
    await timers.schedule(cmd);
    await eventually(() => delivered.length === 1);
    expect(TimerMessageSchema.parse(delivered[0])).toEqual({
      kind: 'firestep.timer',
      executionId: 'e-local',
      path: 'Step1',
      attempt: 1,
      timer: 'retry',
      commandId: cmd.id,
    });
    expect(timerCommandMatches(delivered[0] as TimerMessage)).toBe(true);
    expect(timers.pending).toBe(0);
  });

  it('given clear() before the timer is due, then nothing is delivered', async () => {
    const delivered: TimerMessage[] = [];
    const timers = new LocalTimerScheduler({ deliver: (m) => void delivered.push(m), now: () => NOW });
    await timers.schedule(timer({ dueAt: new Date(NOW.getTime() + 60_000).toISOString() }));
    expect(timers.pending).toBe(1);
    timers.clear();
    expect(timers.pending).toBe(0);
    expect(delivered).toEqual([]);
  });

  it('given deliver fails once, then the timer is delivered again', async () => {
    let calls = 0;
    const timers = new LocalTimerScheduler({
      deliver: () => {
        calls += 1;
        if (calls === 1) throw new Error('engine busy');
      },
      retryDelayMs: 5,
      now: () => NOW,
    });
    await timers.schedule(timer({ dueAt: NOW.toISOString() }));
    await eventually(() => calls === 2);
  });
});

describe('CloudTasksTimerScheduler against the fake Cloud Tasks service', () => {
  let tasks: FakeCloudTasks;
  let api: Server;
  let apiUrl: string;
  const received: Array<{ url: string; body: unknown; auth: string | undefined }> = [];
  const queue = 'projects/proj-t/locations/europe-west1/queues/firestep';

  beforeAll(async () => {
    tasks = await startFakeCloudTasks({ speedup: 100 });
    api = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ url: req.url ?? '', body: JSON.parse(body), auth: req.headers.authorization });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
    const addr = api.address();
    apiUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
  });
  afterAll(async () => {
    await tasks.close();
    api.closeAllConnections();
    api.close();
  });

  const scheduler = () =>
    new CloudTasksTimerScheduler({
      queue: {
        client: createCloudTasksClient({
          apiEndpoint: tasks.host,
          port: tasks.port,
          protocol: 'http',
          authClient: fakeAuth(),
        }),
        queue,
        serviceAccountEmail: 'timers@proj-t.iam.gserviceaccount.com',
      },
      apiUrl,
    });

  it('given a timer, then a task is scheduled at dueAt to /v1/timers with an OIDC token, and scheduling again is a no-op', async () => {
    const dueAt = new Date(Date.now() + 2000).toISOString();
    const cmd = timer({ executionId: 'e-ct', timer: 'wait', dueAt });
    const s = scheduler();
    await s.schedule(cmd);
    await s.schedule(cmd);
    expect(tasks.tasks.size).toBe(1);
    const [task] = [...tasks.tasks.values()];
    expect(task?.name).toMatch(new RegExp(`^${queue}/tasks/timer-[0-9a-f]{40}$`));
    expect(task?.scheduleTime).toBe(dueAt);
    const got = await eventually(() => received.find((r) => (r.body as TimerMessage).executionId === 'e-ct'));
    expect(got.url).toBe('/v1/timers');
    expect(got.auth).toMatch(/^Bearer /);
    expect(TimerMessageSchema.parse(got.body)).toMatchObject({ timer: 'wait', commandId: cmd.id });
  });

  it('given Cloud Tasks unreachable, then schedule throws a retryable FirestepError; a timer 31 days ahead is refused', async () => {
    const down = new CloudTasksTimerScheduler({
      queue: {
        client: createCloudTasksClient({
          apiEndpoint: '127.0.0.1',
          port: await closedPort(),
          protocol: 'http',
          authClient: fakeAuth(),
        }),
        queue,
      },
      apiUrl,
    });
    const err = await down.schedule(timer()).catch((e: unknown) => e);
    expect(isFirestepError(err) && err.retryable).toBe(true);
    const far = await scheduler()
      .schedule(timer({ dueAt: new Date(Date.now() + 31 * 24 * 3600 * 1000).toISOString() }))
      .catch((e: unknown) => e);
    expect(isFirestepError(far, 'CONFIG')).toBe(true);
  });
});
