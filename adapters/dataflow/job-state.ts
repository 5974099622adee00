/**
 * What a Dataflow job state means for a step attempt. Terminal states (DESIGN.md §7): DONE, FAILED,
 * CANCELLED, UPDATED, DRAINED. DONE, DRAINED and UPDATED mean the job's work ended normally (an
 * UPDATED job was replaced by its update); FAILED and CANCELLED fail the step.
 */
import type { ProbeResult } from '../../engine/ports/launcher.ts';

export const DATAFLOW_TERMINAL_STATES = [
  'JOB_STATE_DONE',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLED',
  'JOB_STATE_UPDATED',
  'JOB_STATE_DRAINED',
] as const;

/**
 * @example dataflowStateOutcome({ id: 'j1', currentState: 'JOB_STATE_FAILED' }).state === 'failed'
 */
export function dataflowStateOutcome(job: {
  id?: string | null;
  name?: string | null;
  currentState?: string | null;
}): ProbeResult {
  const state = job.currentState ?? 'JOB_STATE_UNKNOWN';
  const label = `Dataflow job ${job.name ?? ''} (${job.id ?? '?'})`;
  switch (state) {
    case 'JOB_STATE_DONE':
    case 'JOB_STATE_DRAINED':
    case 'JOB_STATE_UPDATED':
      return {
        state: 'succeeded',
        output: { jobId: job.id ?? null, jobName: job.name ?? null, currentState: state },
      };
    case 'JOB_STATE_FAILED':
    case 'JOB_STATE_CANCELLED':
      return {
        state: 'failed',
        error: {
          name: 'States.TaskFailed',
          kind: 'job',
          message: `${label} ended in ${state}`,
          cause: { jobId: job.id ?? null, currentState: state },
        },
      };
    case 'JOB_STATE_UNKNOWN':
      return { state: 'unknown' };
    default:
      return { state: 'running' };
  }
}
