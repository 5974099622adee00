import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PUBSUB_MESSAGE_PUBLISHED } from '../../engine/signals/wire/pubsub.ts';
import { createPubSubBus, type PubSubCloudEvent } from '../../runtime/local/signal-bus.ts';
import { decode, flakyHandler } from './bus-support.ts';

/** The local signal bus over the Pub/Sub emulator (the direct bus: signal-bus.unit.spec.ts). */
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
});
