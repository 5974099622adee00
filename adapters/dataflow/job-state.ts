/**
 * What a Dataflow job state means for a step attempt, as a launcher `ProbeResult`. The state → outcome
 * mapping itself is the one in engine/signals/wire/dataflow.ts (`jobStateOutcome`, shared with the
 * Eventarc statusChanged parser and the "Worker pool stopped." confirmation); this file only shapes
 * its answer: the job's ids as output on success, a `States.TaskFailed` error on failure, `unknown`
 * when Dataflow reports no state.
 */
import type { ProbeResult } from '../../engine/ports/index.ts';
import { type JobState, jobStateOutcome } from '../../engine/signals/wire/dataflow.ts';

/**
 * @example dataflowStateOutcome({ id: 'j1', currentState: 'JOB_STATE_FAILED' }).state === 'failed'
 */
export function dataflowStateOutcome(job: {
  id?: string | null;
  name?: string | null;
  currentState?: string | null;
}): ProbeResult {
  const state = job.currentState ?? 'JOB_STATE_UNKNOWN';
  if (state === 'JOB_STATE_UNKNOWN') return { state: 'unknown' };
  const label = `Dataflow job ${job.name ?? ''} (${job.id ?? '?'})`;
  switch (jobStateOutcome(state as JobState)) {
    case 'succeeded':
      return {
        state: 'succeeded',
        output: { jobId: job.id ?? null, jobName: job.name ?? null, currentState: state },
      };
    case 'failed':
      return {
        state: 'failed',
        error: {
          name: 'States.TaskFailed',
          kind: 'job',
          message: `${label} ended in ${state}`,
          cause: { jobId: job.id ?? null, currentState: state },
        },
      };
    default:
      return { state: 'running' };
  }
}
