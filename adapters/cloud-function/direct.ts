/**
 * Direct mode: POST to the function and return as soon as it has *accepted* the request. The answer
 * is never the completion (the platform's log line or the SDK callback is), but it tells whether the
 * function ran at all:
 * - no answer within `acceptTimeoutMs` → accepted, still running (the request is left to finish);
 * - any answer from the function's code (2xx, 400, 408 timeout, 500…) → it ran; its log line reports how;
 * - 429 / 502 / 503 / 504 or a connection fault → the platform did not run it: retryable;
 * - 401 / 403 / 404 → it never will (IAM, wrong URL): terminal.
 */
import type { StepError } from '../../engine/core/events.ts';
import { callHttp, HttpStatusError } from '../shared/http-call.ts';
import { classifyLaunchError } from '../shared/launch-errors.ts';

export type DirectOutcome =
  | { status: 'accepted'; httpStatus?: number; functionExecutionId?: string }
  | { status: 'failed'; error: StepError }
  | { status: 'retry'; error: StepError; retryAfterSeconds?: number };

const PLATFORM_REFUSALS = new Set([429, 502, 503, 504]);
const NEVER_RUNS = new Set([401, 403, 404, 405]);

/** @example await invokeDirect({ url, headers, body, acceptTimeoutMs: 5000, requestTimeoutMs: 540_000 }, 'function "fn"') */
export async function invokeDirect(
  call: {
    url: string;
    headers: Record<string, string>;
    body: unknown;
    acceptTimeoutMs: number;
    requestTimeoutMs: number;
  },
  what: string,
): Promise<DirectOutcome> {
  const request = callHttp({
    url: call.url,
    method: 'POST',
    headers: call.headers,
    body: call.body,
    timeoutMs: call.requestTimeoutMs,
  });
  let timer: NodeJS.Timeout | undefined;
  const accepted = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), call.acceptTimeoutMs);
  });
  try {
    const answer = await Promise.race([request, accepted]);
    if (answer === 'pending') {
      request.catch(() => {}); // still running; its end is reported by its log line / callback
      return { status: 'accepted' };
    }
    const executionId = answer.headers.get('function-execution-id') ?? undefined;
    if (PLATFORM_REFUSALS.has(answer.status) || NEVER_RUNS.has(answer.status)) {
      const err = new HttpStatusError(
        answer.status,
        answer.text.slice(0, 300) || `HTTP ${answer.status}`,
        answer,
      );
      const classified = classifyLaunchError(err, what);
      return NEVER_RUNS.has(answer.status) ? { status: 'failed', error: classified.error } : classified;
    }
    return {
      status: 'accepted',
      httpStatus: answer.status,
      ...(executionId ? { functionExecutionId: executionId } : {}),
    };
  } catch (e) {
    return classifyLaunchError(e, what);
  } finally {
    clearTimeout(timer);
  }
}
