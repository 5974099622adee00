/**
 * Runs BigQuery query jobs (`jobs.insert`) under a deterministic job id. A relaunch of the same attempt
 * meets BigQuery's 409 "Already Exists" and adopts the job it already inserted (found with `jobs.get`),
 * so the query never runs twice. `probe` asks `jobs.get` and, for a finished job, builds the step's
 * output in the API's own names: `{jobId, state, statementType, totalBytesProcessed, numRows,
 * numDmlAffectedRows, destinationTable}` — `numRows` is the destination table's row count
 * (`tables.get`) when the step names one, else the rows the query returned (`jobs.getQueryResults`).
 * A failed job fails the step with BigQuery's error reason. `cancel` sends `jobs.cancel`.
 */
import type { bigquery_v2 } from 'googleapis/build/src/apis/bigquery/index.js';
import type { LaunchCommand } from '../../engine/core/commands.ts';
import type { Receipt } from '../../engine/core/events.ts';
import type { BigQueryTarget, Json } from '../../engine/flow/model.ts';
import type { CorrelationKey, Launcher, LaunchResult, ProbeResult } from '../../engine/ports/index.ts';
import { type BigQueryJob, BigQueryJobSchema, int64 } from '../../engine/signals/wire/bigquery.ts';
import type { ApiAuth } from '../shared/id-token.ts';
import {
  classifyLaunchError,
  configFailure,
  httpStatusOf,
  isAlreadyExists,
} from '../shared/launch-errors.ts';
import { bigQueryJobId } from './job-id.ts';
import { queryParameters, tableReference } from './parameters.ts';

export interface BigQueryLauncherOptions {
  /** Project of targets without `project_id`. */
  defaults?: { projectId?: string };
  /** googleapis `rootUrl`: the fake's URL in local runs; default `https://bigquery.googleapis.com/`. */
  rootUrl?: string;
  auth?: ApiAuth;
  /** Per-request timeout (default 30 s). */
  requestTimeoutMs?: number;
}

/**
 * @example
 * const launcher = new BigQueryLauncher({ rootUrl: fake.url, auth });
 * await launcher.launch(command); // → { status: 'launched', receipt: { jobId: 'firestep_count_…', … } }
 */
export class BigQueryLauncher implements Launcher {
  readonly targetType = 'BigQuery' as const;
  #api: Promise<bigquery_v2.Bigquery> | undefined;
  readonly #timeout: number;

  constructor(private readonly opts: BigQueryLauncherOptions = {}) {
    this.#timeout = opts.requestTimeoutMs ?? 30_000;
  }

