/**
 * Which failures are worth a retry. Pub/Sub and Cloud Tasks redeliver on a non-2xx answer, so the
 * functions answer 5xx only for faults that may go away (Firestore unavailable, contention, a
 * deadline, the Dataflow API lagging) and acknowledge everything else.
 */
import { isFirestepError } from '../engine/errors.ts';

/** gRPC codes of @google-cloud/firestore errors that mean "try again": DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE. */
const RETRYABLE_GRPC = new Set([4, 8, 10, 13, 14]);

/**
 * Whether `e` is transient: a retryable `FirestepError`, or a Firestore/gRPC error with a retryable
 * code, or a network failure (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`).
 *
 * @example if (isTransient(e)) res.status(503); else res.status(200);
 */
export function isTransient(e: unknown): boolean {
  if (isFirestepError(e)) return e.retryable;
  if (typeof e !== 'object' || e === null) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'number') return RETRYABLE_GRPC.has(code);
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EAI_AGAIN';
}

/**
 * Seconds to wait before retrying, when the error says so (`details.retryAfterSeconds`).
 *
 * @example retryAfterSeconds(new FirestepError('RETRY_LATER', 'lag', { retryable: true, details: { retryAfterSeconds: 30 } })) // 30
 */
export function retryAfterSeconds(e: unknown): number | undefined {
  if (!isFirestepError(e)) return undefined;
  const v = e.details?.retryAfterSeconds;
  return typeof v === 'number' && v > 0 ? v : undefined;
}
