/**
 * Cloud Tasks HTTP tasks with deterministic names: the one primitive behind task-mode function
 * launches and cloud timers. Cloud Tasks refuses a second task with the same name (ALREADY_EXISTS,
 * also for a task that ran recently), which is exactly "this command was already handed over".
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { CloudTasksClient, protos } from '@google-cloud/tasks';
import type { OAuth2Client } from 'google-auth-library';
import { FirestepError } from '../../engine/errors.ts';
import { isAlreadyExists } from './launch-errors.ts';

type ClientOptions = NonNullable<ConstructorParameters<typeof CloudTasksClient>[0]>;

/**
 * What firestep calls on a Cloud Tasks client: a `CloudTasksClient` is one, and so is the
 * {@link lazyCloudTasksClient} that loads the library on its first task.
 */
export interface TasksClient {
  createTask(request: protos.google.cloud.tasks.v2.ICreateTaskRequest): Promise<unknown>;
  close(): Promise<void>;
}

export interface TaskQueue {
  client: TasksClient;
  /** Full queue name: `projects/P/locations/L/queues/Q`. */
  queue: string;
  /** Service account whose OIDC token Cloud Tasks attaches (needs `run.invoker` / `cloudfunctions.invoker`). */
  serviceAccountEmail?: string;
}

export interface HttpTaskSpec {
  /** Task id (`[A-Za-z0-9_-]{1,500}`); see {@link taskIdFor}. */
  taskId: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  /** Deliver at this time (default: now). */
  scheduleTime?: Date;
  /** How long Cloud Tasks waits for the answer (15 s … 30 min). */
  dispatchDeadlineSeconds?: number;
  /** OIDC audience (default: the URL). */
  audience?: string;
}

/**
 * A task id from the parts that identify a command. Hashed, because Cloud Tasks serves names with
 * well-spread prefixes best and ids must be `[A-Za-z0-9_-]`.
 *
 * @example taskIdFor('launch', 'exec-1', 'launch~Step1~1') // → 'launch-3f9a…' (6 + 40 chars)
 */
export function taskIdFor(prefix: string, ...parts: string[]): string {
  return `${prefix}-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40)}`;
}

/**
 * Create the task; an existing task of that name counts as created before (`created: false`).
 *
 * @example const { taskName } = await createHttpTask(queue, { taskId, url, headers: {}, body: { a: 1 } });
 */
export async function createHttpTask(
  q: TaskQueue,
  spec: HttpTaskSpec,
): Promise<{ taskName: string; created: boolean }> {
  const taskName = `${q.queue}/tasks/${spec.taskId}`;
  const seconds = (d: Date) => ({
    seconds: Math.floor(d.getTime() / 1000),
    nanos: (d.getTime() % 1000) * 1_000_000,
  });
  try {
    await q.client.createTask({
      parent: q.queue,
      task: {
        name: taskName,
        ...(spec.scheduleTime ? { scheduleTime: seconds(spec.scheduleTime) } : {}),
        ...(spec.dispatchDeadlineSeconds
          ? {
              dispatchDeadline: {
                seconds: Math.min(1800, Math.max(15, Math.ceil(spec.dispatchDeadlineSeconds))),
              },
            }
          : {}),
        httpRequest: {
          url: spec.url,
          httpMethod: 'POST',
          headers: { 'content-type': 'application/json', ...spec.headers },
          body: Buffer.from(JSON.stringify(spec.body)),
          ...(q.serviceAccountEmail
            ? {
                oidcToken: {
                  serviceAccountEmail: q.serviceAccountEmail,
                  audience: spec.audience ?? spec.url,
                },
              }
            : {}),
        },
      },
    });
    return { taskName, created: true };
  } catch (e) {
    if (isAlreadyExists(e)) return { taskName, created: false };
    throw e;
  }
}

export interface CloudTasksEndpoint {
  /** Host of a local fake, e.g. `127.0.0.1` (default: Google's endpoint). */
  apiEndpoint?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** Credentials (a fake-token OAuth2Client for a local fake); default ADC. */
  authClient?: OAuth2Client;
}

/**
 * A Cloud Tasks client over HTTP/1.1 REST (`fallback: true`): smaller than gRPC at cold start, and
 * what a local REST fake speaks.
 *
 * @example createCloudTasksClient({ apiEndpoint: '127.0.0.1', port: fake.port, protocol: 'http', authClient })
 */
export function createCloudTasksClient(endpoint: CloudTasksEndpoint = {}): CloudTasksClient {
  // Loaded on first use (~0.5 s): local runs and direct-mode launches never pay for it.
  const tasks = createRequire(import.meta.url)('@google-cloud/tasks') as typeof import('@google-cloud/tasks');
  return newClient(tasks, endpoint);
}

/**
 * A Cloud Tasks client that loads `@google-cloud/tasks` (and google-gax's REST stack) on its first
 * task, not when it is made: a deployed engine creates its queue client with the runtime, but only
 * pays for the library once a timer or a task-mode launch is actually scheduled. Closing a client
 * that never sent a task does nothing.
 *
 * @example const queue = { client: lazyCloudTasksClient(), queue: queuePath('firestep', project, region) };
 */
export function lazyCloudTasksClient(endpoint: CloudTasksEndpoint = {}): TasksClient {
  let real: Promise<CloudTasksClient> | undefined;
  const load = () => {
    real ??= Promise.all([import('@google-cloud/tasks'), endpoint.authClient ?? applicationDefault()]).then(
      ([tasks, authClient]) => newClient(tasks, { ...endpoint, authClient }),
      (e: unknown) => {
        real = undefined; // a failed load is not cached: the next task tries again
        throw e;
      },
    );
    return real;
  };
  return {
    createTask: async (request) => (await load()).createTask(request),
    close: async () => {
      if (real) await (await real).close();
    },
  };
}

/**
 * The application-default credentials, resolved by firestep rather than inside google-gax: gax's own
 * lookup leaves an unhandled rejection behind when there are none (which crashed the request that
 * scheduled a timer, ERR_HTTP_HEADERS_SENT), and its message has no hint. Missing credentials are a
 * CONFIG error (not retryable: retrying does not create them).
 */
async function applicationDefault(): Promise<OAuth2Client> {
  const { GoogleAuth } = await import('google-auth-library');
  try {
    const client = await new GoogleAuth({
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
    }).getClient();
    return client as unknown as OAuth2Client;
  } catch (e) {
    throw new FirestepError(
      'CONFIG',
      `Cloud Tasks needs Google credentials and none were found (${(e as Error).message.split('.')[0]}); run \`gcloud auth application-default login\` or give the function a service account`,
      { retryable: false, cause: e },
    );
  }
}

function newClient(
  tasks: typeof import('@google-cloud/tasks'),
  endpoint: CloudTasksEndpoint,
): CloudTasksClient {
  return new tasks.CloudTasksClient({
    fallback: true,
    ...(endpoint.apiEndpoint ? { apiEndpoint: endpoint.apiEndpoint } : {}),
    ...(endpoint.port ? { port: endpoint.port } : {}),
    ...(endpoint.protocol ? { protocol: endpoint.protocol } : {}),
    // google-gax bundles its own copy of google-auth-library; the client is the same at runtime.
    ...(endpoint.authClient
      ? { authClient: endpoint.authClient as unknown as ClientOptions['authClient'] }
      : {}),
  });
}
