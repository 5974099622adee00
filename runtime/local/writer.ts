/**
 * The store the writing commands (`start`, `cancel`, `redrive`) use, and who carries out the
 * commands their decisions produce:
 * - with the engine's configuration in the environment (the FIRESTEP_* variables the deployed
 *   functions have; see runtime/config.ts), the CLI builds the same runtime as the engine and
 *   dispatches at once: launches through Cloud Tasks / Dataflow / …, timers through Cloud Tasks;
 * - otherwise on the Firestore emulator, it records the decision with the correlation keys a local
 *   engine uses and leaves the commands PENDING in the outbox for the engine serving that project
 *   (a running `firestep run --local` drains them);
 * - `cancel` on a project without the configuration is recorded the same way (its commands are
 *   best-effort stops); `start` and `redrive` refuse, since their launches could not be correlated.
 */
import { createLocalLaunchers } from '../../adapters/factories.ts';
import { decide } from '../../engine/core/decide.ts';
import type { Signal } from '../../engine/core/signals.ts';
import { FirestepError } from '../../engine/errors.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import type { CommandDispatcher } from '../../engine/ports/index.ts';
import type { ExecutionStore } from '../../engine/store/index.ts';
import type { ApplyResult, StoredHead } from '../../engine/store/types.ts';
import { loadRuntimeConfig } from '../config.ts';
import { LOCAL_CALLBACK_SECRET } from '../local-config.ts';
import { FlowRegistry } from '../registry/registry.ts';
import { deferredDispatcher } from './dispatch.ts';
import { openProjectStore, type ProjectFlags, resolveProjectId } from './project.ts';

export interface WriterStore {
  store: ExecutionStore;
  projectId: string;
  /** `engine`: commands dispatched now; `deferred`: left PENDING for the project's engine. */
  mode: 'engine' | 'deferred';
  close(): Promise<void>;
}

/** Correlation keys as a local engine computes them (same launchers, same callback secret). */
function localKeysDispatcher(env: NodeJS.ProcessEnv): CommandDispatcher {
  const launchers = createLocalLaunchers({
    secret: env.FIRESTEP_CALLBACK_SECRET ?? LOCAL_CALLBACK_SECRET,
    replyTo: {},
    functionHostUrl: 'http://127.0.0.1:9',
    dataflowUrl: 'http://127.0.0.1:9/',
    dataprocUrl: 'http://127.0.0.1:9/',
    bigqueryUrl: 'http://127.0.0.1:9/',
    cloudRunUrl: 'http://127.0.0.1:9/',
    storageUrl: 'http://127.0.0.1:9/',
  });
  const byType = new Map(launchers.map((l) => [l.targetType, l]));
  return {
    dispatch: deferredDispatcher.dispatch,
    correlationKeys: (command) => byType.get(command.target.type)?.correlationKeys(command) ?? [],
  };
}

function hasEngineConfig(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.FIRESTEP_CALLBACK_SECRET && env.FIRESTEP_SIGNAL_TOPIC && env.FIRESTEP_TASKS_QUEUE);
}

/**
 * Open a store for a writing command.
 *
 * @example const { store, close } = await openWriterStore({ project: 'my-proj' }, { needsLaunch: false });
 */
export async function openWriterStore(
  flags: ProjectFlags,
  opts: { needsLaunch: boolean; definitions?: FlowDefinition[] },
  env: NodeJS.ProcessEnv = process.env,
): Promise<WriterStore> {
  const projectId = resolveProjectId(flags, env);
  if (hasEngineConfig(env)) {
    // The CLI receives no pushes, so push authentication does not apply to it.
    const config = loadRuntimeConfig({ ...env, GOOGLE_CLOUD_PROJECT: projectId, FIRESTEP_AUTH: 'none' });
    const { createRuntime } = await import('../create-runtime.ts');
    const runtime = await createRuntime(config, { registry: FlowRegistry.of(opts.definitions ?? []) });
    return { store: runtime.store, projectId, mode: 'engine', close: () => runtime.close() };
  }
  if (opts.needsLaunch && !env.FIRESTORE_EMULATOR_HOST) {
    throw new FirestepError(
      'CONFIG',
      `launching on project ${projectId} needs the engine's configuration in the environment ` +
        '(FIRESTEP_REGION, FIRESTEP_CALLBACK_SECRET, FIRESTEP_API_URL, FIRESTEP_SIGNAL_TOPIC, FIRESTEP_TASKS_QUEUE, … as the deployed functions have); ' +
        'or use the API function, or FIRESTORE_EMULATOR_HOST for a local project',
    );
  }
  const project = await openProjectStore(
    { project: projectId },
    localKeysDispatcher(env),
    env.FIRESTEP_CALLBACK_SECRET ?? LOCAL_CALLBACK_SECRET,
  );
  return { store: project.store, projectId, mode: 'deferred', close: () => project.close() };
}

/**
 * Apply a signal and wait (at most `timeoutMs`) until `settled(head)` holds. When another worker is
 * draining the execution the store only queues the signal; then this drains the inbox itself as
 * soon as it can, so the caller learns what became of it.
 *
 * @example const { result, head } = await applyAndSettle(store, id, cancelSignal, (h) => h.status !== 'RUNNING');
 */
export async function applyAndSettle(
  store: ExecutionStore,
  executionId: string,
  signal: Signal,
  settled: (head: StoredHead) => boolean,
  timeoutMs = 10_000,
): Promise<{ result: ApplyResult; head: StoredHead | undefined }> {
  // Ask the engine's own decide first: a signal it would ignore is refused here with its reason,
  // instead of being queued for a drainer that would drop it silently.
  const { def, state } = await store.loadState(executionId);
  // The preview's commands are discarded, so any trace key will do for a keyed execution.
  const preview = decide(def, state, signal, new Date().toISOString(), { traceKey: 'preview-only' });
  if (preview.ignored) {
    throw new FirestepError('EXECUTION_FINISHED', `${preview.ignored.message} (${preview.ignored.code})`);
  }
  const result = await store.apply(executionId, signal);
  let head = await store.getHead(executionId);
  const deadline = Date.now() + timeoutMs;
  while (result.status === 'queued' && head && !settled(head) && Date.now() < deadline) {
    await store.drain(executionId).catch(() => {});
    head = await store.getHead(executionId);
    if (head && settled(head)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { result, head };
}
