/**
 * How signals reach the engine in a local run, as they would in the cloud: every raw message (a
 * LogEntry a fake wrote, an SDK callback, a timer) is published to a topic on the Pub/Sub emulator,
 * and a subscription hands each delivery to the engine's handler as the CloudEvent functions-framework
 * would build from it. A handler that throws nacks the message, so Pub/Sub redelivers it (the
 * "retry later" of Dataflow confirmation works unchanged). Without a Pub/Sub emulator the same raw
 * messages are handed to the handler directly, with the same retry-on-throw behaviour.
 *
 * `deliver` is the path of an SDK callback sent to the API function's URL: it resolves only once the
 * engine has recorded it, so a fake function can answer (and the platform write its end-of-execution
 * log line) after its callback is in, as with a real function using `firestep/sdk`.
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
  /**
   * Publish one raw message and resolve once the engine's handler has accepted it (after its
   * redeliveries, if any), or after `DELIVERY_WAIT_MS` / on close — never rejects.
   */
  deliver(message: unknown): Promise<void>;
  /** Stop delivering; messages still in flight are dropped. */
  close(): Promise<void>;
}

/** The topic the local log sink and SDK callbacks publish to. */
export const SIGNAL_TOPIC = 'firestep-signals';
const SUBSCRIPTION = 'firestep-engine';
/** The longest `deliver` waits for the engine (as the SDK's callback request times out). */
export const DELIVERY_WAIT_MS = 10_000;
/** Attribute tying a delivered message to its waiter (the engine ignores unknown attributes). */
const DELIVERY_ATTRIBUTE = 'local_delivery';

/** Waiters of `deliver`, keyed by delivery id; each resolves at most once. */
class Deliveries {
  readonly #waiting = new Map<string, () => void>();
  #count = 0;

  /** A new delivery id and the promise that `done(id)` (or the wait limit, or `releaseAll`) resolves. */
  open(prefix: string): { id: string; done: Promise<void> } {
    this.#count += 1;
    const id = `${prefix}-${this.#count}`;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.done(id), DELIVERY_WAIT_MS);
      timer.unref();
      this.#waiting.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return { id, done };
  }

  done(id: string | undefined): void {
    if (id === undefined) return;
    const resolve = this.#waiting.get(id);
    this.#waiting.delete(id);
    resolve?.();
  }

  releaseAll(): void {
    for (const id of [...this.#waiting.keys()]) this.done(id);
  }
}

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
  const deliveries = new Deliveries();
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
      () => {
        m.ack();
        deliveries.done(m.attributes?.[DELIVERY_ATTRIBUTE]);
      },
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
    deliver: (message) => {
      if (closed) return Promise.resolve();
      const { id, done } = deliveries.open(opts.runId);
      publisher
        .publishMessage({
          data: Buffer.from(JSON.stringify(message)),
          attributes: { [DELIVERY_ATTRIBUTE]: id },
        })
        .catch((e: unknown) => {
          log.warn('local Pub/Sub publish failed', { error: e });
          deliveries.done(id);
        });
      return done;
    },
    close: async () => {
      closed = true;
      deliveries.releaseAll();
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
  const deliveries = new Deliveries();
  const eventOf = (message: unknown, attributes: Record<string, string> | undefined) => {
    counter += 1;
    const data = Buffer.from(JSON.stringify(message)).toString('base64');
    return cloudEvent(
      opts.projectId,
      SUBSCRIPTION,
      data,
      `local-${counter}`,
      new Date().toISOString(),
      attributes,
    );
  };
  const deliver = (event: PubSubCloudEvent, attempt: number, delivery?: string) => {
    if (closed) return deliveries.done(delivery);
    const handled = opts.handler(event).then(
      () => deliveries.done(delivery),
      (e: unknown) => {
        if (closed || attempt >= (opts.maxAttempts ?? 50)) {
          log.warn('local signal dropped after retries', { messageId: event.id, error: e });
          return deliveries.done(delivery);
        }
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            deliver(event, attempt + 1, delivery);
          },
          Math.min(2000, 50 * 2 ** attempt),
        );
        timers.add(timer);
      },
    );
    inFlight.add(handled);
    void handled.finally(() => inFlight.delete(handled));
  };
  return {
    kind: 'direct',
    publish: (message, attributes) => {
      const event = eventOf(message, attributes);
      setImmediate(() => deliver(event, 1));
    },
    deliver: (message) => {
      const event = eventOf(message, undefined);
      const { id, done } = deliveries.open('direct');
      setImmediate(() => deliver(event, 1, id));
      return done;
    },
    close: async () => {
      closed = true;
      deliveries.releaseAll();
      for (const t of timers) clearTimeout(t);
      await settle(inFlight);
    },
  };
}
