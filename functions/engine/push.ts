/**
 * `firestepEnginePush`: the HTTP function the signal topic's push subscription calls with a raw
 * Pub/Sub push body. Authentication comes first (the subscription's OIDC token; 401/403 before the
 * body is looked at), then the engine's message path. Pub/Sub reads the status code:
 * 2xx acknowledges (applied, duplicate, ignored, not ours, dead-lettered), anything else is a nack
 * and the message comes back with backoff: 429 when the engine knows a fact is not settled yet
 * (`RETRY_LATER`, e.g. the Dataflow API lagging), 503 for other transient faults, 500 for the rest.
 * Each push has a time budget (`FIRESTEP_REQUEST_BUDGET_MS`): a Firestore outage answers 503
 * (STORE_UNAVAILABLE, with Retry-After) within it instead of blocking until the function times out.
 */
import type { HttpFunction, Request } from '@google-cloud/functions-framework';
import { isFirestepError } from '../../engine/errors.ts';
import { log } from '../../engine/log.ts';
import { handleEngineMessage } from '../../runtime/handle-message.ts';
import { DEFAULT_REQUEST_BUDGET_MS } from '../../runtime/request-budget.ts';
import { isTransient, retryAfterSeconds } from '../../runtime/transient.ts';
import type { RuntimeProvider } from '../shared/runtime-provider.ts';
import { logTrace } from '../shared/trace.ts';
import { type PushAuthConfig, verifyPushAuth } from './push-auth.ts';

/**
 * The body as the engine should see it: parsed JSON, or the raw bytes when it was not JSON.
 *
 * @example rawMessage(req) // → { message: { data: 'eyJ…', messageId: '1' }, subscription: '…' }
 */
export function rawMessage(req: Request): unknown {
  const body: unknown = req.body;
  if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body)) return body;
  const raw = (req as Request & { rawBody?: Buffer }).rawBody;
  if (raw !== undefined && raw.length > 0) return new Uint8Array(raw);
  return typeof body === 'string' ? body : '';
}

/**
 * Status for a failure, as Pub/Sub (or Cloud Tasks) should read it.
 *
 * @example failureStatus(new FirestepError('RETRY_LATER', 'job still running', { retryable: true })) // → { status: 429 }
 */
export function failureStatus(e: unknown): { status: 429 | 500 | 503; retryAfter?: number } {
  const retryAfter = retryAfterSeconds(e);
  if (isFirestepError(e, 'RETRY_LATER')) return { status: 429, ...(retryAfter ? { retryAfter } : {}) };
  if (isTransient(e)) return { status: 503, ...(retryAfter ? { retryAfter } : {}) };
  return { status: 500 };
}

/**
 * Build the push handler.
 *
 * @example functions.http('firestepEnginePush', enginePushHandler(getRuntime, pushAuthConfigFromEnv(process.env), projectId));
 */
export function enginePushHandler(
  getRuntime: RuntimeProvider,
  auth: PushAuthConfig,
  projectId?: string,
  opts: { budgetMs?: number } = {},
): HttpFunction {
  const budgetMs = opts.budgetMs ?? DEFAULT_REQUEST_BUDGET_MS;
  return async (req, res) => {
    const trace = logTrace(projectId, req.headers);
    const logCtx = trace ? { trace } : undefined;
    const verdict = await verifyPushAuth(req.header('authorization'), auth);
    if (!verdict.ok) {
      log.warn('push rejected', { status: verdict.status, reason: verdict.reason }, logCtx);
      res.status(verdict.status).json({ error: { code: 'UNAUTHENTICATED', message: verdict.reason } });
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      res
        .status(405)
        .json({ error: { code: 'METHOD_NOT_ALLOWED', message: 'Pub/Sub pushes are POST requests' } });
      return;
    }
    try {
      const runtime = await getRuntime();
      const outcome = await handleEngineMessage(rawMessage(req), runtime, {
        via: 'push',
        budgetMs,
        ...(trace ? { trace } : {}),
      });
      res.status(200).json(outcome);
    } catch (e) {
      const { status, retryAfter } = failureStatus(e);
      if (retryAfter) res.setHeader('retry-after', String(retryAfter));
      const code = isFirestepError(e) ? e.code : status === 503 ? 'UNAVAILABLE' : 'INTERNAL';
      const message = isFirestepError(e)
        ? e.message
        : status === 503
          ? 'a backing service is temporarily unavailable; redeliver later'
          : 'internal error; the details are in the function logs';
      res.status(status).json({ error: { code, message } });
    }
  };
}
