/** The Dataflow jobs port (implemented over googleapis in adapters/dataflow/jobs-client.ts). */
import type { DataflowJob } from '../signals/wire/dataflow.ts';

/** Asks Dataflow about a job (confirmation of "Worker pool stopped."). */
export interface DataflowJobs {
  /**
   * `projects.locations.jobs.get`. Resolves `undefined` when the job does not exist (404). Throws a
   * retryable `FirestepError('RETRY_LATER')` on 429/5xx/network errors, a terminal one otherwise.
   */
  getJob(projectId: string, region: string, jobId: string): Promise<DataflowJob | undefined>;
  /**
   * `projects.locations.jobs.getMetrics`: the job's custom counters (origin `user`, committed values)
   * by name, read when the job ends so a Condition can branch on them. Same error rules as `getJob`.
   */
  getMetrics?(projectId: string, region: string, jobId: string): Promise<Record<string, number>>;
}
