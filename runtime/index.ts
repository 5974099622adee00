/**
 * The composition root: configuration, and the runtimes (store + dispatcher + ingestion + flows)
 * that the deployed functions and `firestep run --local` run on.
 */
export type { RuntimeOptions } from './assemble.ts';
export {
  type CloudRuntimeConfig,
  type LaunchMode,
  loadRuntimeConfig,
  RUNTIME_ENV_VARIABLES,
} from './config.ts';
export { createLocalRuntime, type LocalRuntimeOptions } from './create-local-runtime.ts';
export { createRuntime } from './create-runtime.ts';
export {
  LOCAL_CALLBACK_SECRET,
  type LocalRuntimeConfig,
  type LocalRuntimeInput,
  localRuntimeConfig,
} from './local-config.ts';
export type { Runtime } from './runtime.ts';
export { resolveTimeout, type TimeoutProbeDeps } from './timeout-probe.ts';
