/**
 * Every interface the outside implements (DESIGN.md §2): the dispatcher the store hands commands to,
 * the launchers and timer scheduler behind it, correlation keys and their lookup, the Dataflow jobs
 * API, the dead-letter sink, and the flow resolver. Only types and the pure `correlationDocId`.
 */
export {
  type CorrelationKey,
  type CorrelationLookup,
  type CorrelationTarget,
  correlationDocId,
} from './correlation.ts';
export type { DataflowJobs } from './dataflow-jobs.ts';
export type { DeadLetter, DeadLetterSink } from './dead-letters.ts';
export type { CommandDispatcher, DispatchOutcome, SyncCompletion } from './dispatcher.ts';
export type { FlowResolver } from './flow-resolver.ts';
export type { Launcher, LaunchResult, ProbeResult } from './launcher.ts';
export type { TimerScheduler } from './timers.ts';
