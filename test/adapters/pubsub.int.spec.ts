import { randomUUID } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, describe, expect, it } from 'vitest';
import { PubSubLauncher } from '../../adapters/pubsub/launcher.ts';
import { CONTEXT_ATTRIBUTES } from '../../engine/signals/wire/callback.ts';
import { CONTEXT, launchCommand } from './support.ts';

describe('PubSub launcher on the Pub/Sub emulator', () => {
  const projectId = `ps-${randomUUID().slice(0, 8)}`;
  const pubsub = new PubSub({ projectId });
  const launcher = new PubSubLauncher({ context: CONTEXT, pubsub, defaults: { projectId } });
  afterAll(() => pubsub.close());

  it('given fire mode, then the message is published and the step completes with its messageId', async () => {
    const [topic] = await pubsub.createTopic('events');
    const [sub] = await topic.createSubscription('events-sub');
    const cmd = launchCommand(
      { type: 'PubSub', name: 'notify', topic: 'events' },
      { executionId: 'e-ps1', input: { ok: true } },
    );
    const result = await launcher.launch(cmd);
    expect(result).toMatchObject({
      status: 'launched',
      receipt: { target: 'PubSub', topic: `projects/${projectId}/topics/events` },
    });
    if (result.status !== 'launched') return;
    expect(result.completion).toEqual({
      outcome: 'succeeded',
      output: { messageId: result.receipt.messageId },
    });
    const message = await new Promise<{ data: Buffer; attributes: Record<string, string> }>((resolve) =>
      sub.once('message', (m) => {
        m.ack();
        resolve(m);
      }),
    );
    await sub.close();
    expect(JSON.parse(message.data.toString())).toEqual({ ok: true });
    expect(message.attributes[CONTEXT_ATTRIBUTES.path]).toBe('Step1');
  });

  it('given callback mode, then the launch has no completion; given a missing topic, then the launch fails terminally', async () => {
    await pubsub.createTopic('cb-topic');
    const cb = await launcher.launch(
      launchCommand({ type: 'PubSub', name: 'n', topic: 'cb-topic', mode: 'callback' }),
    );
    expect(cb.status === 'launched' && cb.completion).toBeUndefined();
    const missing = await launcher.launch(
      launchCommand({ type: 'PubSub', name: 'n', topic: 'does-not-exist' }),
    );
    expect(missing).toMatchObject({ status: 'failed', error: { kind: 'launch' } });
  });
});
