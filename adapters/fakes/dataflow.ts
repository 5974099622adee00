/**
 * A local Dataflow service speaking REST v1b3, for tests, `run --local` and the demo. Point the real
 * client at it: `dataflow({ version: 'v1b3', rootUrl: fake.url + '/' , auth })`.
 *
 * Routes: `flexTemplates:launch`, `templates:launch?gcsPath=`, `jobs.get`, `jobs.getMetrics` (the
 * behaviour's `counters`, committed and tentative, as origin `user`), `jobs.list` (`name`,
 * `filter`), `jobs.update` (PUT/POST, `requestedState: JOB_STATE_CANCELLED`), under
 * `/v1b3/projects/{p}/locations/{r}/…`. A launch whose job name is already active answers 409
 * ALREADY_EXISTS with Dataflow's own wording. Jobs end with the real job messages on `onLogEntry`
 * and `statusChanged` CloudEvents on `onCloudEvent`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type DataflowBehavior,
  type DataflowJobState,
  type FakeDataflowJob,
  JobBook,
  TERMINAL_JOB_STATES,
} from './dataflow-jobs.ts';
import { listen, readJson, sendGoogleError, sendJson } from './http.ts';
import type { CloudEventSink, LogSink } from './log-entries.ts';

export type {
  DataflowBehavior,
  DataflowJobJson,
  DataflowJobState,
  FakeDataflowJob,
  ScriptedLaunchError,
} from './dataflow-jobs.ts';

export interface FakeDataflowOptions {
  /** Receives every job message LogEntry (resource `dataflow_step`). */
  onLogEntry?: LogSink;
  /** Receives Eventarc `google.cloud.dataflow.job.v1beta3.statusChanged` CloudEvents. */
  onCloudEvent?: CloudEventSink;
  /** Behaviour for job names with no `setBehavior` prefix (default: succeed after 30 ms). */
  defaultBehavior?: DataflowBehavior;
  /** Clock for timestamps (default: the system clock). */
  now?: () => Date;
  port?: number;
}

export interface FakeDataflow {
  /** Root URL for googleapis (`rootUrl`), e.g. `http://127.0.0.1:PORT/`. */
  url: string;
  /** Every job launched, by job id. */
  jobs: ReadonlyMap<string, FakeDataflowJob>;
  /** Script jobs whose name starts with `nameOrPrefix` (the longest matching prefix wins). */
  setBehavior(nameOrPrefix: string, behavior: DataflowBehavior): void;
  /** Jobs with this exact name, oldest first. */
  jobsNamed(name: string): FakeDataflowJob[];
  close(): Promise<void>;
}

const ROUTE =
  /^\/v1b3\/projects\/([^/]+)\/locations\/([^/]+)\/(flexTemplates:launch|templates:launch|jobs)(?:\/([^/:]+))?(\/metrics)?$/;

function asStringRecord(v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null) return {};
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
}