  #client(): Promise<bigquery_v2.Bigquery> {
    this.#api ??= import('googleapis/build/src/apis/bigquery/index.js').then(({ bigquery }) =>
      bigquery({
        version: 'v2',
        ...(this.opts.rootUrl ? { rootUrl: this.opts.rootUrl } : {}),
        ...(this.opts.auth ? { auth: this.opts.auth as unknown as bigquery_v2.Options['auth'] } : {}),
      }),
    );
    return this.#api;
  }

  /** The deterministic job id of this attempt. */
  jobId(command: LaunchCommand): string {
    return bigQueryJobId(command.target.name, command.executionId, command.path, command.attempt);
  }

  correlationKeys(command: LaunchCommand): CorrelationKey[] {
    return [{ kind: 'bigqueryJob', value: this.jobId(command) }];
  }

  async launch(command: LaunchCommand): Promise<LaunchResult> {
    const target = command.target;
    if (target.type !== 'BigQuery')
      return configFailure(`BigQueryLauncher cannot launch a ${target.type} target`);
    const project = target.project_id ?? this.opts.defaults?.projectId;
    if (!project)
      return configFailure(
        `target "${target.name}" has no project_id and no default project is configured (set project_id on the step or GOOGLE_CLOUD_PROJECT)`,
      );
    const jobId = this.jobId(command);
    const what = `BigQuery jobs.insert of job "${jobId}"`;
    const opts = { retry: false, timeout: this.#timeout };
    const api = await this.#client();
    try {
      const res = await api.jobs.insert(
        { projectId: project, requestBody: this.#jobBody(target, project, jobId, command) },
        opts,
      );
      const job = BigQueryJobSchema.safeParse(res.data);
      if (!job.success) return classifyLaunchError(new Error('the insert answered no Job'), what);
      return this.#launched(job.data, false);
    } catch (e) {
      if (!isAlreadyExists(e)) return classifyLaunchError(e, what);
      try {
        const existing = await this.#get(project, jobId, target.location);
        if (existing) return this.#launched(existing, true);
        return {
          status: 'retry',
          error: classifyLaunchError(e, `${what} (409, but jobs.get finds no such job yet)`).error,
        };
      } catch (getError) {
        return classifyLaunchError(getError, `BigQuery jobs.get of "${jobId}" after a 409`);
      }
    }
  }

  async probe(command: LaunchCommand, receipt: Receipt): Promise<ProbeResult> {
    const target = command.target;
    if (target.type !== 'BigQuery') return { state: 'unknown' };
    const project =
      typeof receipt.projectId === 'string'
        ? receipt.projectId
        : (target.project_id ?? this.opts.defaults?.projectId);
    const jobId = typeof receipt.jobId === 'string' ? receipt.jobId : this.jobId(command);
    const location = typeof receipt.location === 'string' ? receipt.location : target.location;
    if (!project) return { state: 'unknown' };
    const job = await this.#get(project, jobId, location);
    if (!job) return { state: 'unknown' };
    if (job.status.state !== 'DONE') return { state: 'running' };
    const error = job.status.errorResult;
    if (error) {
      const reason = error.reason ?? 'unknown';
      return {
        state: 'failed',
        error: {
          name: 'States.TaskFailed',
          kind: 'job',
          message: `BigQuery job ${jobId} failed: ${reason}: ${error.message ?? '(no message)'}`,
          cause: { reason, jobId, ...(error.location ? { location: error.location } : {}) },
        },
      };
    }
    return { state: 'succeeded', output: await this.#output(job, target, project) };
  }

  async cancel(command: LaunchCommand, receipt: Receipt): Promise<void> {
    const target = command.target;
    const project = typeof receipt.projectId === 'string' ? receipt.projectId : this.opts.defaults?.projectId;
    if (target.type !== 'BigQuery' || !project || typeof receipt.jobId !== 'string') return;
    try {
      await (await this.#client()).jobs.cancel(
        {
          projectId: project,
          jobId: receipt.jobId,
          ...(typeof receipt.location === 'string' ? { location: receipt.location } : {}),
        },
        { retry: false, timeout: this.#timeout },
      );
    } catch {
      // Best effort: a finished job cannot be cancelled, which is what cancelling wanted.
    }
  }

  #jobBody(
    target: BigQueryTarget,
    project: string,
    jobId: string,
    command: LaunchCommand,
  ): bigquery_v2.Schema$Job {
    const params = queryParameters(command.input);
    return {
      jobReference: { projectId: project, jobId, ...(target.location ? { location: target.location } : {}) },
      configuration: {
        labels: {
          ...(target.labels ?? {}),
          'firestep-step': labelValue(command.step),
          'firestep-attempt': String(command.attempt),
        },
        query: {
          query: target.query,
          useLegacySql: false,
          ...(params.length ? { parameterMode: 'NAMED', queryParameters: params } : {}),
          ...(target.destination_table
            ? {
                destinationTable: tableReference(target.destination_table, project),
                writeDisposition: target.write_disposition ?? 'WRITE_EMPTY',
                createDisposition: 'CREATE_IF_NEEDED',
              }
            : {}),
        },
      },
    };
  }

  #launched(job: BigQueryJob, adopted: boolean): LaunchResult {
    const { projectId, jobId, location } = job.jobReference;
    const receipt: Receipt = {
      target: 'BigQuery',
      jobId,
      projectId,
      ...(location ? { location } : {}),
      consoleUrl: `https://console.cloud.google.com/bigquery?project=${projectId}&j=bq:${location ?? 'US'}:${jobId}&page=queryresults`,
      ...(adopted ? { adopted: true } : {}),
    };
    return { status: 'launched', receipt };
  }

  async #get(project: string, jobId: string, location: string | undefined): Promise<BigQueryJob | undefined> {
    try {
      const res = await (await this.#client()).jobs.get(
        { projectId: project, jobId, ...(location ? { location } : {}) },
        { retry: false, timeout: this.#timeout },
      );
      const job = BigQueryJobSchema.safeParse(res.data);
      return job.success ? job.data : undefined;
    } catch (e) {
      if (httpStatusOf(e) === 404) return undefined;
      throw e;
    }
  }

  async #output(job: BigQueryJob, target: BigQueryTarget, project: string): Promise<Json> {
    const api = await this.#client();
    const opts = { retry: false, timeout: this.#timeout };
    const { jobId, location } = job.jobReference;
    const query = job.statistics?.query;
    let numRows: number | string | null = null;
    const destination = target.destination_table
      ? tableReference(target.destination_table, project)
      : undefined;
    if (destination) {
      const table = await api.tables.get({ ...destination }, opts);
      numRows = int64(table.data.numRows);
    } else {
      const results = await api.jobs.getQueryResults(
        { projectId: project, jobId, maxResults: 0, ...(location ? { location } : {}) },
        opts,
      );
      numRows = int64(results.data.totalRows);
    }
    return {
      jobId,
      state: job.status.state,
      statementType: query?.statementType ?? null,
      totalBytesProcessed: int64(query?.totalBytesProcessed ?? job.statistics?.totalBytesProcessed),
      numRows,
      numDmlAffectedRows: int64(query?.numDmlAffectedRows),
      destinationTable: destination ?? null,
    };
  }
}

/** A BigQuery label value: lower-case letters, digits, `_` and `-`, at most 63. */
function labelValue(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .slice(0, 63);
}
