/**
 * A local Cloud Tasks v2 service (REST, as `@google-cloud/tasks` speaks it with `fallback: true`:
 * `POST /v2/projects/P/locations/L/queues/Q/tasks?$alt=json;enum-encoding=int`, enums as ints). It
 * keeps every task, refuses a second task with the same name (409 ALREADY_EXISTS — the dedupe Cloud
 * Tasks gives named tasks), and really performs each task's HTTP request at its `scheduleTime`,
 * with an `Authorization` header standing in for the OIDC token, retrying non-2xx answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, readJson, sendGoogleError, sendJson, TimerSet } from './http.ts';

/** google.cloud.tasks.v2.HttpMethod (ints on the wire with `enum-encoding=int`). */
const HTTP_METHODS: Record<string, string> = {
  '0': 'POST',
  '1': 'POST',
  '2': 'GET',
  '3': 'HEAD',
  '4': 'PUT',
  '5': 'DELETE',
  '6': 'PATCH',
  '7': 'OPTIONS',
};

/** A task as the fake stores it (REST JSON fields plus delivery bookkeeping). */
export interface FakeTask {
  name: string;
  queue: string;
  scheduleTime: string;
  createTime: string;
  httpRequest: {
    url: string;
    method: string;
    headers: Record<string, string>;
    body?: string;
    oidcAudience?: string;
  };
  /** HTTP statuses of the delivery attempts so far (0 = connection error). */
  attempts: number[];
  state: 'scheduled' | 'delivered' | 'failed';
}

export interface FakeCloudTasksOptions {
  /** Deliveries per task before giving up (default 3). */
  maxAttempts?: number;
  /** Delay before the first redelivery, doubled after each (default 50 ms). */
  retryDelayMs?: number;
  /** Divide the wait until `scheduleTime` by this (default 1: real time). */
  speedup?: number;
  now?: () => Date;
  port?: number;
}

export interface FakeCloudTasks {
  /** `127.0.0.1`, for `apiEndpoint`. */
  host: string;
  port: number;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  tasks: ReadonlyMap<string, FakeTask>;
  close(): Promise<void>;
}

const CREATE = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/queues\/[^/]+)\/tasks$/;
const GET = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/queues\/[^/]+\/tasks\/[^/]+)$/;
const TASK_ID = /^[A-Za-z0-9_-]{1,500}$/;

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** REST JSON for a stored task (what createTask / getTask answer). */
function taskJson(t: FakeTask): Record<string, unknown> {
  const method = Object.entries(HTTP_METHODS).find(([k, m]) => m === t.httpRequest.method && k !== '0')?.[0];
  return {
    name: t.name,
    scheduleTime: t.scheduleTime,
    createTime: t.createTime,
    dispatchCount: t.attempts.length,
    responseCount: t.attempts.filter((s) => s > 0).length,
    view: 1,
    httpRequest: { url: t.httpRequest.url, httpMethod: Number(method ?? 1), headers: t.httpRequest.headers },
  };
}

/**
 * Start the fake Cloud Tasks service.
 *
 * @example
 * const fake = await startFakeCloudTasks();
 * const client = new CloudTasksClient({ fallback: true, apiEndpoint: fake.host, port: fake.port, protocol: 'http', authClient });
 */
