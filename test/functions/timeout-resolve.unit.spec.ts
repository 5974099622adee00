import { describe, expect, it } from 'vitest';
import type { Signal } from '../../engine/core/signals.ts';
import type { ExecutionState, StepState } from '../../engine/core/state.ts';
import { dataflowFlex, defineFlow, task } from '../../engine/flow/index.ts';
import type { Launcher, ProbeResult } from '../../engine/ports/index.ts';
import { resolveTimeout } from '../../runtime/timeout-probe.ts';

process.env.FIRESTEP_LOG ??= 'silent';

const def = defineFlow({
  id: 'job',
  start: 'Job',
  steps: {
    Job: task(dataflowFlex('wc', { project_id: 'p', region: 'r', container_gcs_path: 'gs://b/s.json' }), {
      parameters: { temp_location: 'gs://b/t' },
      timeout_seconds: 60,
      end: true,
    }),
  },
});

const timer: Extract<Signal, { kind: 'timer' }> = {
  kind: 'timer',
  timer: 'timeout',
  path: 'Job',
  attempt: 1,
  source: { kind: 'timer', id: 'timer-timeout~Job~1' },
};

function stateWith(row: Partial<StepState>): ExecutionState {
  const step: StepState = {
    step: 'Job',
    path: 'Job',
    type: 'Task',
    status: 'RUNNING',
    attempt: 1,
    receipt: { target: 'Dataflow', jobId: 'j-1' },
    ...row,
  };
  return { steps: { Job: step } } as unknown as ExecutionState;
}

function deps(state: ExecutionState, probe?: () => Promise<ProbeResult>) {
  const launcher = {
    targetType: 'Dataflow',
    launch: async () => ({ status: 'failed' }),
    correlationKeys: () => [],
    ...(probe ? { probe } : {}),
  };
  return { loadState: async () => ({ def, state }), launcherFor: () => launcher as unknown as Launcher };
}

describe('resolveTimeout', () => {
  it('given the job finished, when the timeout is resolved, then the completion replaces the timer (source probe)', async () => {
    const signal = await resolveTimeout(
      'e',
      timer,
      deps(stateWith({}), async () => ({ state: 'succeeded', output: { rows: 3 } })),
    );
    expect(signal).toEqual({
      kind: 'completed',
      outcome: 'succeeded',
      output: { rows: 3 },
      path: 'Job',
      attempt: 1,
      source: { kind: 'probe', id: 'timer-timeout~Job~1' },
    });
  });

  it('given the job still runs or its state is unknown, when resolved, then the timeout stands', async () => {
    expect(
      await resolveTimeout(
        'e',
        timer,
        deps(stateWith({}), async () => ({ state: 'running' })),
      ),
    ).toBe(timer);
    expect(
      await resolveTimeout(
        'e',
        timer,
        deps(stateWith({}), async () => ({ state: 'unknown' })),
      ),
    ).toBe(timer);
  });

  it.each([
    ['the step already succeeded', { status: 'SUCCEEDED' as const }],
    ['the timer is for an older attempt', { attempt: 2 }],
    ['no receipt was recorded', { receipt: undefined }],
  ])('given %s, when resolved, then the timer is applied unchanged without probing', async (_what, row) => {
    let probed = false;
    const signal = await resolveTimeout(
      'e',
      timer,
      deps(stateWith(row), async () => {
        probed = true;
        return { state: 'succeeded' };
      }),
    );
    expect(signal).toBe(timer);
    expect(probed).toBe(false);
  });

  it('given a launcher without probe, when resolved, then the timeout stands', async () => {
    expect(await resolveTimeout('e', timer, deps(stateWith({})))).toBe(timer);
  });

  it('given the platform answers 503, when resolved, then a retryable RETRY_LATER is thrown (the timer comes back)', async () => {
    const unavailable = Object.assign(new Error('backend unavailable'), {
      response: { status: 503 },
      status: 503,
    });
    await expect(
      resolveTimeout(
        'e',
        timer,
        deps(stateWith({}), async () => {
          throw unavailable;
        }),
      ),
    ).rejects.toMatchObject({ code: 'RETRY_LATER', retryable: true });
  });

  it('given the platform answers 403, when resolved, then the timeout stands', async () => {
    const forbidden = Object.assign(new Error('permission denied'), {
      response: { status: 403 },
      status: 403,
    });
    expect(
      await resolveTimeout(
        'e',
        timer,
        deps(stateWith({}), async () => {
          throw forbidden;
        }),
      ),
    ).toBe(timer);
  });

  it('given a retry or wait timer, when resolved, then it is returned as is', async () => {
    const retry = { ...timer, timer: 'retry' as const };
    expect(
      await resolveTimeout(
        'e',
        retry,
        deps(stateWith({}), async () => ({ state: 'succeeded' })),
      ),
    ).toBe(retry);
  });
});
