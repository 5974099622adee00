/**
 * A local BigQuery service speaking REST v2, for tests, `run --local` and the demo. Point the real
 * client at it: `bigquery({ version: 'v2', rootUrl: fake.url, auth })`.
 *
 * Routes under `/bigquery/v2/projects/{p}/`: `jobs.insert` (POST `jobs`), `jobs.get` (GET `jobs/{id}`),
 * `jobs.cancel` (POST `jobs/{id}/cancel`), `jobs.getQueryResults` (GET `queries/{id}`) and `tables.get`
 * (GET `datasets/{d}/tables/{t}`). A job id that exists answers 409 "Already Exists: Job p:LOC.id", as
 * BigQuery does whatever the job's state. The fake does not run SQL: a job "returns" the scripted number
 * of rows (default 100), its statement type is read from the first keyword, and a named parameter used
 * in the query but not given fails the job with `invalidQuery`, as BigQuery does. Each job writes the
 * real audit entries (`jobInsertion`, then `jobChange` … `DONE`) to `onLogEntry`.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bigQueryJobEntry } from './audit-entries.ts';
import { listen, readJson, sendGoogleError, sendJson, TimerSet } from './http.ts';
import type { LogSink } from './log-entries.ts';

/** How the fake treats jobs whose id starts with a given prefix (longest prefix wins). */
export interface BigQueryBehavior {
  /** `succeed` (default), `fail` (DONE with `errorResult`), `lag` (RUNNING until cancelled). */
  outcome?: 'succeed' | 'fail' | 'lag';
  /** Insert → DONE, in ms (default 30). */
  runMs?: number;
  /** Rows the query returns (or affects, for DML). Default 100. */
  rows?: number;
  /** `errorResult.reason` of a failed job (default `invalidQuery`). */
  errorReason?: string;
  errorMessage?: string;
  /** Errors answered to the next inserts, in order. `afterCreate`: the job exists, only the answer is lost. */
  insertErrors?: Array<{ status: number; message?: string; afterCreate?: boolean }>;
}

export interface FakeBigQueryJob {
  /** The Job resource as `jobs.get` returns it. */
  job: Record<string, unknown> & {
    jobReference: { projectId: string; jobId: string; location: string };
    status: { state: 'PENDING' | 'RUNNING' | 'DONE'; errorResult?: Record<string, string> };
  };
  query: string;
  /** Named query parameters as sent. */
  parameters: Array<{ name: string; type: string; value: unknown }>;
  rows: number;
}

export interface FakeBigQueryOptions {
  /** Receives the audit entries (`cloudaudit.googleapis.com/data_access`). */
  onLogEntry?: LogSink;
  defaultBehavior?: BigQueryBehavior;
  now?: () => Date;
  port?: number;
  /** Location of jobs inserted without one (default `US`). */
  defaultLocation?: string;
}

export interface FakeBigQuery {
  /** Root URL for googleapis (`rootUrl`). */
  url: string;
  /** Jobs by `project:jobId`. */
  jobs: ReadonlyMap<string, FakeBigQueryJob>;
  /** How many `jobs.insert` requests reached the fake (also the refused ones). */
  readonly insertCount: number;
  setBehavior(jobIdPrefix: string, behavior: BigQueryBehavior): void;
  /** Rows of a table (`project.dataset.table`), as the fake's jobs wrote them. */
  tableRows(table: string): number | undefined;
  close(): Promise<void>;
}

const ROUTE =
  /^\/bigquery\/v2\/projects\/([^/]+)\/(?:(jobs)(?:\/([^/]+)(\/cancel)?)?|queries\/([^/]+)|datasets\/([^/]+)\/tables\/([^/]+))$/;
