/** Handlers and helpers shared by the signal-bus specs (direct bus: unit; Pub/Sub bus: int). */
import type { PubSubCloudEvent, SignalBus } from '../../runtime/local/signal-bus.ts';

export function decode(event: PubSubCloudEvent): unknown {
  return JSON.parse(Buffer.from(event.data.message.data, 'base64').toString('utf8'));
}

/** A handler that fails the first delivery of every message, and records what it saw. */
export function flakyHandler() {
  const seen: PubSubCloudEvent[] = [];
  const failed = new Set<string>();
  let resolveTwo: () => void = () => {};
  const two = new Promise<void>((r) => {
    resolveTwo = r;
  });
  const handler = async (event: PubSubCloudEvent) => {
    seen.push(event);
    if (seen.length >= 2) resolveTwo();
    if (!failed.has(event.id)) {
      failed.add(event.id);
      throw new Error('transient: try again');
    }
    return 'ok';
  };
  return { seen, handler, two };
}

/** A handler that fails the first delivery of every message and logs, in order, what happened. */
export function recordingHandler(log: string[]) {
  const failed = new Set<string>();
  return async (event: PubSubCloudEvent) => {
    const body = JSON.parse(Buffer.from(event.data.message.data, 'base64').toString('utf8')) as { n: number };
    if (!failed.has(event.id)) {
      failed.add(event.id);
      log.push(`nack ${body.n}`);
      throw new Error('transient: try again');
    }
    log.push(`handled ${body.n}`);
  };
}

export async function deliverTwice(bus: SignalBus, log: string[]): Promise<void> {
  await bus.deliver({ n: 1 });
  log.push('delivered 1');
  await bus.deliver({ n: 2 });
  log.push('delivered 2');
}
