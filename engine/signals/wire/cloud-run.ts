/**
 * Cloud Run jobs wire formats: the `Execution` resource (Admin API v2, `executions.get`) and the
 * admin-activity audit log entry Cloud Run writes for `RunJob`. `jobs.run` is a long-running operation
 * whose result is the Execution; the entry with `operation.last: true` is written when the execution
 * has finished, with the Execution as `protoPayload.response`. The same entry arrives through a log
 * sink (a LogEntry) or through Eventarc (`google.cloud.audit.log.v1.written`, the LogEntry as `data`).
 *
 * References:
 * - Execution: https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.jobs.executions
 * - audit logs: https://cloud.google.com/run/docs/audit-logging
 * - Eventarc audit log events: https://cloud.google.com/eventarc/docs/cloudevents#audit-logs
 */
import { z } from 'zod';

/** `Condition` of an Execution; the one of `type: "Completed"` says how it ended. */
export const RunConditionSchema = z.object({
  /** `Completed`, `ResourcesAvailable`, `Started` … */
  type: z.string().optional(),
  /** `CONDITION_PENDING`, `CONDITION_RECONCILING`, `CONDITION_SUCCEEDED`, `CONDITION_FAILED`. */
  state: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  /** e.g. `NON_ZERO_EXIT_CODE`, `CANCELLED` (execution reasons, as names). */
  executionReason: z.string().optional(),
  reason: z.string().optional(),
});

const EnvVarSchema = z.object({ name: z.string(), value: z.string().optional() });

/** The `Execution` resource, the fields firestep reads. */
export const RunExecutionSchema = z.object({
  /** `projects/{project}/locations/{location}/jobs/{job}/executions/{execution}`. */
  name: z.string().min(1),
  uid: z.string().optional(),
  /** The job's short name. */
  job: z.string().optional(),
  taskCount: z.number().int().optional(),
  runningCount: z.number().int().optional(),
  succeededCount: z.number().int().optional(),
  failedCount: z.number().int().optional(),
  cancelledCount: z.number().int().optional(),
  retriedCount: z.number().int().optional(),
  createTime: z.string().optional(),
  startTime: z.string().optional(),
  /** Set once the execution finished, successfully or not. */
  completionTime: z.string().optional(),
  conditions: z.array(RunConditionSchema).optional(),
  /** The task template with this run's overrides applied: firestep finds its run key in `env`. */
  template: z
    .object({
      containers: z
        .array(z.object({ name: z.string().optional(), env: z.array(EnvVarSchema).optional() }))
        .optional(),
    })
    .optional(),
  logUri: z.string().optional(),
});
export type RunExecution = z.infer<typeof RunExecutionSchema>;

/** The env variable firestep sets on each run: the deterministic key of (execution, step, attempt). */
export const RUN_KEY_ENV = 'FIRESTEP_RUN_KEY';

/** methodNames of the RunJob audit entries (Admin API v2 and v1). */
export const RUN_JOB_METHODS = [
  'google.cloud.run.v2.Jobs.RunJob',
  'google.cloud.run.v1.Jobs.RunJob',
] as const;

/** Eventarc event type for audit log entries. */
export const AUDIT_LOG_WRITTEN = 'google.cloud.audit.log.v1.written';

/** `protoPayload` of a RunJob audit entry. */
export const RunJobAuditPayloadSchema = z.object({
  serviceName: z.literal('run.googleapis.com'),
  methodName: z.string(),
  /** `namespaces/{project}/jobs/{job}` (v1) or `projects/{p}/locations/{l}/jobs/{job}` (v2). */
  resourceName: z.string().optional(),
  status: z.object({ code: z.number().int().optional(), message: z.string().optional() }).optional(),
  /** The Execution, on the final entry of the operation. */
  response: z.record(z.string(), z.unknown()).optional(),
});

/**
 * The run key firestep put into an execution's env, if any.
 *
 * @example runKeyOf({ name: 'x', template: { containers: [{ env: [{ name: 'FIRESTEP_RUN_KEY', value: 'k' }] }] } }) === 'k'
 */
export function runKeyOf(execution: Pick<RunExecution, 'template'>): string | undefined {
  for (const c of execution.template?.containers ?? [])
    for (const e of c.env ?? []) if (e.name === RUN_KEY_ENV && e.value) return e.value;
  return undefined;
}

/**
 * Parts of an execution name.
 *
 * @example parseExecutionName('projects/p/locations/r/jobs/j/executions/j-abc') // { project: 'p', region: 'r', job: 'j', execution: 'j-abc' }
 */
export function parseExecutionName(
  name: string,
): { project: string; region: string; job: string; execution: string } | undefined {
  const m = /^projects\/([^/]+)\/locations\/([^/]+)\/jobs\/([^/]+)\/executions\/([^/]+)$/.exec(name);
  if (!m) return undefined;
  return { project: m[1] as string, region: m[2] as string, job: m[3] as string, execution: m[4] as string };
}

/**
 * What an Execution's state means for the step. `running` until `completionTime` or a terminal
 * `Completed` condition.
 *
 * @example executionOutcome({ name: 'n', completionTime: 't', succeededCount: 1 }).outcome === 'succeeded'
 */
export function executionOutcome(
  e: RunExecution,
): { outcome: 'succeeded' | 'running' } | { outcome: 'failed'; reason: string; message: string } {
  const completed = e.conditions?.find((c) => c.type === 'Completed');
  const failedBy = (reason: string, message: string) => ({ outcome: 'failed' as const, reason, message });
  if (completed?.state === 'CONDITION_FAILED') {
    const cancelled = (e.cancelledCount ?? 0) > 0 || /cancel/i.test(completed.executionReason ?? '');
    return failedBy(
      completed.executionReason ?? completed.reason ?? (cancelled ? 'CANCELLED' : 'FAILED'),
      completed.message ?? `execution ${e.name} failed`,
    );
  }
  if (completed?.state === 'CONDITION_SUCCEEDED') return { outcome: 'succeeded' };
  if (e.completionTime === undefined) return { outcome: 'running' };
  if ((e.failedCount ?? 0) > 0 || (e.cancelledCount ?? 0) > 0)
    return failedBy(
      (e.cancelledCount ?? 0) > 0 ? 'CANCELLED' : 'TASKS_FAILED',
      `execution ${e.name}: ${e.failedCount ?? 0} task(s) failed, ${e.cancelledCount ?? 0} cancelled`,
    );
  return { outcome: 'succeeded' };
}
