/**
 * Dataflow completions:
 * - job messages (`resource.type = dataflow_step`, log `dataflow.googleapis.com/job-message`):
 *   "Worker pool stopped." (the job ended, success *or* failure: confirm with jobs.get),
 *   "Workflow failed. Causes: …", and the flex-template launcher failure "Error occurred in the
 *   launcher container: Template launch failed. See console logs." (no worker ever ran);
 * - Eventarc `google.cloud.dataflow.job.v1beta3.statusChanged` (authoritative `currentState`).
 *
 * Only the service's own job-message log is read: a pipeline's worker logs print whatever user code
 * prints, and must not be able to fail (or finish) a step by printing "Workflow failed.".
 *
 * References: https://cloud.google.com/dataflow/docs/guides/logging,
 * https://cloud.google.com/dataflow/docs/guides/troubleshoot-templates
 */

import type { CorrelationFields, Observation } from './observation.ts';
import { ignored, rejected } from './observation.ts';
import { clean } from './parse-function-logs.ts';
import { DataflowJobEventDataSchema, jobStateOutcome } from './wire/dataflow.ts';
import { type LogEntry, logId, projectOf } from './wire/log-entry.ts';
import type { CloudEvent } from './wire/pubsub.ts';

const JOB_MESSAGE_LOG = 'dataflow.googleapis.com/job-message';
const WORKER_POOL_STOPPED = /^Worker pool stopped\.?$/;
const WORKFLOW_FAILED = /^Workflow failed\b/;
const LAUNCHER_FAILED = /^Error occurred in the launcher container\b/;
const AUTOSCALING = /^Autoscaling\b/;

/**
 * Parse a `dataflow_step` LogEntry.
 *
 * @example parseDataflowLog({ …, textPayload: 'Worker pool stopped.' }).outcome === 'unconfirmed'
 */
export function parseDataflowLog(entry: LogEntry): Observation {
  const r = entry.resource.labels ?? {};
  const l = entry.labels ?? {};
  const fields: CorrelationFields = clean({
    jobId: r.job_id ?? l['dataflow.googleapis.com/job_id'],
    jobName: r.job_name ?? l['dataflow.googleapis.com/job_name'],
    region: r.region ?? l['dataflow.googleapis.com/region'],
    project: projectOf(entry.logName) ?? r.project_id,
  });
  const source = { kind: 'log' as const, id: entry.insertId };
  const log = logId(entry.logName);
  if (log !== JOB_MESSAGE_LOG)
    return ignored(`log "${log}" is not the Dataflow job-message log`, { fields, source });
  const text = (entry.textPayload ?? stringMessage(entry.jsonPayload))?.trim();
  if (text === undefined || text === '')
    return ignored('Dataflow job message without text', { fields, source });
  if (fields.jobId === undefined && fields.jobName === undefined) {
    return rejected('Dataflow job message without job_id or job_name labels', { fields, source });
  }
  if (WORKER_POOL_STOPPED.test(text)) {
    return { kind: 'dataflow', outcome: 'unconfirmed', detail: text, fields, source };
  }
  if (WORKFLOW_FAILED.test(text) || LAUNCHER_FAILED.test(text)) {
    return { kind: 'dataflow', outcome: 'failed', detail: truncate(text), fields, source };
  }
  if (AUTOSCALING.test(text)) return ignored('autoscaling message', { fields, source });
  return ignored('Dataflow job message that does not end the job', { fields, source });
}

/**
 * Parse an Eventarc statusChanged CloudEvent. `data.payload` is the job as it is now.
 *
 * @example parseDataflowEvent(eventWithState('JOB_STATE_FAILED')).outcome === 'failed'
 */
export function parseDataflowEvent(event: CloudEvent): Observation {
  const source = { kind: 'eventarc' as const, id: event.id };
  const parsed = DataflowJobEventDataSchema.safeParse(event.data);
  if (!parsed.success) {
    return rejected(
      `statusChanged event ${event.id}: data.payload is not a Dataflow Job (${issue(parsed.error)})`,
      {
        source,
      },
    );
  }
  const job = parsed.data.payload;
  const ext = event as Record<string, unknown>;
  const fields: CorrelationFields = clean({
    jobId: job.id,
    jobName: job.name ?? (typeof ext.job === 'string' ? ext.job : undefined),
    project: job.projectId ?? projectOf(event.source.replace(/^\/\/[^/]+\//, '')),
    region: job.location ?? (typeof ext.location === 'string' ? ext.location : undefined),
  });
  const state = job.currentState ?? 'JOB_STATE_UNKNOWN';
  return {
    kind: 'dataflow',
    outcome: jobStateOutcome(state),
    state,
    detail: `Dataflow job ${job.id} is ${state}`,
    fields,
    source,
  };
}

function stringMessage(payload: Record<string, unknown> | undefined): string | undefined {
  const m = payload?.message;
  return typeof m === 'string' ? m : undefined;
}

/** Failure messages go into events; keep them readable and bounded. */
function truncate(text: string, max = 2000): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** First zod issue as `path: message`. */
export function issue(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }): string {
  const first = error.issues[0];
  if (!first) return 'invalid';
  const path = first.path.map(String).join('.');
  return path ? `${path}: ${first.message}` : first.message;
}
