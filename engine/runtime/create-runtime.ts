/**
 * The composition root of a deployed engine / API function: Firestore, the cloud launchers (Cloud
 * Functions through Cloud Tasks or direct, Dataflow, Dataproc, Http, Pub/Sub), Cloud Tasks timers,
 * the store and signal ingestion. Client libraries are imported here, on first use, not when the
 * function module loads: the cold start of a function instance only pays for what it runs.
 */
import { FlowRegistry } from '../registry/registry.ts';
import type { RuntimeOptions } from './assemble.ts';
import type { CloudRuntimeConfig } from './config.ts';
import { lazyPubSub } from './lazy-pubsub.ts';
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
  const [
    { assembleRuntime },
    { Firestore },
    factories,
    dispatcherModule,
    tasksModule,
    timersModule,
    dataflowJobs,
  ] = await Promise.all([
    import('./assemble.ts'),
    import('@google-cloud/firestore'),
    import('../../adapters/factories.ts'),
    import('../../adapters/dispatcher.ts'),
    import('../../adapters/shared/http-task.ts'),
    import('../../adapters/timers/cloud-tasks.ts'),
    import('../signals/dataflow-jobs.ts'),
  ]);
  const db =
    options.db ??
    new Firestore({
      projectId: config.projectId,
      ...(config.firestoreDatabase ? { databaseId: config.firestoreDatabase } : {}),
    });
  const pubsub = lazyPubSub({ projectId: config.projectId });
  const queue = {
    client: tasksModule.createCloudTasksClient(),
    queue: factories.queuePath(config.tasksQueue, config.projectId, config.region),
    ...(config.tasksServiceAccount ? { serviceAccountEmail: config.tasksServiceAccount } : {}),
  };
  const dispatcher = dispatcherModule.createDispatcher({
    launchers: factories.createCloudLaunchers(config, { pubsub: pubsub.client, tasks: queue }),
    timers: new timersModule.CloudTasksTimerScheduler({ queue, apiUrl: config.apiUrl }),
  });
  return assembleRuntime({
    config,
    db,
    registry,
    dispatcher,
    dataflow: dataflowJobs.googleDataflowJobs(),
    options,
    close: async () => {
      await pubsub.close();
      await queue.client.close();
      if (!options.db) await db.terminate();
    },
  });
}
