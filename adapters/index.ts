/**
 * The adapters' public surface: the dispatcher the store runs commands through, the launcher
 * factories for local and cloud runtimes, each launcher, and the timer schedulers. The protocol fakes
 * have their own entry point, `adapters/fakes/index.ts`.
 */

export type { Launcher, LaunchResult, ProbeResult, TimerScheduler } from '../engine/ports/index.ts';
export { timerMessage } from '../engine/signals/wire/timer.ts';
export { parseTraceHeaders, traceHeaders } from '../engine/signals/wire/trace-headers.ts';
export { CloudFunctionLauncher, type CloudFunctionLauncherOptions } from './cloud-function/launcher.ts';
export { ENVIRONMENT_KEYS, splitParameters } from './dataflow/environment.ts';
export { DATAFLOW_JOB_NAME, dataflowJobName } from './dataflow/job-name.ts';
export { dataflowStateOutcome } from './dataflow/job-state.ts';
export { type GoogleDataflowJobsOptions, googleDataflowJobs } from './dataflow/jobs-client.ts';
export { DataflowLauncher, type DataflowLauncherOptions } from './dataflow/launcher.ts';
export { DataprocLauncher, type DataprocLauncherOptions, operationOutcome } from './dataproc/launcher.ts';
export { withLocalCompletion } from './dataproc/local-completion.ts';
export { DataprocPoller, type TerminalProbe } from './dataproc/poller.ts';
export { type AdapterDispatcher, createDispatcher, type DispatcherOptions } from './dispatcher.ts';
export {
  type CloudLaunchersConfig,
  createCloudLaunchers,
  createLocalLaunchers,
  type LocalLaunchersOptions,
  queuePath,
} from './factories.ts';
export { HttpLauncher, type HttpLauncherOptions } from './http/launcher.ts';
export { PubSubLauncher, type PubSubLauncherOptions } from './pubsub/launcher.ts';
export type { ContextOptions } from './shared/context.ts';
export {
  createCloudTasksClient,
  lazyCloudTasksClient,
  type TaskQueue,
  type TasksClient,
} from './shared/http-task.ts';
export { googleIdTokenProvider, type IdTokenProvider, noIdToken } from './shared/id-token.ts';
export { classifyLaunchError, isRetryable } from './shared/launch-errors.ts';
export { CloudTasksTimerScheduler } from './timers/cloud-tasks.ts';
export { LocalTimerScheduler } from './timers/local.ts';
