/**
 * Completion signals: parse what arrives on the signal topic, correlate it to one step attempt,
 * confirm Dataflow outcomes, apply it, dead-letter what cannot be applied. The Firestore
 * implementations of its ports live in engine/store, the Dataflow client in adapters/dataflow.
 *
 * @example
 * import { ingest } from './engine/signals/index.ts';
 * import { firestoreCorrelationLookup, firestoreDeadLetters } from './engine/store/index.ts';
 * import { googleDataflowJobs } from './adapters/index.ts';
 * await ingest(cloudEvent, { lookup: firestoreCorrelationLookup(db), deadLetters: firestoreDeadLetters(db),
 *   dataflow: googleDataflowJobs(), apply: (id, s) => store.apply(id, s) });
 */

export type { CorrelationLookup, DataflowJobs, DeadLetter, DeadLetterSink } from '../ports/index.ts';
export { confirmDataflow } from './confirm-dataflow.ts';
export { type Correlatable, type Correlation, correlate, signalsFor } from './correlate.ts';
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
export type { CallbackMessage, FirestepContext } from './wire/callback.ts';
export {
  CallbackMessageSchema,
  CONTEXT_ATTRIBUTES,
  callbackToken,
  FirestepContextSchema,
} from './wire/callback.ts';
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
