/**
 * Completion signals: parse what arrives on the signal topic, correlate it to one step attempt,
 * confirm Dataflow outcomes, apply it, dead-letter what cannot be applied.
 *
 * @example
 * import { ingest, firestoreCorrelationLookup, firestoreDeadLetters, googleDataflowJobs } from './engine/signals/index.ts';
 * await ingest(cloudEvent, { lookup: firestoreCorrelationLookup(db), deadLetters: firestoreDeadLetters(db),
 *   dataflow: googleDataflowJobs(), apply: (id, s) => store.apply(id, s) });
 */

export type { CallbackMessage, FirestepContext } from './wire/callback.ts';
export {
  CallbackMessageSchema,
  CONTEXT_ATTRIBUTES,
  callbackToken,
  FirestepContextSchema,
} from './wire/callback.ts';
export { confirmDataflow } from './confirm-dataflow.ts';
export { type Correlatable, type Correlation, correlate, signalsFor } from './correlate.ts';
export { type GoogleDataflowJobsOptions, googleDataflowJobs } from '../../adapters/dataflow/jobs-client.ts';
export {
  DEAD_LETTER_RAW_LIMIT,
  firestoreCorrelationLookup,
  firestoreDeadLetters,
} from '../store/dead-letters.ts';
export {
  type ApplyResult,
  type IngestDeps,
  type IngestOutcome,
  type IngestStatus,
  ingest,
} from './ingest.ts';
export {
  type CorrelationFields,
  type Observation,
  type ObservationKind,
  type ObservationSummary,
  summarize,
  type Transport,
} from './observation.ts';
export {
  DEFAULT_API_FUNCTION,
  DEFAULT_ENGINE_FUNCTION,
  DEFAULT_MAX_BYTES,
  ENVELOPE_ALLOWANCE,
  type ParseOptions,
  parse,
} from './parse.ts';
export type { CorrelationLookup, DataflowJobs, DeadLetter, DeadLetterSink } from '../ports/dataflow-jobs.ts';
export {
  DATAFLOW_STATUS_CHANGED,
  type DataflowJob,
  DataflowJobSchema,
  JOB_STATES,
  type JobState,
  jobStateOutcome,
} from './wire/dataflow.ts';
export { type LogEntry, LogEntrySchema } from './wire/log-entry.ts';
export { type CloudEvent, PUBSUB_MESSAGE_PUBLISHED, type PushBody, PushBodySchema } from './wire/pubsub.ts';
export { type TimerMessage, TimerMessageSchema } from './wire/timer.ts';
