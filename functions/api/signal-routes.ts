/**
 * The machine-facing routes of the API: SDK callbacks, timers from Cloud Tasks, and the outbox
 * sweep. Callbacks and timers take the engine's own message path (`handleEngineMessage`), so a
 * callback posted here and one published to the signal topic are the same thing to the engine.
 *
 * Callbacks prove themselves with their HMAC token. Timers come from Cloud Tasks with a Google-signed
 * OIDC token (audience `<api>/v1/timers`, the tasks service account), verified like Pub/Sub pushes:
 * a forged timer could time out a running step. The sweep only re-dispatches what is already
 * decided, so Cloud Run's IAM check (`run.invoker`) is all it needs.
 */
import { handleEngineMessage } from '../../runtime/handle-message.ts';
import { failureStatus } from '../engine/push.ts';
import { type PushAuthConfig, verifyPushAuth } from '../engine/push-auth.ts';
import type { RuntimeProvider } from '../shared/runtime-provider.ts';
import { type ApiRequest, type ApiResponse, errorResponse, type Route } from './router.ts';

async function authenticate(req: ApiRequest, auth: PushAuthConfig): Promise<ApiResponse | undefined> {
  const verdict = await verifyPushAuth(req.header('authorization'), auth);
  return verdict.ok ? undefined : errorResponse(verdict.status, 'UNAUTHENTICATED', verdict.reason);
}

function transientFailure(e: unknown): ApiResponse {
  const { status, retryAfter } = failureStatus(e);
  const message =
    status === 500
      ? 'internal error; the details are in the function logs'
      : `${(e as Error).message} (temporary; retry later)`;
  return errorResponse(status, status === 429 ? 'RETRY_LATER' : 'UNAVAILABLE', message, {
    ...(retryAfter ? { headers: { 'retry-after': String(retryAfter) } } : {}),
  });
}

async function callback(getRuntime: RuntimeProvider, req: ApiRequest): Promise<ApiResponse> {
  if (req.body === undefined) {
    return errorResponse(400, 'INVALID_ARGUMENT', 'a JSON callback message is required', { field: 'body' });
  }
  try {
    // Only callbacks: a timer (or a log line) here would skip the timer route's OIDC check.
    const outcome = await handleEngineMessage(req.body, await getRuntime(), {
      via: 'callback',
      route: { name: 'POST /v1/callbacks', accepts: ['callback'] },
    });
    switch (outcome.status) {
      case 'deadLettered':
        // Recorded in deadletters/; the caller learns why (forged token, wrong shape …).
        return errorResponse(
          outcome.kind === 'callback' ? 403 : 400,
          'CALLBACK_REJECTED',
          outcome.reason ?? 'rejected',
        );
      case 'notOurs':
        return errorResponse(404, 'CALLBACK_UNKNOWN', outcome.reason ?? 'no launch matches this callback');
      default:
        return { status: 200, body: outcome };
    }
  } catch (e) {
    return transientFailure(e);
  }
}

async function timer(
  getRuntime: RuntimeProvider,
  auth: PushAuthConfig,
  req: ApiRequest,
): Promise<ApiResponse> {
  const denied = await authenticate(req, auth);
  if (denied) return denied;
  if (req.body === undefined) {
    return errorResponse(400, 'INVALID_ARGUMENT', 'a JSON timer message is required', { field: 'body' });
  }
  try {
    // Everything but a transient fault is acknowledged (2xx): Cloud Tasks retries any other status.
    const outcome = await handleEngineMessage(req.body, await getRuntime(), {
      via: 'timer',
      route: { name: 'POST /v1/timers', accepts: ['timer'] },
    });
    return { status: 200, body: outcome };
  } catch (e) {
    return transientFailure(e);
  }
}

async function sweep(getRuntime: RuntimeProvider): Promise<ApiResponse> {
  try {
    const result = await (await getRuntime()).store.sweepPending();
    return { status: 200, body: { swept: result } };
  } catch (e) {
    return transientFailure(e);
  }
}

/**
 * @example createRouter([...executionRoutes(getRuntime), ...signalRoutes(getRuntime, timerAuth)])
 */
export function signalRoutes(getRuntime: RuntimeProvider, timerAuth: PushAuthConfig): Route[] {
  return [
    { method: 'POST', pattern: '/v1/callbacks', handler: (req) => callback(getRuntime, req) },
    { method: 'POST', pattern: '/v1/timers', handler: (req) => timer(getRuntime, timerAuth, req) },
    { method: 'POST', pattern: '/v1/sweep', handler: () => sweep(getRuntime) },
  ];
}
