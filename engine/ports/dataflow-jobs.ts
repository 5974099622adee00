/**
 * The small ports signal ingestion depends on. Firestore / googleapis implementations live next to
 * this file; the store can supply its own (`ExecutionStore.lookupCorrelation`, `apply`).
 */
import type { CorrelationKey, CorrelationTarget } from './dispatcher.ts';
import type { Transport } from '../signals/observation.ts';
import type { DataflowJob } from '../signals/wire/dataflow.ts';

/** Reads `correlations/{kind}:{value}` written by the store in the launch transaction. */
export interface CorrelationLookup {
  lookup(key: CorrelationKey): Promise<CorrelationTarget | undefined>;
}

/** Asks Dataflow about a job (confirmation of "Worker pool stopped."). */
export interface DataflowJobs {
  /**
   * `projects.locations.jobs.get`. Resolves `undefined` when the job does not exist (404). Throws a
   * retryable `FirestepError('RETRY_LATER')` on 429/5xx/network errors, a terminal one otherwise.
   */
  getJob(projectId: string, region: string, jobId: string): Promise<DataflowJob | undefined>;
}

/** A message that could not be applied, kept for a person (or `redrive`) to look at. */
export interface DeadLetter {
  /** The input exactly as received (object, JSON text or bytes). */
  raw: unknown;
  reason: string;
  transport?: Transport;
  /** What the parser made of it, when it got that far (kind, correlation fields, source id). */
  observation?: Record<string, unknown>;
}

/** Where dead letters go (`deadletters/{id}` in Firestore). Idempotent per raw input. */
export interface DeadLetterSink {
  /** Store the letter; resolves its id. */
  put(letter: DeadLetter): Promise<string>;
}
