/**
 * The API function's request handler: express request → router → JSON response, with one place
 * that turns thrown errors into HTTP statuses.
 */
import type { HttpFunction } from '@google-cloud/functions-framework';
import type { PushAuthConfig } from '../engine/push-auth.ts';
import type { RuntimeProvider } from '../shared/runtime-provider.ts';
import { errorFromThrown } from './errors.ts';
import { executionRoutes } from './execution-routes.ts';
import { send, toApiRequest } from './http-adapter.ts';
import { createRouter } from './router.ts';
import { signalRoutes } from './signal-routes.ts';

/**
 * Build the `firestepApi` handler.
 *
 * @example functions.http('firestepApi', createApiHandler(boot.getRuntime, boot.timerAuth));
 */
export function createApiHandler(getRuntime: RuntimeProvider, timerAuth: PushAuthConfig): HttpFunction {
  const route = createRouter([...executionRoutes(getRuntime), ...signalRoutes(getRuntime, timerAuth)]);
  return async (req, res) => {
    const apiReq = toApiRequest(req);
    if (!('query' in apiReq)) {
      send(res, apiReq);
      return;
    }
    try {
      send(res, await route(apiReq));
    } catch (e) {
      send(res, errorFromThrown(e, { route: `${apiReq.method} ${apiReq.path}` }));
    }
  };
}
