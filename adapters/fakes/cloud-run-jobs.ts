/**
 * A local Cloud Run Admin API v2 (jobs and executions), for tests, `run --local` and the demo. Point
 * the real client at it: `run({ version: 'v2', rootUrl: fake.url, auth })`.
 *
 * Routes under `/v2/projects/{p}/locations/{l}/jobs/{job}`: `:run` (a long-running Operation whose
 * metadata is the new Execution), `executions` (list, newest first), `executions/{e}` (get),
 * `executions/{e}:cancel`. The execution's template carries the run's container overrides (args, env),
 * as the real one does. When an execution ends the fake writes the RunJob audit entry with
 * `operation.last` and the Execution as `response` — to `onLogEntry` (log sink form) and to
 * `onCloudEvent` (Eventarc `google.cloud.audit.log.v1.written` form).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { auditLogEvent, runJobEntry } from './audit-entries.ts';
import { listen, readJson, sendGoogleError, sendJson, TimerSet } from './http.ts';
import type { CloudEventSink, LogSink } from './log-entries.ts';

/** How the fake runs an execution (keyed by run key, else by job name prefix). */
export interface CloudRunJobBehavior {
  /** `succeed` (default), `fail` (a task exits non-zero), `lag` (runs until cancelled). */
  outcome?: 'succeed' | 'fail' | 'lag';
  /** Run → completion, in ms (default 30). */
  runMs?: number;
  /** Errors answered to the next `:run` calls, in order. `afterCreate`: the execution starts anyway. */
  runErrors?: Array<{ status: number; message?: string; afterCreate?: boolean }>;
}

export type FakeExecutionJson = Record<string, unknown> & {
  name: string;
  job: string;
  taskCount: number;
  succeededCount: number;
  failedCount: number;
  cancelledCount: number;
  runningCount: number;
  template: Record<string, unknown> & {
    containers: Array<{
      name: string;
      image: string;
      args?: string[];
      env?: Array<{ name: string; value: string }>;
    }>;
  };
};

export interface FakeRunExecution {
  execution: FakeExecutionJson;
  operation: string;
  /** The overrides of the run request, as sent. */
  overrides: Record<string, unknown>;
}

export interface FakeCloudRunJobsOptions {
  onLogEntry?: LogSink;
  onCloudEvent?: CloudEventSink;
  defaultBehavior?: CloudRunJobBehavior;
  /** Only these jobs exist (others answer 404). Default: every job name exists. */
  knownJobs?: string[];
  now?: () => Date;
  port?: number;
}

export interface FakeCloudRunJobs {
  url: string;
  /** Executions by full name. */
  executions: ReadonlyMap<string, FakeRunExecution>;
  /** `:run` requests that reached the fake. */
  readonly runCount: number;
  /** Script executions whose run key equals `key`, or whose job name starts with it. */
  setBehavior(key: string, behavior: CloudRunJobBehavior): void;
  close(): Promise<void>;
}

