/**
 * The engine's own faults, as a small taxonomy recognised by `code` (not `instanceof`, which breaks
 * across duplicated module copies). Failures of users' work are data (`StepFailed` events), never these.
 *
 * @example
 * throw new FirestepError('EXECUTION_NOT_FOUND', `execution "${id}" does not exist; list executions with \`firestep status\``);
 */
export type ErrorCode =
  | 'FLOW_PARSE' // flow file is not JSON / not a module / wrong shape
  | 'FLOW_INVALID' // flow failed validation
  | 'DEFINITION_MISMATCH' // execution pinned to another definition hash
  | 'EXECUTION_NOT_FOUND'
  | 'EXECUTION_CONFLICT' // same name, different input (as Step Functions' ExecutionAlreadyExists)
  | 'EXECUTION_FINISHED' // operation not allowed on a terminal execution
  | 'EXECUTION_LEFTOVERS' // a named start whose previous execution's head is gone but whose documents remain (TTL in progress)
  | 'UNKNOWN_STEP'
  | 'STALE_ATTEMPT'
  | 'SIGNAL_MALFORMED'
  | 'SIGNAL_UNCORRELATED'
  | 'LAUNCH_FAILED'
  | 'STORE_UNAVAILABLE'
  | 'RETRY_LATER' // a fact is not settled yet (e.g. Dataflow API lags the job's logs): redeliver later; always retryable
  | 'CONFIG'
  | 'UNAUTHENTICATED'
  | 'STORE_CORRUPT_DOCUMENT' // a stored document does not match its schema (hand-edited, foreign, truncated)
  | 'LOG_INVALID' // an event log (export file / stored log) that cannot be read or does not replay
  | 'INTERNAL';

export class FirestepError extends Error {
  override readonly name = 'FirestepError';
  /** Whether repeating the same operation later may succeed (Pub/Sub should redeliver). */
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    opts: { retryable?: boolean; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.retryable = opts.retryable ?? false;
    this.details = opts.details;
  }
}

/** Recognise a firestep error by code, across module copies. */
export function isFirestepError(e: unknown, code?: ErrorCode): e is FirestepError {
  return (
    typeof e === 'object' &&
    e !== null &&
    (e as { name?: unknown }).name === 'FirestepError' &&
    typeof (e as { code?: unknown }).code === 'string' &&
    (code === undefined || (e as { code: unknown }).code === code)
  );
}
