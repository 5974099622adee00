/** The Cloud Function launcher's Pub/Sub trigger, against the Pub/Sub emulator (the rest of the launcher: cloud-function.unit.spec.ts). */
import { randomUUID } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, describe, expect, it } from 'vitest';
import { CloudFunctionLauncher } from '../../adapters/cloud-function/launcher.ts';
import type { CloudFunctionTarget } from '../../engine/flow/model.ts';
import { CONTEXT_ATTRIBUTES, callbackToken } from '../../engine/signals/wire/callback.ts';
import { CONTEXT, launchCommand, SECRET } from './support.ts';

const fn = (name: string, over: Partial<CloudFunctionTarget> = {}): CloudFunctionTarget => ({
  type: 'CloudFunction',
  name,
  project_id: 'proj-cf',
  region: 'us-central1',
  ...over,
});

describe('Pub/Sub-triggered functions on the Pub/Sub emulator', () => {
  const projectId = `cf-${randomUUID().slice(0, 8)}`;
  const pubsub = new PubSub({ projectId });
  afterAll(() => pubsub.close());

  it('given trigger pubsub, then the input is published as JSON with the context as attributes', async () => {
    const [topic] = await pubsub.createTopic('fn-topic');
    const [sub] = await topic.createSubscription('fn-sub');
    const launcher = new CloudFunctionLauncher({
      context: CONTEXT,
      mode: 'direct',
      pubsub,
      defaults: { projectId },
    });
    const cmd = launchCommand(
      fn('on-message', { trigger: 'pubsub', topic: 'fn-topic', project_id: projectId }),
      { executionId: 'e-ps', input: { file: 'a.csv' } },
    );
    const result = await launcher.launch(cmd);
    expect(result).toMatchObject({
      status: 'launched',
      receipt: { topic: `projects/${projectId}/topics/fn-topic`, messageId: expect.any(String) },
    });
    const message = await new Promise<{ data: Buffer; attributes: Record<string, string>; id: string }>(
      (resolve) => {
        sub.once('message', (m) => {
          m.ack();
          resolve(m);
        });
      },
    );
    await sub.close();
    expect(JSON.parse(message.data.toString())).toEqual({ file: 'a.csv' });
    expect(message.attributes).toMatchObject({
      [CONTEXT_ATTRIBUTES.executionId]: 'e-ps',
      [CONTEXT_ATTRIBUTES.attempt]: '1',
      [CONTEXT_ATTRIBUTES.token]: callbackToken(SECRET, 'e-ps', cmd.id),
      [CONTEXT_ATTRIBUTES.traceId]: cmd.trace.traceId,
    });
    if (result.status === 'launched') expect(message.id).toBe(result.receipt.messageId);
  });

  it('given trigger pubsub without a topic, then the launch fails terminally', async () => {
    const launcher = new CloudFunctionLauncher({ context: CONTEXT, mode: 'direct', pubsub });
    expect(await launcher.launch(launchCommand(fn('no-topic', { trigger: 'pubsub' })))).toMatchObject({
      status: 'failed',
    });
  });
});