const JOB_ID = /^[A-Za-z0-9_-]{1,1024}$/;

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function statementTypeOf(query: string): string {
  const word = /^\s*(?:--[^\n]*\n\s*)*([A-Za-z]+)(?:\s+(?:OR\s+REPLACE\s+)?(TABLE))?/i.exec(query);
  const first = (word?.[1] ?? '').toUpperCase();
  if (first === 'WITH' || first === 'SELECT') return 'SELECT';
  if (first === 'CREATE' && word?.[2]) return 'CREATE_TABLE_AS_SELECT';
  if (['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(first)) return first;
  return 'SCRIPT';
}

/**
 * Start the fake BigQuery service.
 *
 * @example
 * const fake = await startFakeBigQuery({ onLogEntry: (e) => entries.push(e) });
 * fake.setBehavior('firestep_count_', { rows: 7 });
 */
export async function startFakeBigQuery(opts: FakeBigQueryOptions = {}): Promise<FakeBigQuery> {
  const now = opts.now ?? (() => new Date());
  const jobs = new Map<string, FakeBigQueryJob>();
  const tables = new Map<string, number>();
  const behaviors = new Map<string, BigQueryBehavior>();
  const insertErrorsUsed = new Map<string, number>();
  const timers = new TimerSet();
  let inserts = 0;
  let entrySeq = 0;
  if (opts.defaultBehavior) behaviors.set('', opts.defaultBehavior);

  const behaviorFor = (jobId: string) => {
    let best = { prefix: '', behavior: {} as BigQueryBehavior };
    for (const [prefix, behavior] of behaviors)
      if (jobId.startsWith(prefix) && prefix.length >= best.prefix.length) best = { prefix, behavior };
    return best;
  };

  const emit = (record: FakeBigQueryJob, kind: 'jobInsertion' | 'jobChange', before?: 'RUNNING') => {
    entrySeq += 1;
    const { job } = record;
    const stats = obj(obj(job.statistics).query);
    const error = job.status.errorResult;
    opts.onLogEntry?.(
      bigQueryJobEntry({
        project: job.jobReference.projectId,
        location: job.jobReference.location,
        jobId: job.jobReference.jobId,
        kind,
        ...(before ? { before } : {}),
        after: job.status.state,
        query: record.query,
        statementType: String(stats.statementType ?? statementTypeOf(record.query)),
        ...(error ? { error: { code: 3, message: error.message ?? 'failed' } } : {}),
        ...(job.status.state === 'DONE'
          ? {
              totalProcessedBytes: String(stats.totalBytesProcessed ?? '0'),
              outputRowCount: String(record.rows),
            }
          : {}),
        at: now(),
        insertId: `bqaudit-${entrySeq.toString().padStart(6, '0')}`,
      }),
    );
  };

  const finish = (record: FakeBigQueryJob, behavior: BigQueryBehavior) => {
    if (record.job.status.state === 'DONE') return;
    const config = obj(obj(record.job.configuration).query);
    const statementType = statementTypeOf(record.query);
    const missing = [...record.query.matchAll(/@([A-Za-z_][A-Za-z0-9_]*)/g)]
      .map((m) => m[1] as string)
      .find((name) => !record.parameters.some((p) => p.name === name));
    const failed = behavior.outcome === 'fail' || missing !== undefined;
    const bytes = String(10_485_760 + (record.rows % 1000) * 1024);
    if (failed) {
      record.job.status = {
        state: 'DONE',
        errorResult: {
          reason: missing !== undefined ? 'invalidQuery' : (behavior.errorReason ?? 'invalidQuery'),
          location: 'query',
          message:
            missing !== undefined
              ? `Query parameter '${missing}' not found at [1:1]`
              : (behavior.errorMessage ?? `(fake) job ${record.job.jobReference.jobId} failed as scripted`),
        },
      };
      (record.job.status as Record<string, unknown>).errors = [record.job.status.errorResult];
    } else {
      const dest = obj(config.destinationTable);
      const key = `${dest.projectId}.${dest.datasetId}.${dest.tableId}`;
      const before = config.writeDisposition === 'WRITE_APPEND' ? (tables.get(key) ?? 0) : 0;
      if (statementType === 'SELECT' || statementType === 'CREATE_TABLE_AS_SELECT')
        tables.set(key, before + record.rows);
      record.job.status = { state: 'DONE' };
      record.job.statistics = {
        ...obj(record.job.statistics),
        startTime: String(now().getTime()),
        endTime: String(now().getTime()),
        totalBytesProcessed: bytes,
        query: {
          statementType,
          totalBytesProcessed: bytes,
          totalBytesBilled: bytes,
          cacheHit: false,
          ...(['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(statementType)
            ? { numDmlAffectedRows: String(record.rows) }
            : {}),
        },
      };
    }
    emit(record, 'jobChange', 'RUNNING');
  };

  function insert(res: ServerResponse, project: string, body: Record<string, unknown>) {
    inserts += 1;
    const ref = obj(body.jobReference);
    const jobId =
      typeof ref.jobId === 'string'
        ? ref.jobId
        : `job_${createHash('sha256').update(String(inserts)).digest('hex').slice(0, 20)}`;
    if (!JOB_ID.test(jobId))
      return sendGoogleError(
        res,
        400,
        `Invalid job ID "${jobId}". Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.`,
      );
    const configuration = obj(body.configuration);
    const q = obj(configuration.query);
    if (typeof q.query !== 'string' || q.query.trim() === '')
      return sendGoogleError(res, 400, 'Required parameter is missing: configuration.query.query');
    const location = typeof ref.location === 'string' ? ref.location : (opts.defaultLocation ?? 'US');
    const { prefix, behavior } = behaviorFor(jobId);
    const used = insertErrorsUsed.get(prefix) ?? 0;
    const scripted = behavior.insertErrors?.[used];
    if (scripted) insertErrorsUsed.set(prefix, used + 1);
    if (scripted && !scripted.afterCreate)
      return sendGoogleError(
        res,
        scripted.status,
        scripted.message ?? `(fake) scripted insert error ${scripted.status}`,
      );
    const key = `${project}:${jobId}`;
    if (jobs.has(key))
      return sendGoogleError(res, 409, `Already Exists: Job ${project}:${location}.${jobId}`);
    const parameters = (Array.isArray(q.queryParameters) ? q.queryParameters : []).map((p) => {
      const x = obj(p);
      return {
        name: String(x.name ?? ''),
        type: String(obj(x.parameterType).type ?? ''),
        value: obj(x.parameterValue).value ?? obj(x.parameterValue).arrayValues ?? null,
      };
    });
    const anonymous = `_${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
    const destination = q.destinationTable ?? {
      projectId: project,
      datasetId: anonymous,
      tableId: `anon${anonymous.slice(1, 20)}`,
    };
    const at = now();
    const record: FakeBigQueryJob = {
      query: q.query,
      parameters,
      rows: behavior.rows ?? 100,
      job: {
        kind: 'bigquery#job',
        id: `${project}:${location}.${jobId}`,
        selfLink: `https://bigquery.googleapis.com/bigquery/v2/projects/${project}/jobs/${jobId}?location=${location}`,
        user_email: 'firestep-engine@local.iam.gserviceaccount.com',
        jobReference: { projectId: project, jobId, location },
        configuration: {
          jobType: 'QUERY',
          ...(configuration.labels ? { labels: configuration.labels } : {}),
          query: { ...q, destinationTable: destination },
        },
        status: { state: 'RUNNING' },
        statistics: { creationTime: String(at.getTime()), startTime: String(at.getTime()) },
      },
    };
    jobs.set(key, record);
    emit(record, 'jobInsertion');
    if (behavior.outcome !== 'lag') timers.after(behavior.runMs ?? 30, () => finish(record, behavior));
    if (scripted)
      return sendGoogleError(res, scripted.status, scripted.message ?? '(fake) insert answer lost');
    sendJson(res, 200, record.job);
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const m = ROUTE.exec(url.pathname);
    const method = req.method ?? 'GET';
    if (!m) return sendGoogleError(res, 404, `fake BigQuery: no route for ${method} ${url.pathname}`);
    const [, project = '', jobsSeg, jobId, cancel, queryJob, dataset, table] = m;
    if (jobsSeg && jobId === undefined && method === 'POST')
      return insert(res, project, obj(await readJson(req)));
    const id = jobId ?? queryJob;
    if (id !== undefined) {
      const record = jobs.get(`${project}:${decodeURIComponent(id)}`);
      const loc = url.searchParams.get('location');
      if (!record || (loc !== null && loc !== record.job.jobReference.location))
        return sendGoogleError(res, 404, `Not found: Job ${project}:${loc ?? 'US'}.${id}`);
      if (cancel && method === 'POST') {
        if (record.job.status.state !== 'DONE') {
          record.job.status = {
            state: 'DONE',
            errorResult: {
              reason: 'stopped',
              message: 'Job execution was cancelled: User requested cancellation',
            },
          };
          emit(record, 'jobChange', 'RUNNING');
        }
        return sendJson(res, 200, { kind: 'bigquery#jobCancelResponse', job: record.job });
      }
      if (method !== 'GET') return sendGoogleError(res, 405, `fake BigQuery: ${method} not allowed here`);
      if (queryJob === undefined) return sendJson(res, 200, record.job);
      const done = record.job.status.state === 'DONE';
      if (done && record.job.status.errorResult)
        return sendGoogleError(res, 400, record.job.status.errorResult.message ?? 'job failed');
      const statement = statementTypeOf(record.query);
      return sendJson(res, 200, {
        kind: 'bigquery#getQueryResultsResponse',
        jobReference: record.job.jobReference,
        jobComplete: done,
        ...(done
          ? { totalRows: String(statement === 'SELECT' ? record.rows : 0), schema: { fields: [] }, rows: [] }
          : {}),
      });
    }
    if (dataset !== undefined && table !== undefined && method === 'GET') {
      const rows = tables.get(`${project}.${dataset}.${table}`);
      if (rows === undefined)
        return sendGoogleError(res, 404, `Not found: Table ${project}:${dataset}.${table}`);
      return sendJson(res, 200, {
        kind: 'bigquery#table',
        tableReference: { projectId: project, datasetId: dataset, tableId: table },
        numRows: String(rows),
        type: 'TABLE',
      });
    }
    return sendGoogleError(res, 404, `fake BigQuery: no route for ${method} ${url.pathname}`);
  }

  const server = await listen(route, opts.port);
  return {
    url: `${server.url}/`,
    jobs,
    get insertCount() {
      return inserts;
    },
    setBehavior: (prefix, behavior) => {
      behaviors.set(prefix, behavior);
      insertErrorsUsed.delete(prefix);
    },
    tableRows: (t) => tables.get(t),
    close: async () => {
      timers.clear();
      await server.close();
    },
  };
}
