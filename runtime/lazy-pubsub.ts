/**
 * A Pub/Sub client that loads `@google-cloud/pubsub` (~200 ms of module loading on top of
 * Firestore) the first time a step actually publishes, so engines whose flows never publish do not
 * pay for it at cold start. The launchers only call `topic(name).publishMessage(message)`.
 */
import type { PubSub } from '@google-cloud/pubsub';

export interface LazyPubSub {
  /** Facade for the launchers. */
  client: PubSub;
  /** Close the real client if it was created. */
  close(): Promise<void>;
}

/**
 * @example const pubsub = lazyPubSub({ projectId }); new PubSubLauncher({ pubsub: pubsub.client, … });
 */
export function lazyPubSub(options: { projectId: string }): LazyPubSub {
  let real: Promise<PubSub> | undefined;
  const load = () => {
    real ??= import('@google-cloud/pubsub').then(
      ({ PubSub }) => new PubSub({ projectId: options.projectId }),
    );
    return real;
  };
  type Topic = ReturnType<PubSub['topic']>;
  const facade = {
    topic: (name: string) => ({
      publishMessage: async (message: Parameters<Topic['publishMessage']>[0]) =>
        (await load()).topic(name).publishMessage(message),
    }),
  };
  return {
    // Only `topic().publishMessage()` is reachable through the facade; see the module comment.
    client: facade as unknown as PubSub,
    close: async () => {
      if (real) await (await real).close();
    },
  };
}
