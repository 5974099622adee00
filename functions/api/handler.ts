/**
 * The API function's request handler: express request → router → JSON response, with one place
 * that turns thrown errors into HTTP statuses.
 */
import type { HttpFunction } from '@google-cloud/functions-framework';
import { DEFAULT_REQUEST_BUDGET_MS, withRequestBudget } from '../../runtime/request-budget.ts';
import type { PushAuthConfig } from '../engine/push-auth.ts';
import type { RuntimeProvider } from '../shared/runtime-provider.ts';
import { errorFromThrown } from './errors.ts';
import { executionRoutes } from './execution-routes.ts';
import { send, toApiRequest } from './http-adapter.ts';
import { createRouter } from './router.ts';
import { signalRoutes } from './signal-routes.ts';
import { triggerRoutes } from './trigger-routes.ts';

/**
 * Build the `firestepApi` handler.
 *
 * `triggerAuth` checks the OIDC tokens of Cloud Scheduler, Eventarc and trigger push subscriptions.
 * Each request has a time budget (`budgetMs`, `FIRESTEP_REQUEST_BUDGET_MS`): when Firestore does not
 * answer within it the caller gets 503 STORE_UNAVAILABLE with Retry-After, not a hang.
 *
 * @example functions.http('firestepApi', createApiHandler(boot.getRuntime, boot.timerAuth, boot.triggerAuth));
 */
export function createApiHandler(
  getRuntime: RuntimeProvider,
  timerAuth: PushAuthConfig,
  triggerAuth: PushAuthConfig = timerAuth,
  opts: { budgetMs?: number } = {},
): HttpFunction {
  const budgetMs = opts.budgetMs ?? DEFAULT_REQUEST_BUDGET_MS;
  const route = createRouter([
    ...executionRoutes(getRuntime),
    ...signalRoutes(getRuntime, timerAuth),
    ...triggerRoutes(getRuntime, triggerAuth),
  ]);
  return async (req, res) => {
    const apiReq = toApiRequest(req);
    if (!('query' in apiReq)) {
      send(res, apiReq);
      return;
    }
    try {
      const what = `${apiReq.method} ${apiReq.path}`;
      // The sweep walks every pending command and is resumable: it keeps the function's timeout.
      const bounded = what !== 'POST /v1/sweep';
      send(res, await (bounded ? withRequestBudget(budgetMs, what, () => route(apiReq)) : route(apiReq)));
    } catch (e) {
      send(res, errorFromThrown(e, { route: `${apiReq.method} ${apiReq.path}` }));
    }
  };
}
