/**
 * The composition root of a local run (`firestep run --local`, tests, the demo): the Firestore
 * emulator, launchers pointed at the protocol fakes (Http targets too, given `fakes.httpUrl`),
 * in-process timers. The same store, dispatcher and ingestion as a deployment; timers deliver into
 * the same message path the API's `/v1/timers` uses.
 */
import type { PubSub } from '@google-cloud/pubsub';
import { ingest } from '../engine/signals/ingest.ts';
import type { RuntimeOptions } from './assemble.ts';
import { type LocalRuntimeInput, localRuntimeConfig } from './local-config.ts';
import { FlowRegistry } from './registry/registry.ts';
import type { Runtime } from './runtime.ts';

export interface LocalRuntimeOptions extends RuntimeOptions {
  /** Flows directory when no `registry` is given (default `flows/` in the working directory). */
  flowsDir?: string;
  /** A Pub/Sub client on the emulator, for PubSub targets and Pub/Sub-triggered functions. */
  pubsub?: PubSub;
  /** Environment for Http bearer secrets and the emulator host (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/**
 * Build a runtime on the emulator and the fakes.
 *
 * @example
 * const host = await startFakeFunctionHost({ onLogEntry: (e) => handleEngineMessage(e, runtime) });
 * const df = await startFakeDataflow({ onLogEntry: (e) => handleEngineMessage(e, runtime) });
 * const runtime = await createLocalRuntime({ fakes: { functionHostUrl: host.url, dataflowUrl: df.url } }, { registry });
 */
export async function createLocalRuntime(
  input: LocalRuntimeInput,
  options: LocalRuntimeOptions = {},
): Promise<Runtime> {
  const env = options.env ?? process.env;
  const config = localRuntimeConfig(input, env);
  const registry =
    options.registry ?? (await FlowRegistry.fromDirectory(options.flowsDir ?? `${process.cwd()}/flows`));
  const [
    { assembleRuntime },
    { Firestore },
    factories,
    dispatcherModule,
    timersModule,
    dataflowJobs,
    { localHttpOptions },
    { createNotifier },
  ] = await Promise.all([
    import('./assemble.ts'),
    import('@google-cloud/firestore'),
    import('../adapters/factories.ts'),
    import('../adapters/dispatcher.ts'),
    import('../adapters/timers/local.ts'),
    import('../adapters/dataflow/jobs-client.ts'),
    import('../adapters/http/local.ts'),
    import('../adapters/notify/notifier.ts'),
  ]);
  const db =
    options.db ?? new Firestore({ projectId: config.projectId, host: config.firestoreHost, ssl: false });

  // Timers fire into the engine's message path; a rejection (transient) is redelivered by the scheduler.
  let runtime: Runtime | undefined;
  const timers = new timersModule.LocalTimerScheduler({
    deliver: async (message) => {
      if (runtime) await ingest(message, runtime.ingestDeps);
    },
    speedup: config.timerSpeedup,
  });
  const launchers = factories.createLocalLaunchers({
    secret: config.callbackSecret,
    replyTo: config.replyTo,
    projectId: config.projectId,
    region: config.region,
    functionHostUrl: config.fakes.functionHostUrl,
    dataflowUrl: config.fakes.dataflowUrl,
    ...(config.fakes.dataprocUrl ? { dataprocUrl: config.fakes.dataprocUrl } : {}),
    ...(config.fakes.bigqueryUrl ? { bigqueryUrl: config.fakes.bigqueryUrl } : {}),
    ...(config.fakes.cloudRunUrl ? { cloudRunUrl: config.fakes.cloudRunUrl } : {}),
    ...(config.fakes.storageUrl ? { storageUrl: config.fakes.storageUrl } : {}),
    ...(config.fakes.httpUrl ? { http: localHttpOptions(config.fakes.httpUrl) } : {}),
    ...(options.pubsub ? { pubsub: options.pubsub } : {}),
    env,
    // Dataproc has no completion log locally: a poller reports finished workflows as callbacks.
    deliverCallback: async (message) => {
      if (runtime) await ingest(message, runtime.ingestDeps);
    },
  });
  runtime = assembleRuntime({
    config,
    db,
    registry,
    dispatcher: dispatcherModule.createDispatcher({
      launchers,
      timers,
      notifier: createNotifier({
        secret: config.callbackSecret,
        projectId: config.projectId,
        ...(options.pubsub ? { pubsub: options.pubsub } : {}),
      }),
    }),
    dataflow: dataflowJobs.googleDataflowJobs({ rootUrl: config.fakes.dataflowUrl }),
    options,
    close: async () => {
      timers.clear();
      if (!options.db) await db.terminate();
    },
  });
  return runtime;
}
