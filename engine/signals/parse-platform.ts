/**
 * Completions of data-platform work, from Cloud Audit Logs entries (through a log sink, or through
 * Eventarc's `google.cloud.audit.log.v1.written`, whose `data` is the same LogEntry) and from
 * Eventarc storage events:
 * - BigQuery: the job entry whose state became DONE — `jobChange.after = "DONE"` in the current
 *   format (`google.cloud.bigquery.v2.JobService.InsertJob`), or the legacy `jobservice.jobcompleted`.
 *   Insertions and RUNNING changes are ignored.
 * - Cloud Run jobs: the final RunJob entry (`operation.last`), its `response` is the Execution.
 * - Cloud Storage: `google.cloud.storage.object.v1.finalized`, the object as `data`.
 *
 * Job completions are `unconfirmed`: the outcome (and the step's output, in the API's own names) comes
 * from `jobs.get` / `executions.get`, never from the log line alone. Only entries written by the
 * services themselves count (`protoPayload.serviceName`); anything else is ignored.
 *
 * References: https://cloud.google.com/bigquery/docs/reference/auditlogs,
 * https://cloud.google.com/run/docs/audit-logging, https://cloud.google.com/eventarc/docs/cloudevents
 */
import type { Observation } from './observation.ts';
import { ignored, rejected } from './observation.ts';
import {
  BIGQUERY_AUDIT_LOG,
  BIGQUERY_INSERT_JOB,
  BIGQUERY_JOB_COMPLETED,
  BigQueryAuditPayloadSchema,
  BigQueryLegacyPayloadSchema,
  parseJobName,
} from './wire/bigquery.ts';
import {
  parseExecutionName,
  RUN_JOB_METHODS,
  RunExecutionSchema,
  RunJobAuditPayloadSchema,
  runKeyOf,
} from './wire/cloud-run.ts';
import { type LogEntry, logId, projectOf } from './wire/log-entry.ts';
import type { CloudEvent } from './wire/pubsub.ts';
import { objectKey, objectOutput, StorageObjectSchema } from './wire/storage.ts';

/** The entry's `protoPayload.serviceName`, if it is an audit entry. */
export function auditServiceOf(entry: LogEntry): string | undefined {
  const name = entry.protoPayload?.serviceName;
  return typeof name === 'string' ? name : undefined;
}

/**
 * Parse a Cloud Audit Logs entry of BigQuery or Cloud Run.
 *
 * @example parseAuditEntry(bigQueryJobDoneEntry).kind === 'platformJob'
 */
export function parseAuditEntry(entry: LogEntry): Observation {
  const service = auditServiceOf(entry);
  if (service === 'bigquery.googleapis.com') return parseBigQueryEntry(entry);
  if (service === 'run.googleapis.com') return parseRunJobEntry(entry);
  return ignored(`audit entry of ${service ?? 'no service'} is not a completion source`, {
    source: { kind: 'log', id: entry.insertId },
  });
}

