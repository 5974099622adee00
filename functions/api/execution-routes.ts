/**
 * The execution routes of the API: start (idempotent by name), list, get the head, read events,
 * cancel and redrive. Thin: validation here, every decision in the store.
 */
import type { Signal } from '../../engine/core/signals.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { invalidRequest } from './errors.ts';
import { type ApiRequest, type ApiResponse, errorResponse, type Route } from './router.ts';
import {
  CancelBody,
  EmptyBody,
  ListExecutionsQuery,
  queryObject,
  ReadEventsQuery,
  StartExecutionBody,
} from './schemas.ts';

export type RuntimeProvider = () => Promise<Runtime>;

function bodyOf(req: ApiRequest): unknown {
  return req.body === undefined ? {} : req.body;
}

async function startExecution(getRuntime: RuntimeProvider, req: ApiRequest): Promise<ApiResponse> {
  if (req.body === undefined) {
    return errorResponse(400, 'INVALID_ARGUMENT', 'a JSON body {flowId, input?, name?} is required', {
      field: 'body',
    });
  }
  const parsed = StartExecutionBody.safeParse(req.body);
  if (!parsed.success) return invalidRequest(parsed.error, 'body');
  const { flowId, input, name } = parsed.data;
  const rt = await getRuntime();
  const def = rt.registry.get(flowId);
  if (def === undefined) {
    const known = rt.registry.list().map((d) => d.id);
    return errorResponse(
      404,
      'FLOW_NOT_FOUND',
      `unknown flow "${flowId}"; this deployment has: ${known.length > 0 ? known.join(', ') : '(no flows)'}`,
      { field: 'flowId' },
    );
  }
  const started = await rt.store.startExecution(def, input ?? {}, name === undefined ? {} : { name });
  return {
    status: started.created ? 201 : 200,
    headers: { location: `/v1/executions/${encodeURIComponent(started.executionId)}` },
    body: {
      executionId: started.executionId,
      created: started.created,
      status: started.head.status,
      flowId: def.id,
      definitionHash: started.head.definitionHash,
    },
  };
}

async function listExecutions(getRuntime: RuntimeProvider, req: ApiRequest): Promise<ApiResponse> {
  const parsed = ListExecutionsQuery.safeParse(queryObject(req.query));
  if (!parsed.success) return invalidRequest(parsed.error, 'query');
  const rt = await getRuntime();
  const executions = await rt.store.listExecutions(parsed.data);
  return { status: 200, body: { executions } };
}

async function getExecution(getRuntime: RuntimeProvider, id: string): Promise<ApiResponse> {
  const rt = await getRuntime();
  const head = await rt.store.getHead(id);
  if (head === undefined || head === null) return notFound(id);
  return { status: 200, body: head };
}

async function readEvents(getRuntime: RuntimeProvider, req: ApiRequest, id: string): Promise<ApiResponse> {
  const parsed = ReadEventsQuery.safeParse(queryObject(req.query));
  if (!parsed.success) return invalidRequest(parsed.error, 'query');
  const rt = await getRuntime();
  const head = await rt.store.getHead(id);
  if (head === undefined || head === null) return notFound(id);
  const events = await rt.store.readEvents(id, parsed.data);
  const last = events.at(-1);
  const more = last !== undefined && events.length === parsed.data.limit && last.seq < head.lastSeq;
  return { status: 200, body: { events, ...(more ? { nextAfterSeq: last.seq } : {}) } };
}

async function cancelExecution(
  getRuntime: RuntimeProvider,
  req: ApiRequest,
  id: string,
): Promise<ApiResponse> {
  const parsed = CancelBody.safeParse(bodyOf(req));
  if (!parsed.success) return invalidRequest(parsed.error, 'body');
  const rt = await getRuntime();
  const head = await rt.store.getHead(id);
  if (head === undefined || head === null) return notFound(id);
  if (head.status === 'CANCELLED')
    return { status: 200, body: { executionId: id, status: head.status, result: 'duplicate' } };
  if (head.status !== 'RUNNING') {
    return errorResponse(
      409,
      'EXECUTION_FINISHED',
      `execution "${id}" already finished with status ${head.status}; nothing to cancel`,
    );
  }
  const signal: Signal = {
    kind: 'cancel',
    reason: parsed.data.reason ?? 'cancelled through the API',
    source: { kind: 'api' },
  };
  return applyControl(rt, id, signal);
}

async function redriveExecution(
  getRuntime: RuntimeProvider,
  req: ApiRequest,
  id: string,
): Promise<ApiResponse> {
  const parsed = EmptyBody.safeParse(bodyOf(req));
  if (!parsed.success) return invalidRequest(parsed.error, 'body');
  const rt = await getRuntime();
  const head = await rt.store.getHead(id);
  if (head === undefined || head === null) return notFound(id);
  if (head.status !== 'FAILED') {
    return errorResponse(
      409,
      'EXECUTION_NOT_FAILED',
      `only a FAILED execution can be redriven; execution "${id}" is ${head.status}`,
    );
  }
  return applyControl(rt, id, { kind: 'redrive', source: { kind: 'api' } });
}

/** Apply a cancel/redrive and answer with the head's new status. */
async function applyControl(rt: Runtime, id: string, signal: Signal): Promise<ApiResponse> {
  const result = await rt.store.apply(id, signal);
  if (result.status === 'ignored') {
    const head = await rt.store.getHead(id);
    return errorResponse(
      409,
      'EXECUTION_CONFLICT',
      `execution "${id}" did not accept ${signal.kind}: ${result.ignored?.message ?? 'not applicable in its current state'} (status ${head?.status ?? 'unknown'})`,
    );
  }
  const head = await rt.store.getHead(id);
  return {
    status: 200,
    body: {
      executionId: id,
      status: head?.status ?? 'UNKNOWN',
      result: result.status,
      events: result.events.length,
    },
  };
}

function notFound(id: string): ApiResponse {
  return errorResponse(
    404,
    'EXECUTION_NOT_FOUND',
    `execution "${id}" does not exist; list executions with GET /v1/executions`,
  );
}

/**
 * The execution routes.
 *
 * @example createRouter(executionRoutes(() => runtimePromise))
 */
export function executionRoutes(getRuntime: RuntimeProvider): Route[] {
  return [
    { method: 'POST', pattern: '/v1/executions', handler: (req) => startExecution(getRuntime, req) },
    { method: 'GET', pattern: '/v1/executions', handler: (req) => listExecutions(getRuntime, req) },
    {
      method: 'GET',
      pattern: '/v1/executions/{id}',
      handler: (_req, p) => getExecution(getRuntime, p.id as string),
    },
    {
      method: 'GET',
      pattern: '/v1/executions/{id}/events',
      handler: (req, p) => readEvents(getRuntime, req, p.id as string),
    },
    {
      method: 'POST',
      pattern: '/v1/executions/{id}:cancel',
      handler: (req, p) => cancelExecution(getRuntime, req, p.id as string),
    },
    {
      method: 'POST',
      pattern: '/v1/executions/{id}:redrive',
      handler: (req, p) => redriveExecution(getRuntime, req, p.id as string),
    },
  ];
}
