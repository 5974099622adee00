import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createDirectBus,
  createPubSubBus,
  type PubSubCloudEvent,
  type SignalBus,
} from '../../runtime/local/signal-bus.ts';

/** A handler that fails the first delivery of every message and logs, in order, what happened. */
function recordingHandler(log: string[]) {
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

async function deliverTwice(bus: SignalBus, log: string[]): Promise<void> {
  await bus.deliver({ n: 1 });
  log.push('delivered 1');
  await bus.deliver({ n: 2 });
  log.push('delivered 2');
}

describe('local signal bus: deliver waits for the engine', () => {
  it('given the Pub/Sub emulator and a handler that throws once, when a message is delivered, then deliver resolves only after the redelivery was handled', async () => {
    const log: string[] = [];
    const host = process.env.PUBSUB_EMULATOR_HOST as string;
    const projectId = `deliver-${randomBytes(3).toString('hex')}`;
    const bus = await createPubSubBus({ host, projectId, handler: recordingHandler(log), runId: 'd' });
    try {
      await deliverTwice(bus, log);
    } finally {
      await bus.close();
    }

    expect(log).toEqual(['nack 1', 'handled 1', 'delivered 1', 'nack 2', 'handled 2', 'delivered 2']);
  });

  it('given no Pub/Sub and a handler that throws once, when a message is delivered, then deliver resolves only after the retry was handled', async () => {
    const log: string[] = [];
    const bus = createDirectBus({ projectId: 'firestep-local', handler: recordingHandler(log) });
    try {
      await deliverTwice(bus, log);
    } finally {
      await bus.close();
    }

    expect(log).toEqual(['nack 1', 'handled 1', 'delivered 1', 'nack 2', 'handled 2', 'delivered 2']);
  });

  it('given a delivery still waiting for a handler that never succeeds, when the bus closes, then deliver resolves (a closing run never hangs on it)', async () => {
    const bus = createDirectBus({
      projectId: 'firestep-local',
      handler: async () => {
        throw new Error('engine down');
      },
    });
    let settled = false;
    const pending = bus.deliver({ n: 1 }).then(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);

    await bus.close();
    await pending;

    expect(settled).toBe(true);
  });
});
