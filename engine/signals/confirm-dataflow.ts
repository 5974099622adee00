/**
 * "Worker pool stopped." ends every Dataflow batch job, successful or not. Its outcome is settled by
 * asking the Dataflow API (`jobs.get`). The API can lag the job's logs by tens of seconds; instead of
 * sleeping (as the reference orchestrator did), a non-terminal answer throws a retryable
 * `RETRY_LATER`, so the engine function nacks and Pub/Sub redelivers with its backoff.
 *
 * Only this ambiguous line is confirmed: a "Workflow failed." / launcher failure line is the service
 * saying the job failed, and an Eventarc statusChanged event carries the authoritative state.
 */
import { FirestepError } from '../errors.ts';
import type { CorrelationTarget, DataflowJobs } from '../ports/index.ts';
import type { Observation } from './observation.ts';
import { jobStateOutcome } from './wire/dataflow.ts';

type DataflowObservation = Extract<Observation, { kind: 'dataflow' }>;

/**
 * Resolve an `unconfirmed` Dataflow observation to `succeeded` / `failed` with jobs.get.
 *
 * @example
 * const confirmed = await confirmDataflow(observation, target, googleDataflowJobs());
 * // confirmed.outcome === 'failed', confirmed.state === 'JOB_STATE_FAILED'
 */
export async function confirmDataflow(
  o: DataflowObservation,
  target: CorrelationTarget,
  jobs: DataflowJobs | undefined,
): Promise<DataflowObservation> {
  if (o.outcome !== 'unconfirmed') return o;
  if (!jobs) {
    throw new FirestepError(
      'CONFIG',
      'a "Worker pool stopped." message can only be settled with the Dataflow API: give ingest a `dataflow` client',
    );
  }
  const jobId = o.fields.jobId;
  const project = target.projectId ?? o.fields.project;
  const region = target.region ?? o.fields.region;
  if (!jobId || !project || !region) {
    throw new FirestepError(
      'SIGNAL_MALFORMED',
      `cannot confirm "Worker pool stopped.": need job id, project and region (have ${jobId ?? '-'}, ${project ?? '-'}, ${region ?? '-'})`,
    );
  }
  const job = await jobs.getJob(project, region, jobId);
  if (!job) {
    throw new FirestepError(
      'SIGNAL_UNCORRELATED',
      `Dataflow job ${jobId} not found in projects/${project}/locations/${region}`,
    );
  }
  const state = job.currentState ?? 'JOB_STATE_UNKNOWN';
  const outcome = jobStateOutcome(state);
  if (outcome === 'running') {
    throw new FirestepError(
      'RETRY_LATER',
      `Dataflow job ${jobId} still reports ${state} after "Worker pool stopped."; the API lags the job's logs, redeliver later`,
      { retryable: true, details: { jobId, state } },
    );
  }
  const detail =
    outcome === 'failed'
      ? `Dataflow job ${jobId} ended ${state} (jobs.get after "Worker pool stopped.")`
      : o.detail;
  return { ...o, outcome, state, detail };
}
