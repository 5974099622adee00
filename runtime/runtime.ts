/**
 * What the functions (and the CLI's `run --local`) run on: the store, the dispatcher that carries out
 * its commands, the dependencies of signal ingestion and the flow registry, built once per process by
 * `createRuntime` / `createLocalRuntime`.
 */
import type { Firestore } from '@google-cloud/firestore';
import type { TargetType } from '../engine/flow/model.ts';
import type { CommandDispatcher, Launcher } from '../engine/ports/index.ts';
import type { IngestDeps } from '../engine/signals/ingest.ts';
import type { ExecutionStore } from '../engine/store/index.ts';
import type { CloudRuntimeConfig } from './config.ts';
import type { LocalRuntimeConfig } from './local-config.ts';
import type { FlowRegistry } from './registry/registry.ts';

export interface Runtime {
  readonly config: CloudRuntimeConfig | LocalRuntimeConfig;
  readonly db: Firestore;
  readonly registry: FlowRegistry;
  readonly store: ExecutionStore;
  readonly dispatcher: CommandDispatcher;
  /** Signal ingestion wired to this store (timeouts are probed before they are applied). */
  readonly ingestDeps: IngestDeps;
  /** The launcher of a target type (probes, cancels), if configured. */
  launcherFor(targetType: TargetType): Launcher | undefined;
  /** Stop timers and close clients. Idempotent. */
  close(): Promise<void>;
}
