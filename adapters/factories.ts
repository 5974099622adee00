/**
 * The launchers a runtime uses, built from its configuration: local runs talk to the protocol fakes
 * (function host, fake Dataflow / Dataproc / Cloud Tasks) with fake credentials; a deployment talks to
 * Google with Application Default Credentials and launches functions through Cloud Tasks.
 */
import { createRequire } from 'node:module';
import type { PubSub } from '@google-cloud/pubsub';
import type { OAuth2Client } from 'google-auth-library';
import type { Launcher } from '../engine/ports/index.ts';
import type { CallbackMessage, FirestepContext } from '../engine/signals/wire/callback.ts';
import { BigQueryLauncher } from './bigquery/launcher.ts';
import { CloudFunctionLauncher } from './cloud-function/launcher.ts';
import { CloudRunJobLauncher } from './cloud-run-job/launcher.ts';
import { DataflowLauncher } from './dataflow/launcher.ts';
import { DataprocLauncher } from './dataproc/launcher.ts';
import { withLocalCompletion } from './dataproc/local-completion.ts';
import { HttpLauncher, type HttpLauncherOptions } from './http/launcher.ts';
import { PubSubLauncher } from './pubsub/launcher.ts';
import { lazyCloudTasksClient, type TaskQueue } from './shared/http-task.ts';
import { googleIdTokenProvider } from './shared/id-token.ts';
import { StorageObjectLauncher } from './storage-object/launcher.ts';

export interface LocalLaunchersOptions {
  /** `FIRESTEP_CALLBACK_SECRET` of the local runtime. */
  secret: string;
  replyTo: FirestepContext['replyTo'];
  /** Defaults for targets without project/region (default `firestep-local` / `us-central1`). */
  projectId?: string;
  region?: string;
  /** `startFakeFunctionHost().url`: every function call goes there, whatever URL the flow names. */
  functionHostUrl: string;
  /** `startFakeDataflow().url`. */
  dataflowUrl: string;
  /** `startFakeBigQuery().url`, `startFakeCloudRunJobs().url`, `startFakeStorage().url`. */
  bigqueryUrl?: string;
  cloudRunUrl?: string;
  storageUrl?: string;
  /** `startFakeDataproc().url`; without it Dataproc steps fail to launch with a clear message. */
  dataprocUrl?: string;
  /** Pub/Sub client on the emulator, for PubSub targets and Pub/Sub-triggered functions. */
  pubsub?: PubSub;
  /** Variables for Http bearer secrets (default `process.env`). */
  env?: Record<string, string | undefined>;
  /**
   * Http targets' routing and credentials (`localHttpOptions(endpoint.url)` sends them to the fake
   * endpoint); without it they call the URL the flow names.
   */
  http?: Pick<HttpLauncherOptions, 'urlFor' | 'secretFallback' | 'idToken'>;
  /**
   * Where to report the end of Dataproc workflows (polled locally, see `dataproc/local-completion.ts`),
   * as SDK callback messages; without it Dataproc steps finish only through a timeout probe.
   */
  deliverCallback?: (message: CallbackMessage) => void | Promise<void>;
}

/**
 * A client holding a fake access token: the fakes accept anything. google-auth-library is required
 * here, not imported by the module, so a deployed engine loading the cloud launchers does not pay
 * for it before it needs an identity.
 */
function fakeToken(): OAuth2Client {
  const { OAuth2Client: Client } = createRequire(import.meta.url)(
    'google-auth-library',
  ) as typeof import('google-auth-library');
  const auth = new Client();
  auth.setCredentials({ access_token: 'firestep-local', expiry_date: Date.now() + 24 * 3600 * 1000 });
  return auth;
}

/** `{project}/{region}/{name}`, the fake host's path of a function. */
function hostPath(name: string, loc: { project: string; region: string }): string {
  return [loc.project, loc.region, name].map(encodeURIComponent).join('/');
}

/**
 * @example
 * const launchers = createLocalLaunchers({ secret, replyTo: {}, functionHostUrl: host.url, dataflowUrl: df.url, dataprocUrl: dp.url });
 */
