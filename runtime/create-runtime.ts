/**
 * The composition root of a deployed engine / API function: Firestore, the cloud launchers (Cloud
 * Functions through Cloud Tasks or direct, Dataflow, Dataproc, Http, Pub/Sub), Cloud Tasks timers,
 * the store and signal ingestion. Client libraries are imported here, on first use, not when the
 * function module loads: the cold start of a function instance only pays for what it runs, and the
 * first message only for Firestore and the store (Cloud Tasks, Pub/Sub, Dataflow and Dataproc
 * clients load when a timer, a launch or a Dataflow confirmation first needs them).
 */

import type { DataflowJobs } from '../engine/ports/index.ts';
import type { RuntimeOptions } from './assemble.ts';
import type { CloudRuntimeConfig } from './config.ts';
import { lazyPubSub } from './lazy-pubsub.ts';
import { FlowRegistry } from './registry/registry.ts';
import type { Runtime } from './runtime.ts';

/**
 * Build the runtime of a deployed function.
 *
 * @example
 * const runtime = await createRuntime(loadRuntimeConfig(process.env));
 * await runtime.store.startExecution(runtime.registry.get('sample-dag')!, {});
 */
export async function createRuntime(
  config: CloudRuntimeConfig,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const registry = options.registry ?? (await FlowRegistry.fromDirectory(config.flowsDir));
  // What every message needs (the store over Firestore, the dispatcher); the Cloud Tasks, Pub/Sub,
  // Dataflow and Dataproc client libraries load later, when a command or a signal first needs one.
  const [
    { assembleRuntime },
    { Firestore },
    factories,
    dispatcherModule,
    tasksModule,
    timersModule,
    { createNotifier },
  ] = await Promise.all([
    import('./assemble.ts'),
    import('@google-cloud/firestore'),
    import('../adapters/factories.ts'),
    import('../adapters/dispatcher.ts'),
    import('../adapters/shared/http-task.ts'),
    import('../adapters/timers/cloud-tasks.ts'),
    import('../adapters/notify/notifier.ts'),
  ]);
  const db =
    options.db ??
    new Firestore({
      projectId: config.projectId,
      ...(config.firestoreDatabase ? { databaseId: config.firestoreDatabase } : {}),
    });
  const pubsub = lazyPubSub({ projectId: config.projectId });
  const queue = {
    client: tasksModule.lazyCloudTasksClient(),
    queue: factories.queuePath(config.tasksQueue, config.projectId, config.region),
    ...(config.tasksServiceAccount ? { serviceAccountEmail: config.tasksServiceAccount } : {}),
  };
  const dispatcher = dispatcherModule.createDispatcher({
    launchers: factories.createCloudLaunchers(config, { pubsub: pubsub.client, tasks: queue }),
    timers: new timersModule.CloudTasksTimerScheduler({ queue, apiUrl: config.apiUrl }),
    notifier: createNotifier({
      pubsub: pubsub.client,
      projectId: config.projectId,
      secret: config.callbackSecret,
    }),
  });
  return assembleRuntime({
    config,
    db,
    registry,
    dispatcher,
    dataflow: lazyDataflowJobs(),
    options,
    close: async () => {
      await pubsub.close();
      await queue.client.close();
      if (!options.db) await db.terminate();
    },
  });
}

/**
 * The googleapis Dataflow client (and google-auth-library under it), loaded when a "Worker pool
 * stopped." line first has to be confirmed with `jobs.get`, not with the runtime. A failed load is
 * not cached.
 */
function lazyDataflowJobs(): DataflowJobs {
  let real: Promise<DataflowJobs> | undefined;
  const load = () => {
    real ??= import('../adapters/dataflow/jobs-client.ts').then(
      ({ googleDataflowJobs }) => googleDataflowJobs(),
      (e: unknown) => {
        real = undefined;
        throw e;
      },
    );
    return real;
  };
  return { getJob: async (projectId, region, jobId) => (await load()).getJob(projectId, region, jobId) };
}
