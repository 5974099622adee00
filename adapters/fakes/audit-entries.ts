/**
 * Builders for the Cloud Audit Logs entries the BigQuery and Cloud Run fakes emit, in the shapes a log
 * sink exports (LogEntry JSON with a `protoPayload` of type `google.cloud.audit.AuditLog`) and Eventarc
 * delivers (`google.cloud.audit.log.v1.written`, the LogEntry as `data`), so local runs feed the engine
 * the bytes the cloud would.
 *
 * References: https://cloud.google.com/logging/docs/audit/understanding-audit-logs,
 * https://cloud.google.com/bigquery/docs/reference/auditlogs,
 * https://cloud.google.com/run/docs/audit-logging
 */
import type { CloudEventLike, LogEntry } from './log-entries.ts';

/** A LogEntry with an audit `protoPayload` (the base LogEntry type has only text/json payloads). */
export type AuditLogEntry = LogEntry & {
  protoPayload: Record<string, unknown>;
  operation?: { id: string; producer: string; first?: boolean; last?: boolean };
};

export interface BigQueryJobEntryInput {
  project: string;
  location: string;
  jobId: string;
  /** `jobInsertion` on insert, `jobChange` on each state change. */
  kind: 'jobInsertion' | 'jobChange';
  before?: 'PENDING' | 'RUNNING';
  after: 'PENDING' | 'RUNNING' | 'DONE';
  query: string;
  statementType?: string;
  labels?: Record<string, string>;
  /** google.rpc.Status of a failed job (code 3 INVALID_ARGUMENT for invalidQuery …). */
  error?: { code: number; message: string };
  totalProcessedBytes?: string;
  outputRowCount?: string;
  at: Date;
  insertId: string;
  principal?: string;
}

/**
 * A current-format BigQuery job entry (`BigQueryAuditMetadata`) from `cloudaudit.googleapis.com/data_access`.
 *
 * @example bigQueryJobEntry({ project: 'p', location: 'US', jobId: 'j', kind: 'jobChange', before: 'RUNNING', after: 'DONE', query: 'SELECT 1', at, insertId: 'i1' })
 */
export function bigQueryJobEntry(input: BigQueryJobEntryInput): AuditLogEntry {
  const jobName = `projects/${input.project}/jobs/${input.jobId}`;
  const job = {
    jobName,
    jobConfig: {
      type: 'QUERY',
      queryConfig: {
        query: input.query,
        ...(input.statementType ? { statementType: input.statementType } : {}),
        createDisposition: 'CREATE_IF_NEEDED',
        writeDisposition: 'WRITE_EMPTY',
        priority: 'QUERY_INTERACTIVE',
      },
      ...(input.labels ? { labels: input.labels } : {}),
    },
    jobStatus: {
      jobState: input.after,
      ...(input.error ? { errorResult: input.error, errors: [input.error] } : {}),
    },
    jobStats: {
      createTime: input.at.toISOString(),
      ...(input.after === 'DONE'
        ? {
            startTime: input.at.toISOString(),
            endTime: input.at.toISOString(),
            queryStats: {
              totalProcessedBytes: input.totalProcessedBytes ?? '0',
              totalBilledBytes: input.totalProcessedBytes ?? '0',
              billingTier: 1,
              outputRowCount: input.outputRowCount ?? '0',
            },
          }
        : {}),
    },
  };
  const metadata =
    input.kind === 'jobInsertion'
      ? { jobInsertion: { job, reason: 'JOB_INSERT_REQUEST' } }
      : { jobChange: { before: input.before ?? 'RUNNING', after: input.after, job } };
  return {
    logName: `projects/${input.project}/logs/${encodeURIComponent('cloudaudit.googleapis.com/data_access')}`,
    resource: { type: 'bigquery_project', labels: { project_id: input.project, location: input.location } },
    timestamp: input.at.toISOString(),
    receiveTimestamp: input.at.toISOString(),
    severity: input.error ? 'ERROR' : 'INFO',
    insertId: input.insertId,
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      status: input.error ?? {},
      authenticationInfo: {
        principalEmail: input.principal ?? 'firestep-engine@local.iam.gserviceaccount.com',
      },
      requestMetadata: {},
      serviceName: 'bigquery.googleapis.com',
      methodName: 'google.cloud.bigquery.v2.JobService.InsertJob',
      authorizationInfo: [{ resource: jobName, permission: 'bigquery.jobs.create', granted: true }],
      resourceName: jobName,
      metadata: { '@type': 'type.googleapis.com/google.cloud.audit.BigQueryAuditMetadata', ...metadata },
    },
  };
}

