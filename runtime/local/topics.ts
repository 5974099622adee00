/**
 * Pub/Sub plumbing of a flow in a local run: the topics its PubSub targets, Pub/Sub-triggered
 * functions and `notify` rules publish to are created on the emulator, and each Pub/Sub-triggered
 * function gets a push subscription to its route on the fake function host — as a deployed
 * function's trigger would.
 */
import type { PubSub } from '@google-cloud/pubsub';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import { taskSteps } from './faults.ts';

function fullTopic(topic: string, project: string): string {
  return topic.startsWith('projects/') ? topic : `projects/${project}/topics/${topic}`;
}

async function ensureTopic(pubsub: PubSub, name: string): Promise<void> {
  await pubsub.createTopic(name).catch((e: { code?: number }) => {
    if (e.code !== 6) throw e;
  });
}

/**
 * Create the flow's topics and trigger subscriptions (idempotent).
 *
 * @example await prepareTopics(pubsub, def, { projectId: 'firestep-local', region: 'us-central1', functionHostUrl, runId });
 */
export async function prepareTopics(
  pubsub: PubSub,
  def: FlowDefinition,
  opts: { projectId: string; region: string; functionHostUrl: string; runId: string },
): Promise<void> {
  // The topics its `notify` rules publish to, so a local run's notifications can be read.
  for (const rule of def.flow.notify ?? [])
    if (rule.pubsub !== undefined) await ensureTopic(pubsub, fullTopic(rule.pubsub, opts.projectId));
  for (const { step, path } of taskSteps(def.flow)) {
    const target = step.target;
    const project = target.project_id ?? opts.projectId;
    if (target.type === 'PubSub') await ensureTopic(pubsub, fullTopic(target.topic, project));
    if (target.type === 'CloudFunction' && target.trigger === 'pubsub' && target.topic) {
      const topic = fullTopic(target.topic, project);
      await ensureTopic(pubsub, topic);
      const region = target.region ?? opts.region;
      const endpoint = `${opts.functionHostUrl}/pubsub/${encodeURIComponent(project)}/${encodeURIComponent(region)}/${encodeURIComponent(target.name)}`;
      const name =
        `trigger-${target.name}-${encodeURIComponent(path).replace(/[^a-zA-Z0-9-]/g, '-')}-${opts.runId}`.slice(
          0,
          250,
        );
      await pubsub
        .topic(topic)
        .createSubscription(name, { pushConfig: { pushEndpoint: endpoint } })
        .catch((e: { code?: number }) => {
          if (e.code !== 6) throw e;
        });
    }
  }
}
