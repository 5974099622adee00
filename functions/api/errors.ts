/**
 * How the API turns failures into HTTP: request validation problems → 400 naming the field, the
 * engine's own error codes → their status, anything unexpected → 500 with a generic message (the
 * details go to the log, never to the caller).
 */
import type { z } from 'zod';
import { type ErrorCode, isFirestepError } from '../../engine/errors.ts';
import { log } from '../../engine/log.ts';
import { isTransient, retryAfterSeconds } from '../../runtime/transient.ts';
import { type ApiResponse, errorResponse } from './router.ts';

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  EXECUTION_NOT_FOUND: 404,
  EXECUTION_CONFLICT: 409,
  EXECUTION_FINISHED: 409,
  EXECUTION_LEFTOVERS: 409,
  DEFINITION_MISMATCH: 409,
  UNKNOWN_STEP: 400,
  STALE_ATTEMPT: 409,
  SIGNAL_MALFORMED: 400,
  SIGNAL_UNCORRELATED: 404,
  // A stored document an operator must repair: the request itself may be fine, retrying will not help.
  STORE_CORRUPT_DOCUMENT: 409,
  UNAUTHENTICATED: 401,
};

/**
 * A 400 for a zod failure: the first issue names the field (`input`, `name`, `limit` …), the message
 * lists all of them.
 *
 * @example invalidRequest(Schema.safeParse(body).error, 'body')
 */
export function invalidRequest(error: z.ZodError, where: 'body' | 'query'): ApiResponse {
  const issues = error.issues.map((i) => {
    const field = i.path.length > 0 ? i.path.join('.') : where;
    return { field, text: `${field}: ${i.message}` };
  });
  const first = issues[0]?.field ?? where;
  return errorResponse(
    400,
    'INVALID_ARGUMENT',
    `invalid request ${where}: ${issues.map((i) => i.text).join('; ')}`,
    {
      field: first,
    },
  );
}

/**
 * Map a thrown error to a response. Retryable engine faults become 503 (callers such as Cloud Tasks
 * retry), unknown errors 500.
 *
 * @example return errorFromThrown(e, { route: 'POST /v1/executions' });
 */
export function errorFromThrown(e: unknown, context: Record<string, unknown>): ApiResponse {
  if (isFirestepError(e)) {
    const status = STATUS_BY_CODE[e.code];
    if (status !== undefined) return errorResponse(status, e.code, e.message);
    if (isTransient(e)) {
      log.warn('api request failed, retryable', { ...context, code: e.code, error: e.message });
      return errorResponse(503, e.code, `${e.message} (temporary; retry later)`, {
        headers: { 'retry-after': String(retryAfterSeconds(e) ?? 5) },
      });
    }
    log.error('api request failed', { ...context, code: e.code, error: e.message });
    return errorResponse(500, e.code, e.message);
  }
  if (isTransient(e)) {
    log.warn('api request failed, retryable', { ...context, error: e });
    return errorResponse(503, 'UNAVAILABLE', 'a backing service is temporarily unavailable; retry later', {
      headers: { 'retry-after': '5' },
    });
  }
  log.error('api request failed unexpectedly', { ...context, error: e });
  return errorResponse(500, 'INTERNAL', 'internal error; the details are in the function logs');
}
