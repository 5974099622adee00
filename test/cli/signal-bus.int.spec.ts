import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PUBSUB_MESSAGE_PUBLISHED } from '../../engine/signals/wire/pubsub.ts';
import { createDirectBus, createPubSubBus, type PubSubCloudEvent } from '../../runtime/local/signal-bus.ts';

function decode(event: PubSubCloudEvent): unknown {
  return JSON.parse(Buffer.from(event.data.message.data, 'base64').toString('utf8'));
}

/** A handler that fails the first delivery of every message, and records what it saw. */
function flakyHandler() {
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

describe('local signal bus', () => {
  it('given the Pub/Sub emulator, when a log entry is published and the handler throws once, then it is redelivered as the same CloudEvent', async () => {
    const { seen, handler, two } = flakyHandler();
    const projectId = `bus-${randomBytes(3).toString('hex')}`;
    const host = process.env.PUBSUB_EMULATOR_HOST as string;
    const bus = await createPubSubBus({ host, projectId, handler, runId: 'a' });
    try {
      bus.publish({
        insertId: 'log-1',
        textPayload: 'Function execution took 5 ms, finished with status code: 200',
      });
      await two;
    } finally {
      await bus.close();
    }
    expect(bus.kind).toBe('pubsub');
    expect(seen[0]).toMatchObject({
      specversion: '1.0',
      type: PUBSUB_MESSAGE_PUBLISHED,
      source: `//pubsub.googleapis.com/projects/${projectId}/topics/firestep-signals`,
      data: { subscription: `projects/${projectId}/subscriptions/firestep-engine-a` },
    });
    expect(decode(seen[0] as PubSubCloudEvent)).toEqual({
      insertId: 'log-1',
      textPayload: expect.stringContaining('status code: 200'),
    });
    expect(seen[1]?.id).toBe(seen[0]?.id);
  });

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
