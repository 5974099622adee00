/**
 * Builders for the Cloud Logging entries the fakes emit, in the exact shapes the log sink exports to
 * Pub/Sub (LogEntry JSON, https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry), so
 * that local runs feed the engine the same bytes the cloud would.
 */

/** A LogEntry as exported by a log sink (JSON form). Only the fields the fakes set. */
export interface LogEntry {
  /** `projects/P/logs/<url-encoded log id>`. */
  logName: string;
  /** Monitored resource: `cloud_function`, `cloud_run_revision`, `dataflow_step`. */
  resource: { type: string; labels: Record<string, string> };
  /** RFC 3339 time the event happened. */
  timestamp: string;
  receiveTimestamp: string;
  severity: 'DEFAULT' | 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR' | 'CRITICAL';
  /** Unique per entry; the sink may still deliver an entry twice. */
  insertId: string;
  textPayload?: string;
  jsonPayload?: Record<string, unknown>;
  labels?: Record<string, string>;
  /** `projects/P/traces/<32-hex>` when the request carried a trace. */
  trace?: string;
  spanId?: string;
  traceSampled?: boolean;
  /** Request logs (Cloud Run / gen2). `latency` is a Duration string such as `"0.123456s"`. */
  httpRequest?: {
    requestMethod: string;
    requestUrl: string;
    status: number;
    latency: string;
    requestSize?: string;
    responseSize?: string;
    userAgent?: string;
    remoteIp?: string;
    protocol?: string;
  };
}

/** Where the fakes send log entries; wire it to the engine's signal path in local runs. */
export type LogSink = (entry: LogEntry) => void;

/** A CloudEvent in structured JSON form (Eventarc). */
export interface CloudEventLike {
  specversion: '1.0';
  id: string;
  type: string;
  source: string;
  subject?: string;
  time: string;
  datacontenttype: 'application/json';
  dataschema?: string;
  data: Record<string, unknown>;
}

export type CloudEventSink = (event: CloudEventLike) => void;

export interface TraceRef {
  traceId: string;
  spanId?: string;
}

function base(
  project: string,
  logId: string,
  at: Date,
  insertId: string,
): Pick<LogEntry, 'logName' | 'timestamp' | 'receiveTimestamp' | 'insertId'> {
  return {
    logName: `projects/${project}/logs/${encodeURIComponent(logId)}`,
    timestamp: at.toISOString(),
    receiveTimestamp: at.toISOString(),
    insertId,
  };
}

function traceFields(
  project: string,
  trace: TraceRef | undefined,
): Pick<LogEntry, 'trace' | 'spanId' | 'traceSampled'> {
  if (!trace) return {};
  return {
    trace: `projects/${project}/traces/${trace.traceId}`,
    ...(trace.spanId ? { spanId: trace.spanId } : {}),
    traceSampled: true,
  };
}

export interface Gen1LineInput {
  project: string;
  region: string;
  functionName: string;
  executionId: string;
  trace?: TraceRef;
  at: Date;
  insertId: string;
}

/**
 * A gen1 Cloud Functions platform line from log `cloudfunctions.googleapis.com/cloud-functions`.
 *
 * @example gen1Line({...}, 'Function execution took 123 ms, finished with status code: 200')
 */
export function gen1Line(input: Gen1LineInput, text: string): LogEntry {
  return {
    ...base(input.project, 'cloudfunctions.googleapis.com/cloud-functions', input.at, input.insertId),
    resource: {
      type: 'cloud_function',
      labels: { function_name: input.functionName, project_id: input.project, region: input.region },
    },
    severity: 'DEBUG',
    textPayload: text,
    labels: { execution_id: input.executionId },
    ...traceFields(input.project, input.trace),
  };
}

/** How a gen1 execution ended, as the platform words it in the final log line. */
export type Gen1Finish =
  | { statusCode: number }
  | { status: 'ok' | 'error' | 'crash' | 'timeout' | 'connection error' };

/**
 * The final gen1 line: `Function execution took N ms, finished with status code: C` or `…status: 'crash'`.
 *
 * @example gen1FinishedText(123, { statusCode: 200 }) === 'Function execution took 123 ms, finished with status code: 200'
 */
export function gen1FinishedText(ms: number, finish: Gen1Finish): string {
  const tail = 'statusCode' in finish ? `status code: ${finish.statusCode}` : `status: '${finish.status}'`;
  return `Function execution took ${Math.round(ms)} ms, finished with ${tail}`;
}

export interface Gen2RequestInput {
  project: string;
  region: string;
  service: string;
  revision: string;
  method: string;
  url: string;
  status: number;
  latencyMs: number;
  trace?: TraceRef;
  at: Date;
  insertId: string;
}

/**
 * A Cloud Run (gen2 function) request log entry from log `run.googleapis.com/requests`.
 *
 * @example gen2RequestLog({ project: 'p', region: 'r', service: 'fn', revision: 'fn-00001', method: 'POST', url, status: 200, latencyMs: 12, at, insertId: 'i1' })
 */
export function gen2RequestLog(input: Gen2RequestInput): LogEntry {
  return {
    ...base(input.project, 'run.googleapis.com/requests', input.at, input.insertId),
    resource: {
      type: 'cloud_run_revision',
      labels: {
        service_name: input.service,
        revision_name: input.revision,
        configuration_name: input.service,
        location: input.region,
        project_id: input.project,
      },
    },
    severity: input.status >= 500 ? 'ERROR' : input.status >= 400 ? 'WARNING' : 'INFO',
    httpRequest: {
      requestMethod: input.method,
      requestUrl: input.url,
      status: input.status,
      latency: `${(input.latencyMs / 1000).toFixed(6)}s`,
      userAgent: 'Google-Cloud-Tasks',
      protocol: 'HTTP/1.1',
    },
    labels: { instanceId: `00fake${input.service}` },
    ...traceFields(input.project, input.trace),
  };
}

export interface DataflowMessageInput {
  project: string;
  region: string;
  jobId: string;
  jobName: string;
  at: Date;
  insertId: string;
}

/**
 * A Dataflow job message from log `dataflow.googleapis.com/job-message`, resource `dataflow_step`.
 *
 * @example dataflowJobMessage({ project, region, jobId, jobName, at, insertId }, DATAFLOW_MESSAGES.workerPoolStopped)
 */
export function dataflowJobMessage(
  input: DataflowMessageInput,
  text: string,
  severity: 'INFO' | 'ERROR' = 'INFO',
): LogEntry {
  return {
    ...base(input.project, 'dataflow.googleapis.com/job-message', input.at, input.insertId),
    resource: {
      type: 'dataflow_step',
      labels: {
        job_id: input.jobId,
        job_name: input.jobName,
        project_id: input.project,
        region: input.region,
        step_id: '',
      },
    },
    severity,
    textPayload: text,
    labels: {
      'dataflow.googleapis.com/job_id': input.jobId,
      'dataflow.googleapis.com/job_name': input.jobName,
      'dataflow.googleapis.com/log_type': 'system',
      'dataflow.googleapis.com/region': input.region,
    },
  };
}

/** The texts Dataflow writes at the end of a job (matched by the signal parser). */
export const DATAFLOW_MESSAGES = {
  workerPoolStopped: 'Worker pool stopped.',
  workflowFailed: (cause: string) => `Workflow failed. Causes: ${cause}`,
  launcherFailed: 'Error occurred in the launcher container: Template launch failed. See console logs.',
} as const;
