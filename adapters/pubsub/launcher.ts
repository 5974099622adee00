/**
 * Publishes a step's input to `target.topic` (data = JSON input, attributes = firestep context).
 * Mode `fire` (default): publishing is the completion, with `{ messageId }` as output. Mode
 * `callback`: a subscriber reports back through the callback protocol.
 * Pub/Sub has no publish idempotency: a relaunch publishes again, so subscribers should be
 * idempotent (the callback of an attempt that already finished is ignored by the engine).
 */
import type { PubSub } from '@google-cloud/pubsub';
import type { LaunchCommand } from '../../engine/core/commands.ts';
import type { CorrelationKey, Launcher, LaunchResult } from '../../engine/ports/index.ts';
import { type ContextOptions, callbackKey } from '../shared/context.ts';
import { classifyLaunchError, configFailure } from '../shared/launch-errors.ts';
import { publishStepInput, topicName } from './publish.ts';

export interface PubSubLauncherOptions {
  context: ContextOptions;
  pubsub: PubSub;
  defaults?: { projectId?: string };
}

/**
 * @example
 * const launcher = new PubSubLauncher({ context, pubsub: new PubSub({ projectId }) });
 */
export class PubSubLauncher implements Launcher {
  readonly targetType = 'PubSub' as const;

  constructor(private readonly opts: PubSubLauncherOptions) {}

  correlationKeys(command: LaunchCommand): CorrelationKey[] {
    return [callbackKey(this.opts.context, command)];
  }

  async launch(command: LaunchCommand): Promise<LaunchResult> {
    const target = command.target;
    if (target.type !== 'PubSub')
      return configFailure(`PubSubLauncher cannot launch a ${target.type} target`);
    const topic = topicName(target.topic, target.project_id ?? this.opts.defaults?.projectId);
    try {
      const messageId = await publishStepInput(this.opts.pubsub, topic, this.opts.context, command);
      const receipt = { target: 'PubSub', traceId: command.trace.traceId, topic, messageId };
      const extraCorrelationKeys: CorrelationKey[] = [{ kind: 'message', value: messageId }];
      if ((target.mode ?? 'fire') === 'callback')
        return { status: 'launched', receipt, extraCorrelationKeys };
      return {
        status: 'launched',
        receipt,
        extraCorrelationKeys,
        completion: { outcome: 'succeeded', output: { messageId } },
      };
    } catch (e) {
      return classifyLaunchError(e, `publish to ${topic} for step "${command.step}"`);
    }
  }
}