function asObject(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

const JOB_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Start the fake Dataflow service.
 *
 * @example
 * const fake = await startFakeDataflow({ onLogEntry: (e) => entries.push(e) });
 * fake.setBehavior('word-count', { outcome: 'fail' });
 * const df = dataflow({ version: 'v1b3', rootUrl: fake.url, auth });
 * await fake.close();
 */
export async function startFakeDataflow(opts: FakeDataflowOptions = {}): Promise<FakeDataflow> {
  const book = new JobBook({
    onLogEntry: opts.onLogEntry,
    onCloudEvent: opts.onCloudEvent,
    now: opts.now ?? (() => new Date()),
  });
  if (opts.defaultBehavior) book.setBehavior('', opts.defaultBehavior);

  async function launch(
    res: ServerResponse,
    project: string,
    location: string,
    name: unknown,
    rest: Omit<FakeDataflowJob, 'job'>,
  ): Promise<void> {
    if (typeof name !== 'string' || !JOB_NAME.test(name)) {
      sendGoogleError(
        res,
        400,
        `(fake): Invalid job name "${String(name)}": the name must consist of only the characters [-a-z0-9], starting with a letter and ending with a letter or number`,
      );
      return;
    }
    const scripted = book.takeLaunchError(name);
    const errorHeaders: Record<string, string> =
      scripted?.retryAfterSeconds !== undefined ? { 'retry-after': String(scripted.retryAfterSeconds) } : {};
    if (scripted && !scripted.afterCreate) {
      sendGoogleError(
        res,
        scripted.status,
        scripted.message ?? `fake Dataflow: scripted launch error ${scripted.status}`,
        errorHeaders,
      );
      return;
    }
    if (book.activeByName(project, location, name)) {
      sendGoogleError(
        res,
        409,
        `(fake): The workflow could not be created. Causes: (fake): There is already an active job named ${name}. If you want to submit a second job, try again by setting a different name.`,
      );
      return;
    }
    const record = book.create({ project, location, name, ...rest });
    const latency = book.behaviorFor(name).behavior.launchLatencyMs;
    if (latency !== undefined) await book.wait(latency);
    if (scripted) {
      sendGoogleError(
        res,
        scripted.status,
        scripted.message ?? `fake Dataflow: response lost (${scripted.status})`,
        errorHeaders,
      );
      return;
    }
    sendJson(res, 200, { job: { ...record.job } });
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const m = ROUTE.exec(url.pathname);
    if (!m) return sendGoogleError(res, 404, `fake Dataflow: no route for ${req.method} ${url.pathname}`);
    const [, project = '', location = '', kind, jobId, metrics] = m;
    const method = req.method ?? 'GET';
    if (kind === 'flexTemplates:launch' && method === 'POST') {
      const body = asObject(await readJson(req));
      const p = asObject(body.launchParameter);
      if (body.validateOnly === true) return sendJson(res, 200, {});
      const spec = p.containerSpecGcsPath;
      if (typeof spec !== 'string' || !spec.startsWith('gs://'))
        return sendGoogleError(res, 400, 'launchParameter.containerSpecGcsPath must be a gs:// path');
      return launch(res, project, location, p.jobName, {
        template: { kind: 'flex', containerSpecGcsPath: spec },
        parameters: asStringRecord(p.parameters),
        environment: asObject(p.environment),
      });
    }
    if (kind === 'templates:launch' && method === 'POST') {
      const gcsPath = url.searchParams.get('gcsPath');
      const body = asObject(await readJson(req));
      if (url.searchParams.get('validateOnly') === 'true') return sendJson(res, 200, {});
      if (!gcsPath?.startsWith('gs://')) return sendGoogleError(res, 400, 'gcsPath must be a gs:// path');
      return launch(res, project, location, body.jobName, {
        template: { kind: 'classic', gcsPath },
        parameters: asStringRecord(body.parameters),
        environment: asObject(body.environment),
      });
    }
    if (kind === 'jobs' && jobId === undefined && method === 'GET') {
      const filter = url.searchParams.get('filter') ?? 'ALL';
      const name = url.searchParams.get('name');
      const jobs = [...book.jobs.values()]
        .map((r) => r.job)
        .filter((j) => j.projectId === project && j.location === location)
        .filter((j) => name === null || j.name === name)
        .filter((j) => {
          const terminal = TERMINAL_JOB_STATES.includes(j.currentState);
          return filter === 'ACTIVE' ? !terminal : filter === 'TERMINATED' ? terminal : true;
        })
        .reverse();
      return sendJson(res, 200, jobs.length ? { jobs } : {});
    }
    if (kind === 'jobs' && jobId !== undefined) {
      const record = book.jobs.get(decodeURIComponent(jobId));
      if (!record || record.job.projectId !== project || record.job.location !== location)
        return sendGoogleError(res, 404, `(fake): Requested job with id ${jobId} not found in ${location}.`);
      if (metrics !== undefined && method === 'GET')
        return sendJson(
          res,
          200,
          jobMetrics(record, book.behaviorFor(record.job.name).behavior.counters ?? {}),
        );
      if (method === 'GET') return sendJson(res, 200, { ...record.job });
      if (method === 'PUT' || method === 'POST') {
        const body = asObject(await readJson(req));
        const requested = body.requestedState as DataflowJobState | 'JOB_STATE_DRAINED' | undefined;
        if (requested !== 'JOB_STATE_CANCELLED')
          return sendGoogleError(
            res,
            400,
            `fake Dataflow supports only requestedState JOB_STATE_CANCELLED, got ${String(requested)}`,
          );
        if (TERMINAL_JOB_STATES.includes(record.job.currentState))
          return sendGoogleError(
            res,
            400,
            `(fake): Workflow modification failed. Causes: (fake): Job ${record.job.id} has terminated in state ${record.job.currentState}`,
          );
        book.cancel(record);
        return sendJson(res, 200, { ...record.job });
      }
    }
    return sendGoogleError(res, 404, `fake Dataflow: no route for ${method} ${url.pathname}`);
  }

  const server = await listen(route, opts.port);
  return {
    url: `${server.url}/`,
    jobs: book.jobs,
    setBehavior: (prefix, behavior) => book.setBehavior(prefix, behavior),
    jobsNamed: (name) => [...book.jobs.values()].filter((r) => r.job.name === name),
    close: async () => {
      book.close();
      await server.close();
    },
  };
}

/** `jobs.getMetrics`: the scripted counters as the service reports user counters (committed + tentative). */
function jobMetrics(record: FakeDataflowJob, counters: Record<string, number>): Record<string, unknown> {
  const metrics = Object.entries(counters).flatMap(([name, scalar]) => [
    { name: { origin: 'user', name, context: { step: 's1' } }, scalar, kind: 'Sum' },
    { name: { origin: 'user', name, context: { step: 's1', tentative: 'true' } }, scalar, kind: 'Sum' },
  ]);
  return {
    metricTime: record.job.currentStateTime ?? record.job.createTime,
    ...(metrics.length ? { metrics } : {}),
  };
}