const ROUTE =
  /^\/v2\/projects\/([^/]+)\/locations\/([^/]+)\/jobs\/([^/:]+)(?::(run)|\/executions(?:\/([^/:]+)(:cancel)?)?)?$/;

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function seconds(v: unknown): number | undefined {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(v) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * Start the fake Cloud Run jobs API.
 *
 * @example
 * const fake = await startFakeCloudRunJobs({ onCloudEvent: (e) => events.push(e) });
 * fake.setBehavior('export', { outcome: 'fail' });
 */
export async function startFakeCloudRunJobs(opts: FakeCloudRunJobsOptions = {}): Promise<FakeCloudRunJobs> {
  const now = opts.now ?? (() => new Date());
  const executions = new Map<string, FakeRunExecution>();
  const behaviors = new Map<string, CloudRunJobBehavior>();
  const runErrorsUsed = new Map<string, number>();
  const timers = new TimerSet();
  let runs = 0;
  let seq = 0;
  if (opts.defaultBehavior) behaviors.set('', opts.defaultBehavior);

  const behaviorFor = (job: string, runKey: string | undefined) => {
    if (runKey !== undefined && behaviors.has(runKey))
      return { key: runKey, behavior: behaviors.get(runKey) as CloudRunJobBehavior };
    let best = { key: '', behavior: {} as CloudRunJobBehavior };
    for (const [key, behavior] of behaviors)
      if (job.startsWith(key) && key.length >= best.key.length) best = { key, behavior };
    return best;
  };

  const audit = (record: FakeRunExecution, first: boolean, error?: { code: number; message: string }) => {
    seq += 1;
    const m = /^projects\/([^/]+)\/locations\/([^/]+)\//.exec(record.execution.name);
    const entry = runJobEntry({
      project: m?.[1] ?? '',
      region: m?.[2] ?? '',
      job: record.execution.job,
      operation: record.operation,
      first,
      execution: { ...record.execution },
      ...(error ? { error } : {}),
      at: now(),
      insertId: `runaudit-${seq.toString().padStart(6, '0')}`,
    });
    opts.onLogEntry?.(entry);
    opts.onCloudEvent?.(auditLogEvent(entry, 'run.googleapis.com'));
  };

  const complete = (record: FakeRunExecution, outcome: 'succeed' | 'fail' | 'cancel') => {
    const e = record.execution;
    if (e.completionTime !== undefined) return;
    const at = now().toISOString();
    e.runningCount = 0;
    e.completionTime = at;
    if (outcome === 'succeed') e.succeededCount = e.taskCount;
    else if (outcome === 'fail') e.failedCount = e.taskCount;
    else e.cancelledCount = e.taskCount;
    const message =
      outcome === 'succeed'
        ? 'Execution completed successfully.'
        : outcome === 'fail'
          ? `Task ${e.name.split('/').pop()}-task0 failed with message: The container exited with an error.`
          : 'The execution was cancelled.';
    e.conditions = [
      {
        type: 'Completed',
        state: outcome === 'succeed' ? 'CONDITION_SUCCEEDED' : 'CONDITION_FAILED',
        message,
        lastTransitionTime: at,
        ...(outcome === 'succeed'
          ? {}
          : { executionReason: outcome === 'fail' ? 'NON_ZERO_EXIT_CODE' : 'CANCELLED' }),
      },
    ];
    audit(record, false, outcome === 'succeed' ? undefined : { code: outcome === 'fail' ? 2 : 1, message });
  };

  async function run(
    res: ServerResponse,
    project: string,
    region: string,
    job: string,
    body: Record<string, unknown>,
  ) {
    runs += 1;
    const overrides = obj(body.overrides);
    const containerOverrides = Array.isArray(overrides.containerOverrides)
      ? overrides.containerOverrides.map(obj)
      : [];
    const first = containerOverrides[0] ?? {};
    const env = (Array.isArray(first.env) ? first.env : []).map((x) => {
      const v = obj(x);
      return { name: String(v.name ?? ''), value: String(v.value ?? '') };
    });
    const runKey = env.find((x) => x.name === 'FIRESTEP_RUN_KEY')?.value;
    const { key, behavior } = behaviorFor(job, runKey);
    const used = runErrorsUsed.get(key) ?? 0;
    const scripted = behavior.runErrors?.[used];
    if (scripted) runErrorsUsed.set(key, used + 1);
    if (scripted && !scripted.afterCreate)
      return sendGoogleError(
        res,
        scripted.status,
        scripted.message ?? `(fake) scripted run error ${scripted.status}`,
      );
    const taskCount = typeof overrides.taskCount === 'number' ? overrides.taskCount : 1;
    const suffix = createHash('sha256')
      .update(`${job}:${runs}:${executions.size}`)
      .digest('hex')
      .replace(/[^a-z]/g, '')
      .slice(0, 5)
      .padEnd(5, 'x');
    const shortName = `${job}-${suffix}`;
    const name = `projects/${project}/locations/${region}/jobs/${job}/executions/${shortName}`;
    const at = now().toISOString();
    const execution: FakeExecutionJson = {
      name,
      uid: createHash('sha256').update(name).digest('hex').slice(0, 32),
      generation: '1',
      createTime: at,
      startTime: at,
      job,
      parallelism: taskCount,
      taskCount,
      runningCount: taskCount,
      succeededCount: 0,
      failedCount: 0,
      cancelledCount: 0,
      retriedCount: 0,
      template: {
        containers: [
          {
            name: typeof first.name === 'string' ? first.name : 'job',
            image: `us-docker.pkg.dev/${project}/jobs/${job}:latest`,
            ...(Array.isArray(first.args) ? { args: first.args.map(String) } : {}),
            ...(env.length ? { env } : {}),
          },
        ],
        maxRetries: 3,
        timeout: typeof overrides.timeout === 'string' ? overrides.timeout : '600s',
      },
      conditions: [{ type: 'Completed', state: 'CONDITION_PENDING', lastTransitionTime: at }],
      logUri: `https://console.cloud.google.com/logs/viewer?project=${project}&resource=cloud_run_job/job_name/${job}/location/${region}&advancedFilter=labels."run.googleapis.com/execution_name"="${shortName}"`,
      etag: `"${seq}"`,
    };
    const record: FakeRunExecution = {
      execution,
      operation: `projects/${project}/locations/${region}/operations/${execution.uid}`,
      overrides,
    };
    executions.set(name, record);
    audit(record, true);
    const timeout = seconds(overrides.timeout);
    if (behavior.outcome !== 'lag') {
      const runMs = behavior.runMs ?? 30;
      const outcome =
        behavior.outcome === 'fail' || (timeout !== undefined && runMs > timeout * 1000) ? 'fail' : 'succeed';
      timers.after(runMs, () => complete(record, outcome));
    }
    if (scripted) return sendGoogleError(res, scripted.status, scripted.message ?? '(fake) run answer lost');
    sendJson(res, 200, {
      name: record.operation,
      metadata: { '@type': 'type.googleapis.com/google.cloud.run.v2.Execution', ...execution },
      done: false,
    });
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const m = ROUTE.exec(url.pathname);
    const method = req.method ?? 'GET';
    if (!m) return sendGoogleError(res, 404, `fake Cloud Run: no route for ${method} ${url.pathname}`);
    const [, project = '', region = '', job = '', runVerb, executionId, cancel] = m;
    if (opts.knownJobs && !opts.knownJobs.includes(job))
      return sendGoogleError(
        res,
        404,
        `Resource 'projects/${project}/locations/${region}/jobs/${job}' was not found`,
      );
    if (runVerb && method === 'POST') return run(res, project, region, job, obj(await readJson(req)));
    const prefix = `projects/${project}/locations/${region}/jobs/${job}/executions/`;
    if (executionId === undefined && url.pathname.endsWith('/executions') && method === 'GET') {
      const list = [...executions.values()].filter((r) => r.execution.name.startsWith(prefix)).reverse();
      return sendJson(res, 200, list.length ? { executions: list.map((r) => r.execution) } : {});
    }
    if (executionId !== undefined) {
      const record = executions.get(`${prefix}${executionId}`);
      if (!record) return sendGoogleError(res, 404, `Resource '${prefix}${executionId}' was not found`);
      if (cancel && method === 'POST') {
        complete(record, 'cancel');
        return sendJson(res, 200, {
          name: record.operation,
          metadata: { '@type': 'type.googleapis.com/google.cloud.run.v2.Execution', ...record.execution },
          done: false,
        });
      }
      if (method === 'GET') return sendJson(res, 200, record.execution);
    }
    return sendGoogleError(res, 404, `fake Cloud Run: no route for ${method} ${url.pathname}`);
  }

  const server = await listen(route, opts.port);
  return {
    url: `${server.url}/`,
    executions,
    get runCount() {
      return runs;
    },
    setBehavior: (key, behavior) => {
      behaviors.set(key, behavior);
      runErrorsUsed.delete(key);
    },
    close: async () => {
      timers.clear();
      await server.close();
    },
  };
}
