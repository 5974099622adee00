/**
 * Dataflow wire formats: the `Job` resource (`projects.locations.jobs.get`) and the Eventarc
 * `google.cloud.dataflow.job.v1beta3.statusChanged` CloudEvent, whose `data.payload` is a Job.
 *
 * References:
 * - Job: https://cloud.google.com/dataflow/docs/reference/rest/v1b3/projects.jobs#Job
 * - JobState: https://cloud.google.com/dataflow/docs/reference/rest/v1b3/projects.jobs#jobstate
 * - event: https://github.com/googleapis/google-cloudevents/blob/main/proto/google/events/cloud/dataflow/v1beta3/data.proto
 */
import { z } from 'zod';

/** JobState names in proto enum order (the index is the proto number, for int-encoded events). */
export const JOB_STATES = [
  'JOB_STATE_UNKNOWN',
  'JOB_STATE_STOPPED',
  'JOB_STATE_RUNNING',
  'JOB_STATE_DONE',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLED',
  'JOB_STATE_UPDATED',
  'JOB_STATE_DRAINING',
  'JOB_STATE_DRAINED',
  'JOB_STATE_PENDING',
  'JOB_STATE_CANCELLING',
  'JOB_STATE_QUEUED',
  'JOB_STATE_RESOURCE_CLEANING_UP',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Accepts the enum name, or its proto number (some JSON encoders write enums as ints). */
export const JobStateSchema = z.union([
  z.enum(JOB_STATES),
  z
    .number()
    .int()
    .min(0)
    .max(JOB_STATES.length - 1)
    .transform((n) => JOB_STATES[n] as JobState),
]);

export const DataflowJobSchema = z.object({
  /** Service-assigned id, e.g. `2024-03-13_13_30_56-9773037660972565699`. */
  id: z.string().min(1),
  /** Project id that owns the job. */
  projectId: z.string().optional(),
  /** User-given name, unique among the project's active jobs (firestep makes it deterministic). */
  name: z.string().optional(),
  /** Regional endpoint, e.g. `us-central1`. */
  location: z.string().optional(),
  /** `JOB_TYPE_BATCH` or `JOB_TYPE_STREAMING`. */
  type: z.string().optional(),
  /** Current state; terminal: DONE, FAILED, CANCELLED, UPDATED, DRAINED. Absent on a brand-new job. */
  currentState: JobStateSchema.optional(),
  /** RFC 3339 time `currentState` was entered. */
  currentStateTime: z.string().optional(),
  /** State the user asked for (e.g. `JOB_STATE_CANCELLED` while cancelling). */
  requestedState: JobStateSchema.optional(),
  createTime: z.string().optional(),
  startTime: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
export type DataflowJob = z.infer<typeof DataflowJobSchema>;

/** Eventarc event type for Dataflow job state changes. */
export const DATAFLOW_STATUS_CHANGED = 'google.cloud.dataflow.job.v1beta3.statusChanged';

/** `data` of the statusChanged CloudEvent (`JobEventData`): the job as it is now. */
export const DataflowJobEventDataSchema = z.object({
  payload: DataflowJobSchema,
});
export type DataflowJobEventData = z.infer<typeof DataflowJobEventDataSchema>;

/**
 * What a job state means for the step that launched it.
 *
 * Terminal states follow Apache Airflow's Dataflow operator: DONE, UPDATED (the pipeline continues
 * in a replacement job) and DRAINED (a streaming job stopped after finishing its buffered work) are
 * successes; FAILED and CANCELLED are failures. Everything else (QUEUED, PENDING, RUNNING,
 * DRAINING, CANCELLING, RESOURCE_CLEANING_UP, STOPPED, UNKNOWN) is not finished yet.
 *
 * @example jobStateOutcome('JOB_STATE_DONE') === 'succeeded'
 * @example jobStateOutcome('JOB_STATE_CANCELLING') === 'running'
 */
export function jobStateOutcome(state: JobState | undefined): 'succeeded' | 'failed' | 'running' {
  switch (state) {
    case 'JOB_STATE_DONE':
    case 'JOB_STATE_UPDATED':
    case 'JOB_STATE_DRAINED':
      return 'succeeded';
    case 'JOB_STATE_FAILED':
    case 'JOB_STATE_CANCELLED':
      return 'failed';
    default:
      return 'running';
  }
}
