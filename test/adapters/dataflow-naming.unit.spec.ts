import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitParameters } from '../../adapters/dataflow/environment.ts';
import { DATAFLOW_JOB_NAME, dataflowJobName } from '../../adapters/dataflow/job-name.ts';
import { dataflowStateOutcome } from '../../adapters/dataflow/job-state.ts';

describe('Dataflow job names', () => {
  it('given any target name and attempt, then the name is valid for Dataflow, ≤ 63 chars, deterministic', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.string(),
        fc.integer({ min: 1, max: 1000 }),
        (name, exec, path, attempt) => {
          const jobName = dataflowJobName(name, exec, path, attempt);
          expect(jobName).toMatch(DATAFLOW_JOB_NAME);
          expect(jobName.length).toBeLessThanOrEqual(63);
          expect(dataflowJobName(name, exec, path, attempt)).toBe(jobName);
        },
      ),
    );
  });

  it('given a readable target name, then the job name starts with it; other attempts get other names', () => {
    const a1 = dataflowJobName('Word_Count Demo', 'e1', 'Step2/0/Branch1', 1);
    expect(a1).toMatch(/^word-count-demo-[0-9a-f]{10}$/);
    expect(dataflowJobName('Word_Count Demo', 'e1', 'Step2/0/Branch1', 2)).not.toBe(a1);
    expect(dataflowJobName('Word_Count Demo', 'e2', 'Step2/0/Branch1', 1)).not.toBe(a1);
    expect(dataflowJobName('123', 'e', 'p', 1)).toMatch(/^firestep-/);
    expect(dataflowJobName('x'.repeat(200), 'e', 'p', 1)).toHaveLength(63);
  });
});

describe('Dataflow parameters vs environment', () => {
  it('given reference-style snake_case keys, then they become environment fields and the rest template parameters', () => {
    const split = splitParameters(
      {
        input: 'gs://b/in',
        rows: 10,
        options: { a: 1 },
        temp_location: 'gs://b/tmp',
        service_account_email: 'sa@p.iam.gserviceaccount.com',
        max_workers: '4',
        additional_experiments: 'use_runner_v2, enable_prime',
        staging_location: 'gs://b/stage',
        environment: { workerRegion: 'europe-west4', ip_configuration: 'WORKER_IP_PRIVATE' },
      },
      'flex',
    );
    expect(split.parameters).toEqual({ input: 'gs://b/in', rows: '10', options: '{"a":1}' });
    expect(split.environment).toEqual({
      tempLocation: 'gs://b/tmp',
      serviceAccountEmail: 'sa@p.iam.gserviceaccount.com',
      maxWorkers: 4,
      additionalExperiments: ['use_runner_v2', 'enable_prime'],
      stagingLocation: 'gs://b/stage',
      workerRegion: 'europe-west4',
      ipConfiguration: 'WORKER_IP_PRIVATE',
    });
  });

  it('given flex-only fields on a classic template, then they are dropped; given a non-object input, then nothing is sent', () => {
    expect(
      splitParameters({ staging_location: 'gs://s', zone: 'us-central1-a' }, 'classic').environment,
    ).toEqual({ zone: 'us-central1-a' });
    expect(splitParameters(null, 'flex')).toEqual({ parameters: {}, environment: {} });
    expect(splitParameters(['a'], 'flex')).toEqual({ parameters: {}, environment: {} });
  });
});

describe('Dataflow job state → step outcome', () => {
  it.each([
    ['JOB_STATE_DONE', 'succeeded'],
    ['JOB_STATE_DRAINED', 'succeeded'],
    ['JOB_STATE_UPDATED', 'succeeded'],
    ['JOB_STATE_FAILED', 'failed'],
    ['JOB_STATE_CANCELLED', 'failed'],
    ['JOB_STATE_RUNNING', 'running'],
    ['JOB_STATE_QUEUED', 'running'],
    ['JOB_STATE_CANCELLING', 'running'],
    ['JOB_STATE_UNKNOWN', 'unknown'],
  ])('%s → %s', (currentState, expected) => {
    expect(dataflowStateOutcome({ id: 'j', currentState }).state).toBe(expected);
  });
});
