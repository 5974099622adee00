import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPubSubBus } from '../../runtime/local/signal-bus.ts';
import { deliverTwice, recordingHandler } from './bus-support.ts';

/** deliver() over the Pub/Sub emulator (the direct bus: signal-bus.unit.spec.ts). */
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
});
