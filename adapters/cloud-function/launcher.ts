/**
 * Launches Cloud Functions (gen1 and gen2):
 * - HTTP functions, mode `task` (the cloud default): a Cloud Tasks HTTP task with an OIDC token,
 *   named after the command, so the engine returns at once, Cloud Tasks carries the call (and its
 *   retries), and a relaunch meets ALREADY_EXISTS and adopts the task;
 * - HTTP functions, mode `direct` (short calls, local runs): POST and return once accepted
 *   (see `direct.ts`);
 * - Pub/Sub-triggered functions (`trigger: 'pubsub'`): publish to `target.topic`.
 * Every HTTP call carries `traceparent` / `X-Cloud-Trace-Context` from the attempt's trace and the body
 * `{ input, firestep }`; completion arrives later as the function's log line or SDK callback.
 */
import type { PubSub } from '@google-cloud/pubsub';
import type { LaunchCommand } from '../../engine/core/commands.ts';
import type { Receipt } from '../../engine/core/events.ts';
import type { CloudFunctionTarget } from '../../engine/flow/model.ts';
import type { CorrelationKey, Launcher, LaunchResult } from '../../engine/ports/index.ts';
import { traceHeaders } from '../../engine/signals/wire/trace-headers.ts';
import { publishStepInput, topicName } from '../pubsub/publish.ts';
import {
  type ContextOptions,
  contextAttributes,
  firestepContext,
  launchBody,
  traceAndCallbackKeys,
} from '../shared/context.ts';
import { createHttpTask, type TaskQueue, taskIdFor } from '../shared/http-task.ts';
import { type IdTokenProvider, noIdToken } from '../shared/id-token.ts';
import { classifyLaunchError, configFailure } from '../shared/launch-errors.ts';
import { resolveLocation, type TargetDefaults } from '../shared/location.ts';
import { invokeDirect } from './direct.ts';
import { cloudFunctionsUrl, type FunctionUrlResolver } from './url.ts';

export interface CloudFunctionLauncherOptions {
  context: ContextOptions;
  defaults?: TargetDefaults;
  /** `task` needs `tasks`; `direct` calls the function from the engine. */
  mode: 'task' | 'direct';
  tasks?: TaskQueue;
  /** Pub/Sub client for `trigger: 'pubsub'` functions. */
  pubsub?: PubSub;
  /** Direct mode: ID token for the function URL (default: none, for local runs). */
  idToken?: IdTokenProvider;
  /** URL of functions without `url` (default `https://{region}-{project}.cloudfunctions.net/{name}`). */
  urlFor?: FunctionUrlResolver;
  /** Use `urlFor` even for targets that name a `url` (local runs route every call to the fake host). */
  ignoreTargetUrl?: boolean;
  /**
   * Local runs: deliver Pub/Sub-triggered functions by POSTing a Pub/Sub push body to this URL (the
   * fake host's `/pubsub/…` route) instead of publishing to a topic nobody subscribes to locally.
   */
  pushUrlFor?: FunctionUrlResolver;
  /** Direct mode: how long to wait for an early answer before calling the call accepted (default 2 s). */
  acceptTimeoutMs?: number;
  /** Direct mode: overall deadline of the background request (default: the step timeout, else 540 s). */
  requestTimeoutMs?: number;
}

/**
 * @example
 * const launcher = new CloudFunctionLauncher({ context, mode: 'direct', urlFor: (t, l) => host.functionUrl({ ...l, name: t.name, gen: t.gen }) });
 */
export class CloudFunctionLauncher implements Launcher {
  readonly targetType = 'CloudFunction' as const;

  constructor(private readonly opts: CloudFunctionLauncherOptions) {}

  correlationKeys(command: LaunchCommand): CorrelationKey[] {
    return traceAndCallbackKeys(this.opts.context, command);
  }

