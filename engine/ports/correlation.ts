/**
 * Correlation: the keys the store registers in the launch transaction (`correlations/`) and the
 * lookup signal ingestion uses to find which execution, step and attempt a signal is about.
 */

/**
 * A correlation key, stored as `correlations/{kind}:{value}` (value percent-encoded).
 * kinds: `trace` (32-hex trace id), `dataflowJob` (job id), `dataflowJobName`, `callback` (token),
 * `dataprocOperation`, `task` (Cloud Tasks task name).
 */
export interface CorrelationKey {
  kind:
    | 'trace'
    | 'dataflowJob'
    | 'dataflowJobName'
    | 'callback'
    | 'dataprocOperation'
    | 'task'
    | 'message'
    /** BigQuery job id (deterministic per attempt). */
    | 'bigqueryJob'
    /** Cloud Run job run key (the FIRESTEP_RUN_KEY env of the execution). */
    | 'runKey'
    /** Cloud Run execution name. */
    | 'runExecution'
    /** Cloud Storage object `bucket/name` a for_object Wait waits for. */
    | 'gcsObject';
  value: string;
}

/** The document id of a correlation key in `correlations/`. */
export function correlationDocId(key: CorrelationKey): string {
  return `${key.kind}:${encodeURIComponent(key.value)}`;
}

/** What a correlation key points at. */
export interface CorrelationTarget {
  executionId: string;
  step: string;
  path: string;
  attempt: number;
  commandId: string;
  /** Target type of the step (CloudFunction, Dataflow, …). */
  targetType: string;
  /** Project/region of the target, used to confirm Dataflow jobs. */
  projectId?: string;
  region?: string;
}

/** Reads `correlations/{kind}:{value}` written by the store in the launch transaction. */
export interface CorrelationLookup {
  lookup(key: CorrelationKey): Promise<CorrelationTarget | undefined>;
}
