/**
 * Publish a step's input to a topic with the firestep context as attributes: used by the PubSub
 * target and by Pub/Sub-triggered Cloud Functions.
 */
import type { PubSub } from '@google-cloud/pubsub';
import type { LaunchCommand } from '../../engine/core/commands.ts';
import { type ContextOptions, contextAttributes, firestepContext } from '../shared/context.ts';

/**
 * `projects/P/topics/T` for a short topic name; a full name is kept.
 *
 * @example topicName('events', 'p') === 'projects/p/topics/events'
 */
export function topicName(topic: string, project: string | undefined): string {
  if (topic.startsWith('projects/') || project === undefined) return topic;
  return `projects/${project}/topics/${topic}`;
}

/**
 * Publish `command.input` as JSON data with the context attributes (`firestep_*`).
 *
 * @example const messageId = await publishStepInput(pubsub, 'projects/p/topics/t', context, command);
 */
export async function publishStepInput(
  pubsub: PubSub,
  topic: string,
  context: ContextOptions,
  command: LaunchCommand,
): Promise<string> {
  const ctx = firestepContext(context, command);
  return pubsub.topic(topic).publishMessage({
    data: Buffer.from(JSON.stringify(command.input)),
    attributes: contextAttributes(ctx),
  });
}
