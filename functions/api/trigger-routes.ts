/**
 * The trigger routes: one execution per trigger event.
 *
 * `POST /v1/flows/{flowId}/triggers/{index}:schedule` (Cloud Scheduler), `…:gcs` (Eventarc storage
 * CloudEvent), `…:pubsub` (Pub/Sub push). Each names its execution after the event (scheduled
 * time, CloudEvent id, message id) and starts it by name, so a redelivery or a retried call answers
 * 200 with the execution the first one started. An object the trigger's prefix/suffix does not
 * match is acknowledged (200, `ignored`); a malformed event is a 400 with a one-line reason (Pub/Sub
 * and Eventarc stop redelivering it after their retry policy, the scheduler logs it).
 *
 * All three callers attach a Google-signed OIDC token (Cloud Scheduler's `oidc_token`, the push
 * subscription's, Eventarc's trigger service account), verified like the engine's pushes.
 */

import type { SignalSource } from '../../engine/core/events.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import {
  gcsMatches,
  type TriggerKind,
  type TriggerPayload,
  triggeredStart,
  triggerKind,
} from '../../engine/flow/triggers.ts';
import { log } from '../../engine/log.ts';
import { type PushAuthConfig, verifyPushAuth } from '../engine/push-auth.ts';
import type { RuntimeProvider } from '../shared/runtime-provider.ts';
import { errorFromThrown } from './errors.ts';
import { type ApiRequest, type ApiResponse, errorResponse, type Route } from './router.ts';
import { type Parsed, pubsubEvent, scheduleEvent, storageEvent } from './trigger-events.ts';

const PARSERS: Record<TriggerKind, (req: ApiRequest) => Parsed<TriggerPayload>> = {
  schedule: scheduleEvent,
  gcs: storageEvent,
  pubsub: pubsubEvent,
};

function sourceOf(payload: TriggerPayload): SignalSource {
  switch (payload.kind) {
    case 'gcs':
      return { kind: 'eventarc', id: payload.event_id };
    case 'pubsub':
      return { kind: 'api', id: `pubsub:${payload.message_id}` };
    default:
      return { kind: 'api', id: 'scheduler' };
  }
}

async function fire(
  getRuntime: RuntimeProvider,
  auth: PushAuthConfig,
  req: ApiRequest,
  params: Record<string, string>,
): Promise<ApiResponse> {
  const verdict = await verifyPushAuth(req.header('authorization'), auth);
  if (!verdict.ok) return errorResponse(verdict.status, 'UNAUTHENTICATED', verdict.reason);
  const { flowId = '', index: rawIndex = '', kind = '' } = params;
  if (!(kind in PARSERS))
    return errorResponse(
      404,
      'NOT_FOUND',
      `unknown trigger route ":${kind}"; use :schedule, :gcs or :pubsub`,
    );
  const rt = await getRuntime();
  const def = rt.registry.get(flowId);
  if (def === undefined)
    return errorResponse(404, 'FLOW_NOT_FOUND', `unknown flow "${flowId}"`, { field: 'flowId' });
  const index = /^\d+$/.test(rawIndex) ? Number(rawIndex) : -1;
  const trigger = def.flow.triggers?.[index];
  if (trigger === undefined || triggerKind(trigger) !== kind) {
    const has = (def.flow.triggers ?? []).map((t, i) => `${i}:${triggerKind(t)}`).join(', ') || 'none';
    return errorResponse(
      404,
      'TRIGGER_NOT_FOUND',
      `flow "${flowId}" has no ${kind} trigger at index ${rawIndex} (triggers: ${has})`,
      {
        field: 'index',
      },
    );
  }
  const parsed = PARSERS[kind as TriggerKind](req);
  if (!parsed.ok) return errorResponse(400, 'INVALID_ARGUMENT', parsed.message, { field: parsed.field });
  const payload = parsed.value;
  if (payload.kind === 'gcs' && 'gcs' in trigger && !gcsMatches(trigger, payload.bucket, payload.name)) {
    log.info('trigger event ignored: object does not match', {
      flowId,
      index,
      bucket: payload.bucket,
      object: payload.name,
    });
    return {
      status: 200,
      body: { ignored: `gs://${payload.bucket}/${payload.name} does not match triggers[${index}]` },
    };
  }
  return start(getRuntime, def, index, payload, req);
}

async function start(
  getRuntime: RuntimeProvider,
  def: FlowDefinition,
  index: number,
  payload: TriggerPayload,
  req: ApiRequest,
): Promise<ApiResponse> {
  const request = triggeredStart(def.flow, index, payload);
  try {
    const started = await (await getRuntime()).store.startExecution(def, request.input, {
      name: request.name,
      trigger: request.trigger,
      source: sourceOf(payload),
    });
    return {
      status: started.created ? 201 : 200,
      headers: { location: `/v1/executions/${encodeURIComponent(started.executionId)}` },
      body: { executionId: started.executionId, created: started.created, status: started.head.status },
    };
  } catch (e) {
    return errorFromThrown(e, { route: `${req.method} ${req.path}` });
  }
}

/**
 * @example createRouter([...triggerRoutes(getRuntime, triggerAuth)])
 */
export function triggerRoutes(getRuntime: RuntimeProvider, auth: PushAuthConfig): Route[] {
  return [
    {
      method: 'POST',
      pattern: '/v1/flows/{flowId}/triggers/{index}:{kind}',
      handler: (req, params) => fire(getRuntime, auth, req, params),
    },
  ];
}