export interface RunJobEntryInput {
  project: string;
  region: string;
  job: string;
  /** The long-running operation name (`projects/P/locations/L/operations/UUID`). */
  operation: string;
  /** true: the first entry (request), false: the last (the execution finished). */
  first: boolean;
  /** The Execution (JSON, v2 REST shape); on the last entry it is `response`. */
  execution: Record<string, unknown>;
  /** Status of a failed operation (the execution failed). */
  error?: { code: number; message: string };
  at: Date;
  insertId: string;
  principal?: string;
}

/**
 * A Cloud Run admin-activity audit entry for `google.cloud.run.v2.Jobs.RunJob`, from
 * `cloudaudit.googleapis.com/activity`, resource `cloud_run_job`.
 *
 * @example runJobEntry({ project: 'p', region: 'r', job: 'export', operation, first: false, execution, at, insertId: 'i2' })
 */
export function runJobEntry(input: RunJobEntryInput): AuditLogEntry {
  const resourceName = `projects/${input.project}/locations/${input.region}/jobs/${input.job}`;
  const execution = { '@type': 'type.googleapis.com/google.cloud.run.v2.Execution', ...input.execution };
  return {
    logName: `projects/${input.project}/logs/${encodeURIComponent('cloudaudit.googleapis.com/activity')}`,
    resource: {
      type: 'cloud_run_job',
      labels: { job_name: input.job, location: input.region, project_id: input.project },
    },
    timestamp: input.at.toISOString(),
    receiveTimestamp: input.at.toISOString(),
    severity: input.error ? 'ERROR' : 'NOTICE',
    insertId: input.insertId,
    operation: {
      id: input.operation,
      producer: 'run.googleapis.com',
      ...(input.first ? { first: true } : { last: true }),
    },
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      status: input.error ?? {},
      authenticationInfo: {
        principalEmail: input.principal ?? 'firestep-engine@local.iam.gserviceaccount.com',
      },
      serviceName: 'run.googleapis.com',
      methodName: 'google.cloud.run.v2.Jobs.RunJob',
      resourceName,
      resourceLocation: { currentLocations: [input.region] },
      ...(input.first
        ? {
            request: { '@type': 'type.googleapis.com/google.cloud.run.v2.RunJobRequest', name: resourceName },
          }
        : { response: execution }),
    },
  };
}

/**
 * The same entry as Eventarc delivers it for an audit-log trigger.
 *
 * @example auditLogEvent(entry, 'run.googleapis.com')
 */
export function auditLogEvent(entry: AuditLogEntry, service: string): CloudEventLike {
  const p = entry.protoPayload as { methodName?: string; resourceName?: string };
  const extensions = {
    servicename: service,
    methodname: p.methodName ?? '',
    resourcename: p.resourceName ?? '',
  };
  return {
    ...extensions,
    specversion: '1.0',
    id: `${entry.logName.split('/')[1]}${entry.insertId}${entry.timestamp}`,
    type: 'google.cloud.audit.log.v1.written',
    source: `//cloudaudit.googleapis.com/${entry.logName.replace(/\/logs\/.*$/, '')}/logs/${decodeURIComponent(entry.logName.replace(/^.*\/logs\//, '')).split('/')[1]}`,
    subject: `${service}/${p.resourceName ?? ''}`,
    time: entry.timestamp,
    datacontenttype: 'application/json',
    dataschema:
      'https://googleapis.github.io/google-cloudevents/jsonschema/google/events/cloud/audit/v1/LogEntryData.json',
    data: entry as unknown as Record<string, unknown>,
  };
}
