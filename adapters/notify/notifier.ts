/**
 * Carries out the outbox's `notify` commands (flow `notify`): publish the payload to a Pub/Sub
 * topic with filterable attributes, or POST it to a webhook signed with the deployment's
 * notification key (engine/signals/wire/notification.ts). A 2xx (or a published message) is
 * `launched` with a receipt; a 5xx, 408, 429 or a network error is `retry` (the outbox backs off and
 * finally gives up, recorded as `NotificationFailed`); another 4xx is `failed` at once.
 */
import type { PubSub } from '@google-cloud/pubsub';
import type { NotifyCommand } from '../../engine/core/commands.ts';
import { notificationAttributes } from '../../engine/core/notify.ts';
import type { DispatchOutcome } from '../../engine/ports/index.ts';
import {
  DELIVERY_HEADER,
  notificationKey,
  SIGNATURE_HEADER,
  signNotification,
} from '../../engine/signals/wire/notification.ts';
import { topicName } from '../pubsub/publish.ts';
import { classifyLaunchError, configFailure } from '../shared/launch-errors.ts';

export interface NotifierOptions {
  /** Pub/Sub client for `pubsub` rules; without it they fail with a configuration error. */
  pubsub?: PubSub;
  /** Project of short topic names (and of the `--project` in the payload's hint). */
  projectId?: string;
  /** `FIRESTEP_CALLBACK_SECRET`: webhooks are signed with a key derived from it. */
  secret: string;
  /** How long a webhook may take to answer (default 10 s). */
  timeoutMs?: number;
  now?: () => Date;
}

/** Sends notifications; the dispatcher hands it every `notify` command. */
export interface Notifier {
  notify(command: NotifyCommand): Promise<DispatchOutcome>;
}

/** Statuses a webhook may answer that are worth trying again. */
const RETRYABLE = new Set([408, 425, 429]);

/**
 * @example const notifier = createNotifier({ pubsub, projectId: 'p', secret }); await notifier.notify(command);
 */
export function createNotifier(opts: NotifierOptions): Notifier {
  const key = notificationKey(opts.secret);
  const now = opts.now ?? (() => new Date());

  const bodyOf = (command: NotifyCommand): string => {
    const hint =
      opts.projectId === undefined
        ? command.payload.hint
        : `${command.payload.hint} --project ${opts.projectId}`;
    return JSON.stringify({ ...command.payload, hint });
  };

  async function publish(command: NotifyCommand, topic: string): Promise<DispatchOutcome> {
    if (!opts.pubsub)
      return configFailure(
        `notify[${command.rule}] publishes to "${topic}" but this engine has no Pub/Sub client (local runs need the Pub/Sub emulator)`,
      );
    const name = topicName(topic, opts.projectId);
    try {
      const messageId = await opts.pubsub.topic(name).publishMessage({
        data: Buffer.from(bodyOf(command)),
        attributes: notificationAttributes(command.payload),
      });
      return { status: 'launched', receipt: { target: 'PubSub', messageId, topic: name } };
    } catch (e) {
      return classifyLaunchError(e, `notify[${command.rule}] publishing to ${name}`);
    }
  }

  async function post(command: NotifyCommand, url: string): Promise<DispatchOutcome> {
    const body = bodyOf(command);
    const what = `notify[${command.rule}] POST ${url}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'firestep-notify',
          [DELIVERY_HEADER]: `${command.executionId}/${command.id}`,
          [SIGNATURE_HEADER]: signNotification(key, body, Math.floor(now().getTime() / 1000)),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
    } catch (e) {
      const message = (e as Error).message;
      return {
        status: 'retry',
        error: { name: 'States.NotificationFailed', kind: 'http', message: `${what} failed: ${message}` },
      };
    }
    if (res.ok) return { status: 'launched', receipt: { target: 'Webhook', url, httpStatus: res.status } };
    const error = {
      name: 'States.NotificationFailed',
      kind: 'http' as const,
      message: `${what} answered HTTP ${res.status}`,
      cause: { status: res.status },
    };
    return res.status >= 500 || RETRYABLE.has(res.status)
      ? { status: 'retry', error }
      : { status: 'failed', error };
  }

  return {
    notify: (command) =>
      'pubsub' in command.channel
        ? publish(command, command.channel.pubsub)
        : post(command, command.channel.webhook),
  };
}
