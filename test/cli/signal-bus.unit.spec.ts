/** The direct (no Pub/Sub) local signal bus; its Pub/Sub twin is tested in signal-bus*.int.spec.ts. */
import { describe, expect, it } from 'vitest';
import { createDirectBus, type PubSubCloudEvent } from '../../runtime/local/signal-bus.ts';
import { decode, deliverTwice, flakyHandler, recordingHandler } from './bus-support.ts';

describe('local signal bus', () => {
  it('given no Pub/Sub, when a message is published and the handler throws once, then the direct bus retries it', async () => {
    const { seen, handler, two } = flakyHandler();
    const bus = createDirectBus({ projectId: 'p', handler });
    bus.publish({ kind: 'firestep.callback', id: 'cb-1' }, { origin: 'sdk' });
    await two;
    await bus.close();
    expect(bus.kind).toBe('direct');
    expect(seen.map((e) => e.id)).toEqual(['local-1', 'local-1']);
    expect(seen[0]?.data.message.attributes).toEqual({ origin: 'sdk' });
    expect(decode(seen[1] as PubSubCloudEvent)).toEqual({ kind: 'firestep.callback', id: 'cb-1' });
  });

  it('given a closed bus, when something is published, then nothing is delivered', async () => {
    const seen: unknown[] = [];
    const bus = createDirectBus({ projectId: 'p', handler: async (e) => seen.push(e) });
    await bus.close();
    bus.publish({ late: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([]);
  });
});

describe('local signal bus: deliver waits for the engine', () => {
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
