/**
 * How signals reach the engine in a local run, as they would in the cloud: every raw message (a
 * LogEntry a fake wrote, an SDK callback, a timer) is published to a topic on the Pub/Sub emulator,
 * and a subscription hands each delivery to the engine's handler as the CloudEvent functions-framework
 * would build from it. A handler that throws nacks the message, so Pub/Sub redelivers it (the
 * "retry later" of Dataflow confirmation works unchanged). Without a Pub/Sub emulator the same raw
 * messages are handed to the handler directly, with the same retry-on-throw behaviour.
 */
import { type Message, PubSub, type Subscription } from '@google-cloud/pubsub';
import { log } from '../../engine/log.ts';
import { PUBSUB_MESSAGE_PUBLISHED } from '../../engine/signals/wire/pubsub.ts';

/** The engine's entry point as the deployed function calls it: one Pub/Sub CloudEvent. */
export type EngineHandler = (cloudEvent: PubSubCloudEvent) => Promise<unknown>;

/** A `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent (structured form). */
export interface PubSubCloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: typeof PUBSUB_MESSAGE_PUBLISHED;
  time: string;
  datacontenttype: 'application/json';
  data: {
    message: { data: string; attributes?: Record<string, string>; messageId: string; publishTime: string };
    subscription: string;
  };
}

export interface SignalBus {
  /** `pubsub` (through the emulator) or `direct` (handed over in process). */
  readonly kind: 'pubsub' | 'direct';
  /** Publish one raw message (it is JSON-serialised into the message data). */
  publish(message: unknown, attributes?: Record<string, string>): void;
  /** Stop delivering; messages still in flight are dropped. */
  close(): Promise<void>;
}

/** The topic the local log sink and SDK callbacks publish to. */
export const SIGNAL_TOPIC = 'firestep-signals';
const SUBSCRIPTION = 'firestep-engine';

/** Wait (at most 5 s) for the handler calls still running, so nothing outlives the engine's clients. */
async function settle(inFlight: Set<Promise<unknown>>): Promise<void> {
  await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 5000).unref())]);
}

function cloudEvent(
  projectId: string,
  subscriptionName: string,
  data: string,
  messageId: string,
  publishTime: string,
  attributes: Record<string, string> | undefined,
): PubSubCloudEvent {
  return {
    specversion: '1.0',
    id: messageId,
    source: `//pubsub.googleapis.com/projects/${projectId}/topics/${SIGNAL_TOPIC}`,
    type: PUBSUB_MESSAGE_PUBLISHED,
    time: publishTime,
    datacontenttype: 'application/json',
    data: {
      message: {
        data,
        ...(attributes && Object.keys(attributes).length ? { attributes } : {}),
        messageId,
        publishTime,
      },
      subscription: `projects/${projectId}/subscriptions/${subscriptionName}`,
    },
  };
}

/**
 * A bus on the Pub/Sub emulator at `host`: creates the topic and a pull subscription (a fresh one
 * per run, so a previous run's leftovers are never delivered), and streams deliveries to `handler`.
 *
 * @example const bus = await createPubSubBus({ host: '127.0.0.1:8766', projectId: 'firestep-local', handler });
 */
export async function createPubSubBus(opts: {
  host: string;
  projectId: string;
  handler: EngineHandler;
  /** Suffix making the subscription unique to this run. */
  runId: string;
}): Promise<SignalBus> {
  const pubsub = new PubSub({ projectId: opts.projectId, apiEndpoint: opts.host });
  const topic = pubsub.topic(SIGNAL_TOPIC);
  // Several local runs may share one emulator: whoever comes first creates the topic.
  await pubsub.createTopic(SIGNAL_TOPIC).catch((e: { code?: number }) => {
    if (e.code !== 6) throw e;
  });
  const subName = `${SUBSCRIPTION}-${opts.runId}`;
  const [subscription]: [Subscription, ...unknown[]] = await topic.createSubscription(subName, {
    ackDeadlineSeconds: 10,
    retryPolicy: { minimumBackoff: { seconds: 0, nanos: 100_000_000 }, maximumBackoff: { seconds: 2 } },
  });
  const inFlight = new Set<Promise<unknown>>();
  subscription.on('message', (m: Message) => {
    const event = cloudEvent(
      opts.projectId,
      subName,
      m.data.toString('base64'),
      m.id,
      m.publishTime.toISOString(),
      m.attributes,
    );
    const handled = opts.handler(event).then(
      () => m.ack(),
      (e: unknown) => {
        log.debug('local engine handler asked for redelivery', { messageId: m.id, error: e });
        if (!closed) m.nack();
      },
    );
    inFlight.add(handled);
    void handled.finally(() => inFlight.delete(handled));
  });
  subscription.on('error', (e: unknown) => log.warn('local Pub/Sub subscription error', { error: e }));
  const publisher = topic;
  let closed = false;
  return {
    kind: 'pubsub',
    publish: (message, attributes) => {
      if (closed) return;
      publisher
        .publishMessage({ data: Buffer.from(JSON.stringify(message)), ...(attributes ? { attributes } : {}) })
        .catch((e: unknown) => log.warn('local Pub/Sub publish failed', { error: e }));
    },
    close: async () => {
      closed = true;
      subscription.removeAllListeners('message');
      await settle(inFlight);
      await subscription.close().catch(() => {});
      await subscription.delete().catch(() => {});
      await pubsub.close().catch(() => {});
    },
  };
}

/**
 * A bus without Pub/Sub: each message is wrapped in the same CloudEvent and handed to `handler` on
 * the next tick; a throw is retried with a short backoff, as a subscription would redeliver it.
 *
 * @example const bus = createDirectBus({ projectId: 'firestep-local', handler });
 */
export function createDirectBus(opts: {
  projectId: string;
  handler: EngineHandler;
  maxAttempts?: number;
}): SignalBus {
  let closed = false;
  let counter = 0;
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  const deliver = (event: PubSubCloudEvent, attempt: number) => {
    if (closed) return;
    const handled = opts.handler(event).catch((e: unknown) => {
      if (closed || attempt >= (opts.maxAttempts ?? 50)) {
        log.warn('local signal dropped after retries', { messageId: event.id, error: e });
        return;
      }
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          deliver(event, attempt + 1);
        },
        Math.min(2000, 50 * 2 ** attempt),
      );
      timers.add(timer);
    });
    inFlight.add(handled);
    void handled.finally(() => inFlight.delete(handled));
  };
  return {
    kind: 'direct',
    publish: (message, attributes) => {
      counter += 1;
      const data = Buffer.from(JSON.stringify(message)).toString('base64');
      const event = cloudEvent(
        opts.projectId,
        SUBSCRIPTION,
        data,
        `local-${counter}`,
        new Date().toISOString(),
        attributes,
      );
      setImmediate(() => deliver(event, 1));
    },
    close: async () => {
      closed = true;
      for (const t of timers) clearTimeout(t);
      await settle(inFlight);
    },
  };
}
