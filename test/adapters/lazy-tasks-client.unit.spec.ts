/**
 * `lazyCloudTasksClient`: the queue client a deployed runtime creates with the runtime, which loads
 * `@google-cloud/tasks` on its first task. It must behave exactly as the eager client against the
 * Cloud Tasks REST protocol: one task per name, ALREADY_EXISTS read as "created before", an
 * unreachable service as a retryable failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeCloudTasks, startFakeCloudTasks } from '../../adapters/fakes/cloud-tasks.ts';
import { createHttpTask, lazyCloudTasksClient, taskIdFor } from '../../adapters/shared/http-task.ts';
import { CloudTasksTimerScheduler } from '../../adapters/timers/cloud-tasks.ts';
import { commandId, type TimerCommand } from '../../engine/core/commands.ts';
import { isFirestepError } from '../../engine/errors.ts';
import { closedPort, fakeAuth } from './support.ts';

const QUEUE = 'projects/proj-l/locations/europe-west1/queues/firestep';
// Due in an hour: the fake holds the task and never calls the (unused) API URL during the test.
const timer = (executionId: string): TimerCommand => ({
  kind: 'timer',
  id: commandId('timer-wait', 'Wait1', 1),
  executionId,
  step: 'Wait1',
  path: 'Wait1',
  attempt: 1,
  timer: 'wait',
  dueAt: new Date(Date.now() + 3600_000).toISOString(),
});

describe('lazyCloudTasksClient against the fake Cloud Tasks service', () => {
  let fake: FakeCloudTasks;

  beforeAll(async () => {
    fake = await startFakeCloudTasks();
  });
  afterAll(async () => {
    await fake.close();
  });

  const lazyClient = () =>
    lazyCloudTasksClient({
      apiEndpoint: fake.host,
      port: fake.port,
      protocol: 'http',
      authClient: fakeAuth(),
    });

  it('given a lazy client, when the same timer is scheduled twice, then one task exists with the deterministic name', async () => {
    const client = lazyClient();
    const timers = new CloudTasksTimerScheduler({
      queue: { client, queue: QUEUE },
      apiUrl: 'http://127.0.0.1:9/',
    });

    await timers.schedule(timer('exec-lazy-1'));
    await timers.schedule(timer('exec-lazy-1'));

    const named = [...fake.tasks.values()].filter((t) =>
      t.name.endsWith(`/tasks/${taskIdFor('timer', 'exec-lazy-1', timer('exec-lazy-1').id)}`),
    );
    expect(named).toHaveLength(1);
    await client.close();
  });

  it('given a task created before, when created again through a lazy client, then created is false', async () => {
    const client = lazyClient();
    const spec = { taskId: 'lazy-dup-1', url: 'http://127.0.0.1:9/x', headers: {}, body: { n: 1 } };
    const q = { client, queue: QUEUE };

    const first = await createHttpTask(q, { ...spec, scheduleTime: new Date(Date.now() + 3600_000) });
    const second = await createHttpTask(q, { ...spec, scheduleTime: new Date(Date.now() + 3600_000) });

    expect(first).toEqual({ taskName: `${QUEUE}/tasks/lazy-dup-1`, created: true });
    expect(second).toEqual({ taskName: `${QUEUE}/tasks/lazy-dup-1`, created: false });
    await client.close();
  });

  it('given a lazy client that never sent a task, when closed, then it resolves without loading anything', async () => {
    await expect(lazyClient().close()).resolves.toBeUndefined();
  });

  it('given Cloud Tasks unreachable, when a timer is scheduled through a lazy client, then it fails retryably', async () => {
    const client = lazyCloudTasksClient({
      apiEndpoint: '127.0.0.1',
      port: await closedPort(),
      protocol: 'http',
      authClient: fakeAuth(),
    });
    const timers = new CloudTasksTimerScheduler({
      queue: { client, queue: QUEUE },
      apiUrl: 'http://127.0.0.1:9/',
    });

    const err = await timers.schedule(timer('exec-lazy-down')).catch((e: unknown) => e);

    expect(isFirestepError(err, 'LAUNCH_FAILED') && err.retryable).toBe(true);
    await client.close();
  });
});