export function createLocalLaunchers(opts: LocalLaunchersOptions): Launcher[] {
  const context = { secret: opts.secret, replyTo: opts.replyTo };
  const defaults = { projectId: opts.projectId ?? 'firestep-local', region: opts.region ?? 'us-central1' };
  const auth = fakeToken();
  const host = opts.functionHostUrl.replace(/\/+$/, '');
  const launchers: Launcher[] = [
    new CloudFunctionLauncher({
      context,
      defaults,
      mode: 'direct',
      ignoreTargetUrl: true,
      urlFor: (t, loc) => `${host}/${t.gen === 2 ? 'run/' : ''}${hostPath(t.name, loc)}`,
      pushUrlFor: (t, loc) => `${host}/pubsub/${hostPath(t.name, loc)}`,
      ...(opts.pubsub ? { pubsub: opts.pubsub } : {}),
    }),
    new DataflowLauncher({ context, defaults, rootUrl: opts.dataflowUrl, auth, requestTimeoutMs: 10_000 }),
    new HttpLauncher({ context, ...(opts.env ? { env: opts.env } : {}), ...opts.http }),
  ];
  if (opts.dataprocUrl) {
    const dataproc = new DataprocLauncher({
      context,
      defaults,
      rootUrl: opts.dataprocUrl,
      auth,
      requestTimeoutMs: 10_000,
    });
    launchers.push(
      opts.deliverCallback
        ? withLocalCompletion(dataproc, { secret: opts.secret, deliver: opts.deliverCallback })
        : dataproc,
    );
  }
  if (opts.pubsub) launchers.push(new PubSubLauncher({ context, pubsub: opts.pubsub, defaults }));
  const local = { auth, requestTimeoutMs: 10_000 };
  if (opts.bigqueryUrl)
    launchers.push(new BigQueryLauncher({ defaults, rootUrl: opts.bigqueryUrl, ...local }));
  if (opts.cloudRunUrl)
    launchers.push(new CloudRunJobLauncher({ defaults, rootUrl: opts.cloudRunUrl, ...local }));
  if (opts.storageUrl) launchers.push(new StorageObjectLauncher({ rootUrl: opts.storageUrl, ...local }));
  return launchers;
}

/** What a deployment needs; structurally a subset of the engine's `CloudRuntimeConfig`. */
export interface CloudLaunchersConfig {
  projectId: string;
  region: string;
  callbackSecret: string;
  /** Base URL of the API function; callbacks go to `${apiUrl}/v1/callbacks`. */
  apiUrl: string;
  /** The engine's signal topic, also offered to the SDK as a reply topic. */
  signalTopic: string;
  /** Cloud Tasks queue (short name in `region`, or `projects/P/locations/L/queues/Q`). */
  tasksQueue: string;
  tasksServiceAccount?: string;
  launchMode: 'task' | 'direct';
}

/**
 * `projects/P/locations/L/queues/Q` for a short queue name.
 *
 * @example queuePath('firestep', 'p', 'europe-west1') === 'projects/p/locations/europe-west1/queues/firestep'
 */
export function queuePath(queue: string, projectId: string, region: string): string {
  return queue.startsWith('projects/') ? queue : `projects/${projectId}/locations/${region}/queues/${queue}`;
}

/**
 * @example
 * const launchers = createCloudLaunchers(loadRuntimeConfig(process.env), { pubsub: new PubSub() });
 */
export function createCloudLaunchers(
  config: CloudLaunchersConfig,
  clients: { pubsub?: PubSub; tasks?: TaskQueue } = {},
): Launcher[] {
  const apiUrl = config.apiUrl.replace(/\/+$/, '');
  const context = {
    secret: config.callbackSecret,
    replyTo: { url: `${apiUrl}/v1/callbacks`, topic: config.signalTopic },
  };
  const defaults = { projectId: config.projectId, region: config.region };
  const idToken = googleIdTokenProvider();
  const tasks: TaskQueue = clients.tasks ?? {
    client: lazyCloudTasksClient(),
    queue: queuePath(config.tasksQueue, config.projectId, config.region),
    ...(config.tasksServiceAccount ? { serviceAccountEmail: config.tasksServiceAccount } : {}),
  };
  const launchers: Launcher[] = [
    new CloudFunctionLauncher({
      context,
      defaults,
      mode: config.launchMode,
      tasks,
      idToken,
      ...(clients.pubsub ? { pubsub: clients.pubsub } : {}),
    }),
    new DataflowLauncher({ context, defaults }),
    new DataprocLauncher({ context, defaults }),
    new HttpLauncher({ context, idToken }),
    new BigQueryLauncher({ defaults }),
    new CloudRunJobLauncher({ defaults }),
    new StorageObjectLauncher(),
  ];
  if (clients.pubsub) launchers.push(new PubSubLauncher({ context, pubsub: clients.pubsub, defaults }));
  return launchers;
}
