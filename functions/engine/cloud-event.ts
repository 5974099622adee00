/**
 * `firestepEngine`: the CloudEvent function. Eventarc delivers Dataflow job state changes here, and
 * the functions framework turns a raw Pub/Sub push body into a `messagePublished` CloudEvent too, so
 * both reach the same message path. Returning acknowledges; throwing answers 500 and the event is
 * redelivered (Eventarc's retry policy / Pub/Sub's backoff).
 */
import type { CloudEvent, CloudEventFunction } from '@google-cloud/functions-framework';
import { type EngineOutcome, handleEngineMessage } from '../../runtime/handle-message.ts';
import { DEFAULT_REQUEST_BUDGET_MS } from '../../runtime/request-budget.ts';
import type { RuntimeProvider } from '../shared/runtime-provider.ts';
import { logTrace } from '../shared/trace.ts';

/**
 * Build the CloudEvent handler.
 *
 * @example functions.cloudEvent('firestepEngine', engineCloudEventHandler(getRuntime, projectId));
 */
export function engineCloudEventHandler(
  getRuntime: RuntimeProvider,
  projectId?: string,
  opts: { budgetMs?: number } = {},
): CloudEventFunction<unknown> {
  const budgetMs = opts.budgetMs ?? DEFAULT_REQUEST_BUDGET_MS;
  return async (event: CloudEvent<unknown>): Promise<EngineOutcome> => {
    const traceparent = typeof event.traceparent === 'string' ? event.traceparent : undefined;
    const trace = logTrace(projectId, { traceparent });
    const runtime = await getRuntime();
    // The CloudEvent object carries methods and undefined members; the parser wants plain JSON.
    const plain: unknown = JSON.parse(JSON.stringify(event));
    return handleEngineMessage(plain, runtime, {
      via: 'cloudEvent',
      budgetMs,
      ...(trace ? { trace } : {}),
    });
  };
}
