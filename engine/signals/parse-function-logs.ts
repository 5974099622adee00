/**
 * Cloud Functions completions from Cloud Logging:
 * - gen1 (`resource.type = cloud_function`): the platform's end-of-execution line in `textPayload`,
 *   "Function execution took 12 ms, finished with status code: 500" (HTTP functions) or
 *   "… finished with status: 'ok' | 'error' | 'crash' | 'timeout' | 'connection error' | …"
 *   (event functions), with `labels.execution_id` and `trace`.
 * - gen2 / Cloud Run (`resource.type = cloud_run_revision`): the request log
 *   (`logName` …`run.googleapis.com%2Frequests`) with `httpRequest.status` and `trace`.
 *
 * Reference: https://cloud.google.com/functions/1stgendocs/monitoring/logging,
 * https://cloud.google.com/run/docs/logging#request-logs
 */
import type { CorrelationFields, Observation } from './observation.ts';
import { ignored, rejected } from './observation.ts';
import { type LogEntry, logId, projectOf, traceIdOf } from './wire/log-entry.ts';

/** `Function execution took N ms, finished with status code: C` / `…status: 'word'`. */
const END_LINE = /^Function execution took (\d+) ms, finished with status(?: code: (\d{3})|: '([^']*)')\s*$/;
const START_LINE = /^Function execution started\s*$/;

export interface FunctionLogOptions {
  /** Names (function or Cloud Run service) whose entries are firestep's own and never completions. */
  ownNames: ReadonlySet<string>;
}

/**
 * Parse a gen1 `cloud_function` entry.
 *
 * @example parseGen1(entry, { ownNames: new Set(['firestep-engine']) }).outcome // 'failed' for status code 500
 */
export function parseGen1(entry: LogEntry, opts: FunctionLogOptions): Observation {
  const labels = entry.resource.labels ?? {};
  const fields: CorrelationFields = clean({
    function: labels.function_name,
    executionLabel: entry.labels?.execution_id,
    trace: traceIdOf(entry.trace),
    project: labels.project_id ?? projectOf(entry.logName),
    region: labels.region,
  });
  const source = { kind: 'log' as const, id: entry.insertId };
  if (fields.function !== undefined && opts.ownNames.has(fields.function.toLowerCase())) {
    return ignored(`entry from firestep's own function "${fields.function}"`, { fields, source });
  }
  const text = entry.textPayload?.trim();
  if (text === undefined)
    return ignored('cloud_function entry without textPayload is not an end line', { fields, source });
  if (START_LINE.test(text))
    return ignored('"Function execution started" is not a completion', { fields, source });
  const m = END_LINE.exec(text);
  if (!m) return ignored('not an end-of-execution line', { fields, source });
  const code = m[2];
  const word = m[3];
  if (code !== undefined) {
    const status = Number(code);
    const ok = status >= 200 && status < 300;
    return {
      kind: 'cloudFunction',
      outcome: ok ? 'succeeded' : 'failed',
      status,
      detail: text,
      fields,
      source,
    };
  }
  const status = word ?? '';
  return {
    kind: 'cloudFunction',
    outcome: status === 'ok' ? 'succeeded' : 'failed',
    status,
    detail: text,
    fields,
    source,
  };
}

/**
 * Parse a `cloud_run_revision` entry (gen2 functions, Cloud Run services). Only request logs are
 * completions; stdout/stderr lines and system logs are ignored.
 *
 * @example parseCloudRun(requestLogWith500, opts).outcome === 'failed'
 */
export function parseCloudRun(entry: LogEntry, opts: FunctionLogOptions): Observation {
  const labels = entry.resource.labels ?? {};
  const fields: CorrelationFields = clean({
    function: labels.service_name,
    trace: traceIdOf(entry.trace),
    project: labels.project_id ?? projectOf(entry.logName),
    region: labels.location,
  });
  const source = { kind: 'log' as const, id: entry.insertId };
  if (fields.function !== undefined && opts.ownNames.has(fields.function.toLowerCase())) {
    return ignored(`entry from firestep's own service "${fields.function}"`, { fields, source });
  }
  if (logId(entry.logName) !== 'run.googleapis.com/requests') {
    return ignored(`log "${logId(entry.logName)}" is not a request log`, { fields, source });
  }
  const http = entry.httpRequest;
  if (http === undefined) return rejected('request log without httpRequest', { fields, source });
  if (http.status === undefined) {
    return rejected('request log without httpRequest.status (request aborted before a response?)', {
      fields,
      source,
    });
  }
  const ok = http.status >= 200 && http.status < 300;
  const detail =
    `${http.requestMethod ?? 'request'} ${http.requestUrl ?? ''} finished with status code: ${http.status}${
      http.latency ? ` after ${http.latency}` : ''
    }`.replace('  ', ' ');
  return {
    kind: 'cloudFunction',
    outcome: ok ? 'succeeded' : 'failed',
    status: http.status,
    detail,
    fields,
    source,
  };
}

/** Drop undefined/empty values so summaries and equality stay clean. */
export function clean(fields: CorrelationFields): CorrelationFields {
  const out: CorrelationFields = {};
  for (const [k, v] of Object.entries(fields) as Array<[keyof CorrelationFields, string | undefined]>) {
    if (v !== undefined && v !== '') out[k] = v;
  }
  return out;
}
