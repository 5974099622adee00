/**
 * BigQuery wire formats: the `Job` resource (`jobs.get` / `jobs.insert`, REST v2) and the job-completed
 * audit log entries BigQuery writes to `cloudaudit.googleapis.com/data_access`, in both of their forms:
 * - `BigQueryAuditMetadata` (current): `protoPayload.methodName =
 *   "google.cloud.bigquery.v2.JobService.InsertJob"`, `protoPayload.metadata.jobChange` with
 *   `after: "DONE"`, resource `bigquery_project`;
 * - `AuditData` (legacy): `protoPayload.methodName = "jobservice.jobcompleted"`,
 *   `protoPayload.serviceData.jobCompletedEvent.job`, resource `bigquery_resource`.
 *
 * References:
 * - Job: https://cloud.google.com/bigquery/docs/reference/rest/v2/Job
 * - BigQueryAuditMetadata: https://cloud.google.com/bigquery/docs/reference/auditlogs/rest/Shared.Types/BigQueryAuditMetadata
 * - AuditData (legacy): https://cloud.google.com/bigquery/docs/reference/auditlogs/rest/Shared.Types/AuditData
 */
import { z } from 'zod';

/** `ErrorProto`: `reason` is BigQuery's short error code (`invalidQuery`, `notFound`, `accessDenied` …). */
export const BigQueryErrorProtoSchema = z.object({
  reason: z.string().optional(),
  /** Where the error happened (e.g. `query`), if known. */
  location: z.string().optional(),
  message: z.string().optional(),
});
export type BigQueryErrorProto = z.infer<typeof BigQueryErrorProtoSchema>;

/** `TableReference`. */
export const TableReferenceSchema = z.object({
  projectId: z.string(),
  datasetId: z.string(),
  tableId: z.string(),
});
export type TableReference = z.infer<typeof TableReferenceSchema>;

/** int64 values are JSON strings on the REST wire; some encoders write numbers. */
const Int64 = z.union([z.string(), z.number()]);

/** The `Job` resource, the fields firestep reads. */
export const BigQueryJobSchema = z.object({
  /** `project:location.jobId`. */
  id: z.string().optional(),
  jobReference: z.object({
    projectId: z.string(),
    /** Letters, digits, `_` and `-`, at most 1024 characters; firestep derives it per attempt. */
    jobId: z.string().min(1),
    /** `US`, `EU`, `europe-west1` … */
    location: z.string().optional(),
  }),
  configuration: z
    .object({
      jobType: z.string().optional(),
      labels: z.record(z.string(), z.string()).optional(),
      query: z
        .object({
          query: z.string().optional(),
          /** Filled in by the service for every query (an anonymous table when none was asked for). */
          destinationTable: TableReferenceSchema.optional(),
          writeDisposition: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
  status: z.object({
    /** `PENDING`, `RUNNING` or `DONE` (DONE also when the job failed: see `errorResult`). */
    state: z.enum(['PENDING', 'RUNNING', 'DONE']),
    /** Present when the job failed. */
    errorResult: BigQueryErrorProtoSchema.optional(),
    /** Every error met, also non-fatal ones. */
    errors: z.array(BigQueryErrorProtoSchema).optional(),
  }),
  statistics: z
    .object({
      creationTime: Int64.optional(),
      startTime: Int64.optional(),
      endTime: Int64.optional(),
      totalBytesProcessed: Int64.optional(),
      query: z
        .object({
          /** `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `MERGE`, `CREATE_TABLE_AS_SELECT`, `SCRIPT` … */
          statementType: z.string().optional(),
          totalBytesProcessed: Int64.optional(),
          totalBytesBilled: Int64.optional(),
          numDmlAffectedRows: Int64.optional(),
          cacheHit: z.boolean().optional(),
        })
        .optional(),
    })
    .optional(),
});
export type BigQueryJob = z.infer<typeof BigQueryJobSchema>;

/** Log name of BigQuery's job audit entries (data access). */
export const BIGQUERY_AUDIT_LOG = 'cloudaudit.googleapis.com/data_access';
/** methodName of the current-format (BigQueryAuditMetadata) job entries. */
export const BIGQUERY_INSERT_JOB = 'google.cloud.bigquery.v2.JobService.InsertJob';
/** methodName of the legacy-format (AuditData) job-completed entry. */
export const BIGQUERY_JOB_COMPLETED = 'jobservice.jobcompleted';

/** `google.rpc.Status` as audit logs carry it. */
const RpcStatusSchema = z.object({ code: z.number().int().optional(), message: z.string().optional() });

/** `BigQueryAuditMetadata.jobChange` — the fields firestep reads. */
export const BigQueryJobChangeSchema = z.object({
  /** Job state before / after the change: `PENDING`, `RUNNING`, `DONE`. */
  before: z.string().optional(),
  after: z.string().optional(),
  job: z.object({
    /** `projects/{project}/jobs/{jobId}`. */
    jobName: z.string().min(1),
    jobStatus: z
      .object({
        jobState: z.string().optional(),
        /** google.rpc.Status (no `reason`: jobs.get has it). */
        errorResult: RpcStatusSchema.optional(),
      })
      .optional(),
  }),
});

/** `protoPayload` of a current-format job entry. */
export const BigQueryAuditPayloadSchema = z.object({
  serviceName: z.literal('bigquery.googleapis.com'),
  methodName: z.string(),
  resourceName: z.string().optional(),
  status: RpcStatusSchema.optional(),
  metadata: z.object({ jobChange: BigQueryJobChangeSchema.optional() }).optional(),
});

/** `protoPayload` of a legacy `jobservice.jobcompleted` entry. */
export const BigQueryLegacyPayloadSchema = z.object({
  serviceName: z.literal('bigquery.googleapis.com'),
  methodName: z.literal(BIGQUERY_JOB_COMPLETED),
  serviceData: z.object({
    jobCompletedEvent: z.object({
      eventName: z.string().optional(),
      job: z.object({
        jobName: z.object({
          projectId: z.string(),
          jobId: z.string().min(1),
          location: z.string().optional(),
        }),
        jobStatus: z
          .object({
            state: z.string().optional(),
            error: RpcStatusSchema.optional(),
          })
          .optional(),
      }),
    }),
  }),
});

/**
 * Project and job id of `projects/{project}/jobs/{jobId}`.
 *
 * @example parseJobName('projects/p/jobs/firestep_q_1a2b') // { project: 'p', jobId: 'firestep_q_1a2b' }
 */
export function parseJobName(name: string): { project: string; jobId: string } | undefined {
  const m = /^projects\/([^/]+)\/jobs\/([^/]+)$/.exec(name);
  return m ? { project: m[1] as string, jobId: m[2] as string } : undefined;
}

/**
 * An int64 from the wire as a number when it is one exactly, else the string as sent.
 *
 * @example int64('42') === 42
 */
export function int64(value: string | number | undefined | null): number | string | null {
  if (value === undefined || value === null) return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isSafeInteger(n) ? n : String(value);
}
