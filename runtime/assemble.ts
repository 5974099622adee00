/**
 * The part of the composition root shared by the cloud and local runtimes: given a Firestore
 * client, a dispatcher and the flows, build the store and the dependencies of signal ingestion.
 */
import type { Firestore } from '@google-cloud/firestore';
import type { AdapterDispatcher } from '../adapters/dispatcher.ts';
import type { Signal } from '../engine/core/signals.ts';
import type { DataflowJobs } from '../engine/ports/index.ts';
import type { IngestDeps } from '../engine/signals/ingest.ts';
import { firestoreDeadLetters } from '../engine/store/dead-letters.ts';
import { ExecutionStore } from '../engine/store/execution-store.ts';
import type { ExecutionStoreOptions } from '../engine/store/types.ts';
import type { CloudRuntimeConfig } from './config.ts';
import type { LocalRuntimeConfig } from './local-config.ts';
import type { FlowRegistry } from './registry/registry.ts';
import type { Runtime } from './runtime.ts';
import { probeAttempt, resolveTimeout } from './timeout-probe.ts';

/** Options both runtimes accept: clients to reuse and the store's observation/test seams. */
export interface RuntimeOptions {
  /** Use this Firestore client (not closed by `close()`). */
  db?: Firestore;
  /** Use these flows instead of loading the flows directory. */
  registry?: FlowRegistry;
  /** Called after every commit with the appended events (the CLI's live view and `--json`). */
  onEvents?: ExecutionStoreOptions['onEvents'];
  clock?: () => Date;
  /** Crash-injection seams of the store (tests). */
  faults?: ExecutionStoreOptions['faults'];
}

export interface RuntimeParts {
  config: CloudRuntimeConfig | LocalRuntimeConfig;
  db: Firestore;
  registry: FlowRegistry;
  dispatcher: AdapterDispatcher;
  dataflow: DataflowJobs;
  options: RuntimeOptions;
  /** Releases what this runtime created (timers, clients). */
  close: () => Promise<void>;
}

/**
 * @example const runtime = assembleRuntime({ config, db, registry, dispatcher, dataflow, options: {}, close });
 */
export function assembleRuntime(parts: RuntimeParts): Runtime {
  const { config, db, dispatcher, options } = parts;
  const store = new ExecutionStore({
    db,
    dispatcher,
    traceKey: config.callbackSecret,
    ...(config.snapshotEvery === undefined ? {} : { snapshotEvery: config.snapshotEvery }),
    ...('retentionDays' in config && config.retentionDays !== undefined
      ? { retentionDays: config.retentionDays }
      : {}),
    ...(options.onEvents ? { onEvents: options.onEvents } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const launcherFor = dispatcher.launcherFor;

  async function apply(executionId: string, signal: Signal) {
    // A due timeout first asks the platform whether the work already finished (see timeout-probe.ts).
    const resolved =
      signal.kind === 'timer' && signal.timer === 'timeout'
        ? await resolveTimeout(executionId, signal, {
            loadState: (id) => store.loadState(id),
            launcherFor,
            traceKey: config.callbackSecret,
          })
        : signal;
    const result = await store.apply(executionId, resolved);
    return result.ignored
      ? { status: result.status, reason: `${result.ignored.code}: ${result.ignored.message}` }
      : result;
  }

  const ingestDeps: IngestDeps = {
    lookup: { lookup: (key) => store.lookupCorrelation(key) },
    apply,
    dataflow: parts.dataflow,
    confirm: (target) =>
      probeAttempt(target.executionId, target.path, target.attempt, {
        loadState: (id) => store.loadState(id),
        launcherFor,
      }),
    deadLetters: firestoreDeadLetters(db, options.clock),
    engineFunctionName: config.engineFunction,
    apiFunctionName: config.apiFunction,
  };

  let closed: Promise<void> | undefined;
  return {
    config,
    db,
    registry: parts.registry,
    store,
    dispatcher,
    ingestDeps,
    launcherFor,
    close: () => {
      closed ??= parts.close();
      return closed;
    },
  };
}
