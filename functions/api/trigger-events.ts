/**
 * Trigger events as they arrive at the API, turned into `$.trigger` payloads:
 * - a Cloud Scheduler call: the tick in the `X-CloudScheduler-ScheduleTime` header (or a body
 *   `{"scheduled_time"}` for a call by hand);
 * - an Eventarc `google.cloud.storage.object.v1.finalized` CloudEvent, in binary mode (`ce-*`
 *   headers, the object as the body: what Eventarc sends to Cloud Run) or structured mode
 *   (`application/cloudevents+json`);
 * - a Pub/Sub push body `{message: {data, attributes, messageId}, subscription}`.
 * Pure: each returns the payload or a one-line reason it is malformed.
 */

import type { Json } from '../../engine/flow/model.ts';
import type { TriggerPayload } from '../../engine/flow/triggers.ts';
import { CloudEventSchema, messageIdOf, PushBodySchema } from '../../engine/signals/wire/pubsub.ts';
import { STORAGE_OBJECT_FINALIZED, StorageObjectSchema } from '../../engine/signals/wire/storage.ts';
import type { ApiRequest } from './router.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; field: string };

/** Header Cloud Scheduler sets on HTTP targets: the tick this call is for (RFC 3339). */
export const SCHEDULE_TIME_HEADER = 'x-cloudscheduler-scheduletime';

const bad = (field: string, message: string): { ok: false; message: string; field: string } => ({
  ok: false,
  field,
  message,
});

/**
 * @example scheduleEvent(req) // {ok: true, value: {kind: 'schedule', scheduled_time: '2026-01-05T01:00:00.000Z'}}
 */
export function scheduleEvent(req: ApiRequest): Parsed<Extract<TriggerPayload, { kind: 'schedule' }>> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const raw = req.header(SCHEDULE_TIME_HEADER) ?? body.scheduled_time;
  if (raw === undefined)
    return bad(
      'scheduled_time',
      `the tick is missing: Cloud Scheduler sends it in the ${SCHEDULE_TIME_HEADER} header; by hand, send {"scheduled_time": "<ISO time>"}`,
    );
  const time = typeof raw === 'string' ? new Date(raw) : undefined;
  if (time === undefined || Number.isNaN(time.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(raw as string))
    return bad('scheduled_time', `scheduled_time must be an RFC 3339 time, got ${JSON.stringify(raw)}`);
  const seconds = new Date(Math.floor(time.getTime() / 1000) * 1000);
  return { ok: true, value: { kind: 'schedule', scheduled_time: seconds.toISOString() } };
}

/**
 * A storage CloudEvent (binary or structured mode) → the gcs payload.
 *
 * @example storageEvent(req) // {ok: true, value: {kind: 'gcs', bucket: 'acme', name: 'orders/1.csv', generation: '17', event_id: 'ev-1'}}
 */
export function storageEvent(req: ApiRequest): Parsed<Extract<TriggerPayload, { kind: 'gcs' }>> {
  const body = req.body as Record<string, unknown> | undefined;
  let id = req.header('ce-id');
  let type = req.header('ce-type');
  let data: unknown = body;
  if (id === undefined && body !== undefined && typeof body === 'object' && 'specversion' in body) {
    const envelope = CloudEventSchema.safeParse(body);
    if (!envelope.success)
      return bad('body', 'a structured CloudEvent needs specversion, id, source and type');
    id = envelope.data.id;
    type = envelope.data.type;
    data = envelope.data.data;
  }
  if (id === undefined || id === '')
    return bad(
      'ce-id',
      'not a CloudEvent: no ce-id header (binary mode) and no structured {specversion, id, …} body',
    );
  if (type !== STORAGE_OBJECT_FINALIZED)
    return bad(
      'ce-type',
      `expected a ${STORAGE_OBJECT_FINALIZED} event, got ${JSON.stringify(type ?? null)}`,
    );
  const object = StorageObjectSchema.safeParse(data);
  if (!object.success) return bad('data', 'the event data must be a storage object with "bucket" and "name"');
  const { bucket, name, generation } = object.data;
  return {
    ok: true,
    value: {
      kind: 'gcs',
      bucket,
      name,
      generation: generation === undefined ? '' : String(generation),
      event_id: id,
    },
  };
}

/**
 * A Pub/Sub push body → the pubsub payload (`data` decoded from base64, parsed when it is JSON).
 *
 * @example pubsubEvent(req) // {ok: true, value: {kind: 'pubsub', message_id: '42', data: {day: '2026-01-05'}, attributes: {}}}
 */
export function pubsubEvent(req: ApiRequest): Parsed<Extract<TriggerPayload, { kind: 'pubsub' }>> {
  const push = PushBodySchema.safeParse(req.body);
  if (!push.success)
    return bad('message', 'not a Pub/Sub push body {message: {data, attributes, messageId}, subscription}');
  const { message } = push.data;
  const messageId = messageIdOf(message);
  if (messageId === undefined || messageId === '')
    return bad('message.messageId', 'the push message has no messageId');
  let data: Json = null;
  if (message.data !== undefined) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(message.data))
      return bad('message.data', 'message.data must be base64 (as Pub/Sub pushes it)');
    const text = Buffer.from(message.data, 'base64').toString('utf8');
    try {
      data = JSON.parse(text) as Json;
    } catch {
      data = text;
    }
  }
  return {
    ok: true,
    value: { kind: 'pubsub', message_id: messageId, data, attributes: message.attributes ?? {} },
  };
}
