/**
 * Everything a local run needs, up and wired: the Firestore emulator (and the Pub/Sub emulator when
 * available), the protocol fakes, the engine's local runtime, and the signal path between them —
 * fakes' log entries and SDK callbacks → Pub/Sub topic (as a log sink would publish them) →
 * subscription → `handleEngineMessage`, the deployed engine's own handler. A callback is awaited
 * until the engine has it (`SignalBus.deliver`), as the SDK awaits the API function's answer. `close()` tears it all
 * down, stopping only the emulators it started itself.
 */
import { randomBytes } from 'node:crypto';
import type { PubSub } from '@google-cloud/pubsub';
import type { CloudEventLike } from '../../adapters/fakes/log-entries.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import { log } from '../../engine/log.ts';
import { createLocalRuntime } from '../create-local-runtime.ts';
import { handleEngineMessage } from '../handle-message.ts';
import { FlowRegistry } from '../registry/registry.ts';
import type { Runtime } from '../runtime.ts';
import { ensureEmulator, type RunningEmulator } from './emulators.ts';
import { type LocalFakes, startLocalFakes } from './fakes.ts';
import { createDirectBus, createPubSubBus, SIGNAL_TOPIC, type SignalBus } from './signal-bus.ts';

export interface LocalEnvironmentOptions {
  /** Flows the runtime knows (its registry). */
  definitions: FlowDefinition[];
  /** Project id on the emulators (default `firestep-local`). */
  projectId?: string;
  /** Divide Wait / retry / timeout delays by this (default 1). */
  timerSpeedup?: number;
  /** Use the Pub/Sub emulator when one can be found or started (default true). */
  pubsub?: boolean;
  /** Fake functions / jobs run this long (ms). */
  functionMs?: number;
  jobMs?: number;
}

export interface LocalEnvironment {
  projectId: string;
  firestore: RunningEmulator;
  /** Undefined when signals are delivered without Pub/Sub. */
  pubsubEmulator: RunningEmulator | undefined;
  bus: SignalBus;
  fakes: LocalFakes;
  runtime: Runtime;
  /** Notes for the person running it (e.g. "Pub/Sub emulator not available"). */
  notes: string[];
  /** Create the topics and trigger subscriptions a flow's Pub/Sub steps need (no-op without Pub/Sub). */
  prepareTopics(def: FlowDefinition): Promise<void>;
  /** Be told of every object written to the fake Cloud Storage (its finalized CloudEvent). */
  onStorageEvent(listener: (event: CloudEventLike) => void): void;
  close(): Promise<void>;
}

async function tryPubSub(notes: string[]): Promise<RunningEmulator | undefined> {
  try {
    return await ensureEmulator('pubsub', { timeoutMs: 30_000 });
  } catch (e) {
    notes.push(
      `Pub/Sub emulator not available (${(e as Error).message}); log entries are delivered to the engine directly`,
    );
    return undefined;
  }
}

/**
 * Bring up a local environment.
 *
 * @example
 * const env = await startLocalEnvironment({ definitions: [def], timerSpeedup: 20 });
 * const { executionId } = await env.runtime.store.startExecution(def, { day: 1 });
 * await env.close();
 */
export async function startLocalEnvironment(opts: LocalEnvironmentOptions): Promise<LocalEnvironment> {
  const notes: string[] = [];
  const projectId = opts.projectId ?? 'firestep-local';
  // Teardown order: whatever produces signals (the fakes, then the bus) stops before the engine's
  // clients close, and the emulators go last. The fakes go first: closing them drops requests that
  // never get an answer (a hung sync Http endpoint), so no engine handler is left waiting on one. Slots are filled as things come up, so a
  // failure half-way tears down exactly what exists.
  const parts: {
    bus?: SignalBus;
    fakes?: LocalFakes;
    runtime?: Runtime;
    pubsubClient?: PubSub;
    emulators: RunningEmulator[];
  } = { emulators: [] };
  const step = (what: string, work: () => Promise<unknown> | undefined) =>
    Promise.resolve(work()).catch((e: unknown) => log.debug(`local teardown: ${what} failed`, { error: e }));
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await step('fakes', () => parts.fakes?.close());
      await step('signal bus', () => parts.bus?.close());
      await step('runtime', () => parts.runtime?.close());
      await step('pubsub client', () => parts.pubsubClient?.close());
      await step('emulators', () => Promise.all(parts.emulators.map((e) => e.stop())));
    })();
    return closing;
  };
  try {
    const [firestore, pubsubEmulator] = await Promise.all([
      ensureEmulator('firestore'),
      opts.pubsub === false ? Promise.resolve(undefined) : tryPubSub(notes),
    ]);
    for (const e of [firestore, pubsubEmulator]) if (e) parts.emulators.push(e);

    let runtime: Runtime | undefined;
    const handler = async (event: unknown) => {
      if (!runtime) throw new Error('engine not ready yet');
      return handleEngineMessage(event, runtime, { via: 'local' });
    };
    const runId = randomBytes(4).toString('hex');
    const bus: SignalBus = pubsubEmulator
      ? await createPubSubBus({ host: pubsubEmulator.host, projectId, handler, runId })
      : createDirectBus({ projectId, handler });
    parts.bus = bus;
    if (pubsubEmulator) {
      const { PubSub } = await import('@google-cloud/pubsub');
      parts.pubsubClient = new PubSub({ projectId, apiEndpoint: pubsubEmulator.host });
    }

    const storageListeners: Array<(event: CloudEventLike) => void> = [];
    const fakes = await startLocalFakes({
      publish: (message) => bus.publish(message),
      onStorageEvent: (event) => {
        for (const listener of storageListeners) listener(event);
      },
      deliver: (message) => bus.deliver(message),
      ...(opts.functionMs === undefined ? {} : { functionMs: opts.functionMs }),
      ...(opts.jobMs === undefined ? {} : { jobMs: opts.jobMs }),
    });
    parts.fakes = fakes;

    runtime = await createLocalRuntime(
      {
        projectId,
        firestoreHost: firestore.host,
        fakes: {
          functionHostUrl: fakes.functions.url,
          dataflowUrl: fakes.dataflow.url,
          dataprocUrl: fakes.dataproc.url,
          httpUrl: fakes.http.url,
          bigqueryUrl: fakes.bigquery.url,
          cloudRunUrl: fakes.cloudRun.url,
          storageUrl: fakes.storage.url,
        },
        replyTo: { topic: SIGNAL_TOPIC },
        timerSpeedup: opts.timerSpeedup ?? 1,
      },
      {
        registry: FlowRegistry.of(opts.definitions),
        ...(parts.pubsubClient ? { pubsub: parts.pubsubClient } : {}),
      },
    );
    parts.runtime = runtime;

    const pubsubClient = parts.pubsubClient;
    const prepare = async (def: FlowDefinition) => {
      if (!pubsubClient) return;
      const { prepareTopics } = await import('./topics.ts');
      await prepareTopics(pubsubClient, def, {
        projectId,
        region: 'us-central1',
        functionHostUrl: fakes.functions.url,
        runId,
      });
    };
    return {
      projectId,
      firestore,
      pubsubEmulator,
      bus,
      fakes,
      runtime,
      notes,
      close,
      prepareTopics: prepare,
      onStorageEvent: (listener) => {
        storageListeners.push(listener);
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}