  async launch(command: LaunchCommand): Promise<LaunchResult> {
    const target = command.target;
    if (target.type !== 'CloudFunction')
      return configFailure(`CloudFunctionLauncher cannot launch a ${target.type} target`);
    if (target.trigger === 'pubsub') return this.#publish(target, command);
    const own = this.opts.ignoreTargetUrl ? undefined : target.url;
    const loc = resolveLocation(target, this.opts.defaults ?? {});
    if (own === undefined && 'missing' in loc) return configFailure(loc.missing);
    const url =
      own ?? (this.opts.urlFor ?? cloudFunctionsUrl)(target, loc as Exclude<typeof loc, { missing: string }>);
    const receipt: Receipt = { target: 'CloudFunction', traceId: command.trace.traceId, url };
    const headers = traceHeaders(command.trace);
    const body = launchBody(this.opts.context, command);
    const what = `call of function "${target.name}" (${url})`;

    if (this.opts.mode === 'task') {
      if (!this.opts.tasks)
        return configFailure('CloudFunction task mode needs a Cloud Tasks queue (FIRESTEP_TASKS_QUEUE)');
      try {
        const { taskName, created } = await createHttpTask(this.opts.tasks, {
          taskId: taskIdFor('launch', command.executionId, command.id),
          url,
          headers,
          body,
          ...(command.timeoutSeconds ? { dispatchDeadlineSeconds: command.timeoutSeconds } : {}),
        });
        return {
          status: 'launched',
          receipt: { ...receipt, taskName, ...(created ? {} : { adopted: true }) },
          extraCorrelationKeys: [{ kind: 'task', value: taskName }],
        };
      } catch (e) {
        return classifyLaunchError(e, `Cloud Tasks createTask for the ${what}`);
      }
    }

    let authorization: string | undefined;
    try {
      authorization = await (this.opts.idToken ?? noIdToken)(url);
    } catch (e) {
      return classifyLaunchError(e, `fetching an ID token for ${url}`);
    }
    const outcome = await invokeDirect(
      {
        url,
        headers: { ...headers, ...(authorization ? { Authorization: authorization } : {}) },
        body,
        acceptTimeoutMs: this.opts.acceptTimeoutMs ?? 2000,
        requestTimeoutMs: this.opts.requestTimeoutMs ?? (command.timeoutSeconds ?? 540) * 1000,
      },
      what,
    );
    if (outcome.status !== 'accepted') return outcome;
    return {
      status: 'launched',
      receipt: {
        ...receipt,
        ...(outcome.httpStatus !== undefined ? { httpStatus: outcome.httpStatus } : {}),
        ...(outcome.functionExecutionId ? { functionExecutionId: outcome.functionExecutionId } : {}),
      },
    };
  }

  async #publish(target: CloudFunctionTarget, command: LaunchCommand): Promise<LaunchResult> {
    if (!target.topic) return configFailure(`function "${target.name}" has trigger "pubsub" but no topic`);
    if (this.opts.pushUrlFor) return this.#push(target, command, this.opts.pushUrlFor);
    if (!this.opts.pubsub)
      return configFailure(
        'Pub/Sub-triggered functions need a Pub/Sub client (PUBSUB_EMULATOR_HOST locally)',
      );
    const topic = topicName(target.topic, target.project_id ?? this.opts.defaults?.projectId);
    try {
      const messageId = await publishStepInput(this.opts.pubsub, topic, this.opts.context, command);
      return {
        status: 'launched',
        receipt: { target: 'CloudFunction', traceId: command.trace.traceId, topic, messageId },
        // gen1 event functions log `labels.execution_id` = the event id = this message id.
        extraCorrelationKeys: [{ kind: 'message', value: messageId }],
      };
    } catch (e) {
      return classifyLaunchError(e, `publish to ${topic} for function "${target.name}"`);
    }
  }

  /** What Pub/Sub push would POST to the function: `{ message: { data, attributes, messageId }, subscription }`. */
  async #push(
    target: CloudFunctionTarget,
    command: LaunchCommand,
    pushUrlFor: FunctionUrlResolver,
  ): Promise<LaunchResult> {
    const loc = resolveLocation(target, this.opts.defaults ?? {});
    if ('missing' in loc) return configFailure(loc.missing);
    const url = pushUrlFor(target, loc);
    const topic = topicName(target.topic ?? '', loc.project);
    // Pub/Sub message ids are decimal strings; derive one from the command so a relaunch reuses it.
    const messageId = BigInt(`0x${taskIdFor('m', command.executionId, command.id).slice(2, 17)}`).toString();
    const body = {
      message: {
        data: Buffer.from(JSON.stringify(command.input)).toString('base64'),
        attributes: contextAttributes(firestepContext(this.opts.context, command)),
        messageId,
        publishTime: new Date().toISOString(),
      },
      subscription: `projects/${loc.project}/subscriptions/${target.name}-push`,
    };
    const outcome = await invokeDirect(
      {
        url,
        headers: {},
        body,
        acceptTimeoutMs: this.opts.acceptTimeoutMs ?? 2000,
        requestTimeoutMs: 540_000,
      },
      `push of ${topic} to function "${target.name}" (${url})`,
    );
    if (outcome.status !== 'accepted') return outcome;
    return {
      status: 'launched',
      receipt: { target: 'CloudFunction', traceId: command.trace.traceId, topic, messageId, url },
      extraCorrelationKeys: [{ kind: 'message', value: messageId }],
    };
  }
}
