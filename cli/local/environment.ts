/**
 * Everything a local run needs, up and wired: the Firestore emulator (and the Pub/Sub emulator when
 * available), the protocol fakes, the engine's local runtime, and the signal path between them —
 * fakes' log entries and SDK callbacks → Pub/Sub topic (as a log sink would publish them) →
 * subscription → `handleEngineMessage`, the deployed engine's own handler. `close()` tears it all
 * down, stopping only the emulators it started itself.
 */
import { randomBytes } from 'node:crypto';
import type { PubSub } from '@google-cloud/pubsub';
import { log } from '../../engine/log.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import { FlowRegistry } from '../../engine/registry/registry.ts';
import { createLocalRuntime } from '../../engine/runtime/create-local-runtime.ts';
import type { Runtime } from '../../engine/runtime/runtime.ts';
import { handleEngineMessage } from '../../functions/engine/handle-message.ts';
import { ensureEmulator, type RunningEmulator } from './emulators.ts';
import { type LocalFakes, startLocalFakes } from './fakes.ts';
import { createDirectBus, createPubSubBus, type SignalBus, SIGNAL_TOPIC } from './signal-bus.ts';

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
  /** Sweep the outbox this often (ms; default 300): dispatches commands other processes recorded. */
  sweepMs?: number;
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
  close(): Promise<void>;
}

async function tryPubSub(notes: string[]): Promise<RunningEmulator | undefined> {
  try {
    return await ensureEmulator('pubsub', { timeoutMs: 30_000 });
  } catch (e) {
    notes.push(`Pub/Sub emulator not available (${(e as Error).message}); log entries are delivered to the engine directly`);
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
  const started: RunningEmulator[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => log.debug('local teardown step failed', { error: e }));
    cleanups.length = 0;
  };
  try {
    const [firestore, pubsubEmulator] = await Promise.all([
      ensureEmulator('firestore'),
      opts.pubsub === false ? Promise.resolve(undefined) : tryPubSub(notes),
    ]);
    for (const e of [firestore, pubsubEmulator]) if (e) started.push(e);
    cleanups.push(async () => {
      await Promise.all(started.map((e) => e.stop()));
    });

    let runtime: Runtime | undefined;
    const handler = async (event: unknown) => {
      if (!runtime) throw new Error('engine not ready yet');
      return handleEngineMessage(event, runtime, { via: 'local' });
    };
    const runId = randomBytes(4).toString('hex');
    let pubsubClient: PubSub | undefined;
    const bus: SignalBus = pubsubEmulator
      ? await createPubSubBus({ host: pubsubEmulator.host, projectId, handler, runId })
      : createDirectBus({ projectId, handler });
    cleanups.push(() => bus.close());
    if (pubsubEmulator) {
      const { PubSub } = await import('@google-cloud/pubsub');
      pubsubClient = new PubSub({ projectId, apiEndpoint: pubsubEmulator.host });
      const client = pubsubClient;
      cleanups.push(() => client.close());
    }

    const fakes = await startLocalFakes({
      publish: (message) => bus.publish(message),
      ...(opts.functionMs === undefined ? {} : { functionMs: opts.functionMs }),
      ...(opts.jobMs === undefined ? {} : { jobMs: opts.jobMs }),
    });
    cleanups.push(() => fakes.close());

    runtime = await createLocalRuntime(
      {
        projectId,
        firestoreHost: firestore.host,
        fakes: { functionHostUrl: fakes.functions.url, dataflowUrl: fakes.dataflow.url, dataprocUrl: fakes.dataproc.url },
        replyTo: { topic: SIGNAL_TOPIC },
        timerSpeedup: opts.timerSpeedup ?? 1,
      },
      { registry: FlowRegistry.of(opts.definitions), ...(pubsubClient ? { pubsub: pubsubClient } : {}) },
    );
    const live = runtime;
    cleanups.push(() => live.close());

    const sweep = setInterval(() => {
      live.store.sweepPending({ limit: 100 }).catch((e: unknown) => log.debug('local sweep failed', { error: e }));
    }, opts.sweepMs ?? 300);
    sweep.unref();
    cleanups.push(async () => clearInterval(sweep));

    return { projectId, firestore, pubsubEmulator, bus, fakes, runtime, notes, close };
  } catch (e) {
    await close();
    throw e;
  }
}
