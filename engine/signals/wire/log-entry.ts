/**
 * Cloud Logging `LogEntry` as a log sink exports it to Pub/Sub (JSON, camelCase). Only the fields
 * firestep reads are typed; unknown fields are dropped by the schema.
 *
 * Reference: https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry
 */
import { z } from 'zod';

/**
 * Reference: https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry#HttpRequest
 * int64 fields (`requestSize`, `responseSize`) arrive as strings in JSON, `status` as a number.
 */
export const HttpRequestSchema = z.object({
  /** e.g. `POST`. */
  requestMethod: z.string().optional(),
  /** Scheme, host, path and query of the request. */
  requestUrl: z.string().optional(),
  /** Response code: 200, 500 … (absent when the client went away before a response). */
  status: z.number().int().optional(),
  /** Duration as a protobuf Duration string, e.g. `"60.369159188s"`. */
  latency: z.string().optional(),
  userAgent: z.string().optional(),
  remoteIp: z.string().optional(),
  protocol: z.string().optional(),
  requestSize: z.string().optional(),
  responseSize: z.string().optional(),
});
export type HttpRequest = z.infer<typeof HttpRequestSchema>;

/** Reference: https://cloud.google.com/logging/docs/reference/v2/rest/v2/MonitoredResource */
export const MonitoredResourceSchema = z.object({
  /**
   * Monitored resource type: `cloud_function` (gen1), `cloud_run_revision` (gen2 / Cloud Run),
   * `dataflow_step` (Dataflow job messages) …
   * See https://cloud.google.com/logging/docs/api/v2/resource-list
   */
  type: z.string().min(1),
  /**
   * Labels of the resource type. `cloud_function`: project_id, function_name, region.
   * `cloud_run_revision`: project_id, service_name, revision_name, configuration_name, location.
   * `dataflow_step`: project_id (often the project *number*), job_id, job_name, region, step_id.
   */
  labels: z.record(z.string(), z.string()).optional(),
});
export type MonitoredResource = z.infer<typeof MonitoredResourceSchema>;

export const LogEntrySchema = z.object({
  /** Unique per entry within a log; a sink may still deliver the same entry twice. */
  insertId: z.string().optional(),
  /**
   * `projects/{project}/logs/{url-encoded log id}`, e.g.
   * `projects/p/logs/cloudfunctions.googleapis.com%2Fcloud-functions`,
   * `projects/p/logs/run.googleapis.com%2Frequests`,
   * `projects/p/logs/dataflow.googleapis.com%2Fjob-message`.
   */
  logName: z.string().min(1),
  /** The resource that wrote the entry. */
  resource: MonitoredResourceSchema,
  /** RFC 3339 time the event happened. */
  timestamp: z.string().optional(),
  /** RFC 3339 time Cloud Logging received the entry. */
  receiveTimestamp: z.string().optional(),
  /** `DEFAULT`, `DEBUG`, `INFO`, `NOTICE`, `WARNING`, `ERROR`, `CRITICAL`, `ALERT`, `EMERGENCY`. */
  severity: z.string().optional(),
  /** Payload as text (Cloud Functions gen1 end lines and Dataflow job messages use this). */
  textPayload: z.string().optional(),
  /** Payload as a JSON object (structured logs). */
  jsonPayload: z.record(z.string(), z.unknown()).optional(),
  /** Payload as a protocol buffer (audit logs). */
  protoPayload: z.record(z.string(), z.unknown()).optional(),
  /**
   * User/platform labels. gen1 functions: `execution_id`. Dataflow: `dataflow.googleapis.com/job_id`,
   * `dataflow.googleapis.com/job_name`, `dataflow.googleapis.com/region`, `dataflow.googleapis.com/log_type`.
   */
  labels: z.record(z.string(), z.string()).optional(),
  /**
   * `projects/{project}/traces/{32-hex trace id}`: the trace of the request that produced the entry.
   * firestep injects the trace id per (execution, step, attempt), so this is the correlation key.
   */
  trace: z.string().optional(),
  /** 16-hex span id within the trace. */
  spanId: z.string().optional(),
  traceSampled: z.boolean().optional(),
  /**
   * The long-running operation an entry belongs to (audit logs of LROs such as Cloud Run's RunJob):
   * `first` on the request's entry, `last` on the entry written when the operation finished.
   */
  operation: z
    .object({
      id: z.string().optional(),
      producer: z.string().optional(),
      first: z.boolean().optional(),
      last: z.boolean().optional(),
    })
    .optional(),
  /** Present on request logs (Cloud Run `run.googleapis.com%2Frequests`). */
  httpRequest: HttpRequestSchema.optional(),
});
export type LogEntry = z.infer<typeof LogEntrySchema>;

/**
 * Whether a value looks like a LogEntry at all (before schema validation): it names a log or a
 * resource. Used to tell a malformed LogEntry (dead letter) from something else entirely.
 *
 * @example looksLikeLogEntry({ logName: 'projects/p/logs/x', resource: { type: 'global' } }) // true
 */
export function looksLikeLogEntry(value: Record<string, unknown>): boolean {
  return 'logName' in value || 'resource' in value || 'textPayload' in value || 'insertId' in value;
}

/**
 * The decoded log id of a `logName`, e.g. `run.googleapis.com/requests`.
 *
 * @example logId('projects/p/logs/run.googleapis.com%2Frequests') === 'run.googleapis.com/requests'
 */
export function logId(logName: string): string {
  const i = logName.indexOf('/logs/');
  const raw = i === -1 ? logName : logName.slice(i + '/logs/'.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * The trace id of a LogEntry `trace` (`projects/p/traces/abc…` → `abc…`), lowercased.
 *
 * @example traceIdOf('projects/p/traces/7E51CF68801C905C1C01475FEB7B060F') === '7e51cf68801c905c1c01475feb7b060f'
 */
export function traceIdOf(trace: string | undefined): string | undefined {
  if (!trace) return undefined;
  const last = trace.slice(trace.lastIndexOf('/') + 1).trim();
  return last === '' ? undefined : last.toLowerCase();
}

/**
 * The project of a `logName` / `trace` (`projects/{p}/…`).
 *
 * @example projectOf('projects/my-proj/logs/x') === 'my-proj'
 */
export function projectOf(name: string | undefined): string | undefined {
  const m = name ? /^projects\/([^/]+)\//.exec(name) : null;
  return m?.[1];
}