function parseBigQueryEntry(entry: LogEntry): Observation {
  const source = { kind: 'log' as const, id: entry.insertId };
  const log = logId(entry.logName);
  if (log !== BIGQUERY_AUDIT_LOG)
    return ignored(`BigQuery entry in log "${log}", not ${BIGQUERY_AUDIT_LOG}`, { source });
  const method = entry.protoPayload?.methodName;
  const location = entry.resource.labels?.location;
  if (method === BIGQUERY_JOB_COMPLETED) {
    const legacy = BigQueryLegacyPayloadSchema.safeParse(entry.protoPayload);
    if (!legacy.success)
      return rejected(`BigQuery jobcompleted entry: ${legacy.error.issues[0]?.message ?? 'invalid'}`, {
        source,
      });
    const job = legacy.data.serviceData.jobCompletedEvent.job;
    const fields = clean({
      jobId: job.jobName.jobId,
      project: job.jobName.projectId,
      region: job.jobName.location ?? location,
    });
    return {
      kind: 'platformJob',
      platform: 'BigQuery',
      outcome: 'unconfirmed',
      detail: `BigQuery job ${job.jobName.jobId} completed`,
      fields,
      source,
    };
  }
  if (method !== BIGQUERY_INSERT_JOB)
    return ignored(`BigQuery ${String(method)} is not a job completion`, { source });
  const parsed = BigQueryAuditPayloadSchema.safeParse(entry.protoPayload);
  if (!parsed.success)
    return rejected(`BigQuery InsertJob entry: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { source });
  const change = parsed.data.metadata?.jobChange;
  if (change === undefined) return ignored('BigQuery job insertion (not a state change)', { source });
  const state = change.after ?? change.job.jobStatus?.jobState;
  const name = parseJobName(change.job.jobName);
  if (!name)
    return rejected(`BigQuery jobChange: jobName "${change.job.jobName}" is not projects/P/jobs/ID`, {
      source,
    });
  const fields = clean({ jobId: name.jobId, project: name.project, region: location });
  if (state !== 'DONE')
    return ignored(`BigQuery job ${name.jobId} is ${state ?? 'unknown'} (not DONE)`, { fields, source });
  return {
    kind: 'platformJob',
    platform: 'BigQuery',
    outcome: 'unconfirmed',
    detail: `BigQuery job ${name.jobId} is DONE`,
    fields,
    source,
  };
}

function parseRunJobEntry(entry: LogEntry): Observation {
  const source = { kind: 'log' as const, id: entry.insertId };
  const parsed = RunJobAuditPayloadSchema.safeParse(entry.protoPayload);
  if (!parsed.success)
    return rejected(`Cloud Run audit entry: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { source });
  const p = parsed.data;
  if (!(RUN_JOB_METHODS as readonly string[]).includes(p.methodName))
    return ignored(`Cloud Run ${p.methodName} is not a job run`, { source });
  const operation = (entry as { operation?: { last?: boolean } }).operation;
  if (operation?.last !== true || p.response === undefined)
    return ignored('RunJob entry that does not end the operation (the execution is starting)', { source });
  const execution = RunExecutionSchema.safeParse(p.response);
  if (!execution.success)
    return rejected(
      `RunJob response is not an Execution: ${execution.error.issues[0]?.message ?? 'invalid'}`,
      { source },
    );
  const e = execution.data;
  const where = parseExecutionName(e.name);
  const fields = clean({
    jobId: e.name,
    jobName: where?.job ?? e.job ?? entry.resource.labels?.job_name,
    project: where?.project ?? projectOf(entry.logName),
    region: where?.region ?? entry.resource.labels?.location,
  });
  const runKey = runKeyOf(e);
  return {
    kind: 'platformJob',
    platform: 'CloudRunJob',
    outcome: 'unconfirmed',
    detail: `Cloud Run execution ${where?.execution ?? e.name} finished${p.status?.message ? `: ${p.status.message}` : ''}`,
    fields,
    source,
    ...(runKey === undefined ? {} : { runKey }),
  };
}

/**
 * Parse an Eventarc `google.cloud.storage.object.v1.finalized` CloudEvent.
 *
 * @example parseStorageEvent(finalized).object === 'raw/2024-01-01/_SUCCESS'
 */
export function parseStorageEvent(event: CloudEvent): Observation {
  const source = { kind: 'eventarc' as const, id: event.id };
  const parsed = StorageObjectSchema.safeParse(event.data);
  if (!parsed.success)
    return rejected(
      `storage event ${event.id}: data is not a Cloud Storage object (${parsed.error.issues[0]?.message ?? 'invalid'})`,
      { source },
    );
  const o = parsed.data;
  return {
    kind: 'storageObject',
    outcome: 'succeeded',
    object: objectKey(o.bucket, o.name),
    output: objectOutput(o),
    fields: {},
    source,
  };
}

function clean<T extends Record<string, string | undefined>>(o: T): { [K in keyof T]?: string } {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') out[k] = v;
  return out as { [K in keyof T]?: string };
}
