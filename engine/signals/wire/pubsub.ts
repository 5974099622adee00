/**
 * Pub/Sub wire formats: the push body a push subscription POSTs, and the CloudEvent that
 * functions-framework (and Eventarc) hands a `cloudEvent` function for a Pub/Sub message.
 *
 * References:
 * - push body: https://cloud.google.com/pubsub/docs/push#receive_push
 * - PubsubMessage: https://cloud.google.com/pubsub/docs/reference/rest/v1/PubsubMessage
 * - CloudEvent data: https://github.com/googleapis/google-cloudevents/blob/main/proto/google/events/cloud/pubsub/v1/data.proto
 */
import { z } from 'zod';

export const PubsubMessageSchema = z.object({
  /** The payload, base64 (standard alphabet). A log sink puts the LogEntry JSON here. */
  data: z.string().optional(),
  /** Key/value attributes. firestep's own context travels as `firestep_*` attributes. */
  attributes: z.record(z.string(), z.string()).optional(),
  /** Server-assigned id, unique within the topic. Push bodies carry it twice (camel and snake). */
  messageId: z.string().optional(),
  message_id: z.string().optional(),
  /** RFC 3339 publish time (also duplicated as `publish_time`). */
  publishTime: z.string().optional(),
  publish_time: z.string().optional(),
  /** Set when the subscription uses message ordering. */
  orderingKey: z.string().optional(),
});
export type PubsubMessage = z.infer<typeof PubsubMessageSchema>;

/** What a push subscription POSTs: `{ message, subscription }` (also the CloudEvent `data`). */
export const PushBodySchema = z.object({
  message: PubsubMessageSchema,
  /** `projects/{project}/subscriptions/{subscription}`. */
  subscription: z.string().optional(),
  /** Present when the subscription has a dead-letter policy. */
  deliveryAttempt: z.number().int().optional(),
});
export type PushBody = z.infer<typeof PushBodySchema>;

/** CloudEvent `type` functions-framework and Eventarc use for a Pub/Sub message. */
export const PUBSUB_MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

/**
 * CloudEvents 1.0 envelope (structured JSON form, as functions-framework passes it to a `cloudEvent`
 * handler). Extension attributes (e.g. Dataflow's `job`) are kept as unknown keys.
 *
 * Reference: https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md
 */
export const CloudEventSchema = z.looseObject({
  /** Always `1.0`. */
  specversion: z.string(),
  /** Unique per event from one source; redeliveries keep it. */
  id: z.string().min(1),
  /** e.g. `//pubsub.googleapis.com/projects/p/topics/t`, `//dataflow.googleapis.com/projects/p/locations/r`. */
  source: z.string(),
  /** e.g. `google.cloud.pubsub.topic.v1.messagePublished`. */
  type: z.string().min(1),
  /** RFC 3339. */
  time: z.string().optional(),
  subject: z.string().optional(),
  datacontenttype: z.string().optional(),
  dataschema: z.string().optional(),
  /** Event payload; for Pub/Sub the push body `{ message, subscription }`. */
  data: z.unknown().optional(),
});
export type CloudEvent = z.infer<typeof CloudEventSchema>;

/**
 * Whether a value is a CloudEvent envelope (has `specversion` and `type`), valid or not.
 *
 * @example looksLikeCloudEvent({ specversion: '1.0', type: 't', id: '1', source: 's' }) // true
 */
export function looksLikeCloudEvent(value: Record<string, unknown>): boolean {
  return 'specversion' in value && 'type' in value;
}

/**
 * Whether a value is a push body / CloudEvent data (`{ message: {…} }`), valid or not.
 *
 * @example looksLikePushBody({ message: { data: 'e30=' }, subscription: 'projects/p/subscriptions/s' }) // true
 */
export function looksLikePushBody(value: Record<string, unknown>): boolean {
  return typeof value.message === 'object' && value.message !== null && !('kind' in value);
}

/** The message id of a Pub/Sub message, whichever spelling it came with. */
export function messageIdOf(message: PubsubMessage): string | undefined {
  return message.messageId ?? message.message_id;
}