export async function startFakeCloudTasks(opts: FakeCloudTasksOptions = {}): Promise<FakeCloudTasks> {
  const now = opts.now ?? (() => new Date());
  const tasks = new Map<string, FakeTask>();
  const timers = new TimerSet();
  const maxAttempts = opts.maxAttempts ?? 3;
  const speedup = opts.speedup ?? 1;
  let seq = 0;
  let closed = false;

  async function deliver(task: FakeTask): Promise<void> {
    if (closed) return;
    const headers: Record<string, string> = {
      ...task.httpRequest.headers,
      'X-CloudTasks-QueueName': task.queue.split('/').pop() ?? '',
      'X-CloudTasks-TaskName': task.name.split('/').pop() ?? '',
      'X-CloudTasks-TaskRetryCount': String(task.attempts.length),
    };
    if (task.httpRequest.oidcAudience !== undefined)
      headers.Authorization = `Bearer fake-oidc-token-for-${task.httpRequest.oidcAudience}`;
    let status = 0;
    try {
      const res = await fetch(task.httpRequest.url, {
        method: task.httpRequest.method,
        headers,
        ...(task.httpRequest.body !== undefined && task.httpRequest.method !== 'GET'
          ? { body: Buffer.from(task.httpRequest.body, 'base64') }
          : {}),
        signal: AbortSignal.timeout(30_000),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    if (closed) return;
    task.attempts.push(status);
    if (status >= 200 && status < 300) task.state = 'delivered';
    else if (task.attempts.length >= maxAttempts) task.state = 'failed';
    else timers.after((opts.retryDelayMs ?? 50) * 2 ** (task.attempts.length - 1), () => void deliver(task));
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const get = GET.exec(url.pathname);
    if (get && req.method === 'GET') {
      const t = tasks.get(decodeURIComponent(get[1] ?? ''));
      return t
        ? sendJson(res, 200, taskJson(t))
        : sendGoogleError(res, 404, 'Requested entity was not found.');
    }
    const m = CREATE.exec(url.pathname);
    if (!m || req.method !== 'POST')
      return sendGoogleError(res, 404, `fake Cloud Tasks: no route for ${req.method} ${url.pathname}`);
    const queue = decodeURIComponent(m[1] ?? '');
    const task = obj(obj(await readJson(req)).task);
    const http = obj(task.httpRequest);
    if (typeof http.url !== 'string' || !/^https?:\/\//.test(http.url))
      return sendGoogleError(res, 400, 'task.httpRequest.url must be an http(s) URL');
    seq += 1;
    const name =
      typeof task.name === 'string' && task.name !== ''
        ? task.name
        : `${queue}/tasks/${seq.toString().padStart(19, '0')}`;
    const id = name.startsWith(`${queue}/tasks/`) ? name.slice(queue.length + 7) : '';
    if (!TASK_ID.test(id))
      return sendGoogleError(
        res,
        400,
        `Task name "${name}" must be ${queue}/tasks/TASK_ID with TASK_ID matching [A-Za-z0-9_-]{1,500}`,
      );
    if (tasks.has(name)) return sendGoogleError(res, 409, 'Requested entity already exists');
    const at = now();
    const scheduleTime = typeof task.scheduleTime === 'string' ? task.scheduleTime : at.toISOString();
    const oidc = obj(http.oidcToken);
    const stored: FakeTask = {
      name,
      queue,
      scheduleTime,
      createTime: at.toISOString(),
      httpRequest: {
        url: http.url,
        method: HTTP_METHODS[String(http.httpMethod ?? 1)] ?? String(http.httpMethod),
        headers: Object.fromEntries(Object.entries(obj(http.headers)).map(([k, v]) => [k, String(v)])),
        ...(typeof http.body === 'string' ? { body: http.body } : {}),
        ...(http.oidcToken !== undefined
          ? {
              oidcAudience:
                typeof oidc.audience === 'string' && oidc.audience !== '' ? oidc.audience : http.url,
            }
          : {}),
      },
      attempts: [],
      state: 'scheduled',
    };
    tasks.set(name, stored);
    const wait = (Date.parse(scheduleTime) - at.getTime()) / speedup;
    timers.after(Number.isFinite(wait) ? wait : 0, () => void deliver(stored));
    return sendJson(res, 200, taskJson(stored));
  }

  const server = await listen(route, opts.port);
  return {
    host: '127.0.0.1',
    port: server.port,
    url: server.url,
    tasks,
    close: async () => {
      closed = true;
      timers.clear();
      await server.close();
    },
  };
}
