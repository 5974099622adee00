/** The random-DAG oracle (support/expected-outcome.ts) on flows whose outcome is worked out by hand. */
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../engine/flow/model.ts';
import { cf } from '../core/fixtures.ts';
import { type AttemptFate, expectedOutcome } from './support/expected-outcome.ts';

const fates = (table: Record<string, AttemptFate>, flag = true) => ({
  of: (path: string, attempt: number) => table[`${path}#${attempt}`] ?? 'succeeded',
  flag,
});

const retry = [{ max_attempts: 2, interval_seconds: 1, backoff_rate: 2 }];

const flow: Flow = {
  start: 'A',
  steps: {
    A: { type: 'Task', target: cf('A'), next: 'C', retry },
    C: { type: 'Condition', choices: [{ variable: '$.input.flag', boolean_equals: true, next: 'P' }] },
    P: {
      type: 'Parallel',
      next: 'W',
      branches: [
        {
          start: 'B',
          steps: {
            B: { type: 'Task', target: cf('B'), next: 'E', catch: [{ errors: ['States.ALL'], next: 'E' }] },
            E: { type: 'End' },
          },
        },
        { start: 'D', steps: { D: { type: 'Task', target: cf('D'), next: 'E' }, E: { type: 'End' } } },
      ],
    },
    W: { type: 'Wait', seconds: 5, next: 'End' },
    End: { type: 'End' },
  },
};

describe('expectedOutcome', () => {
  it('all attempts succeed: SUCCEEDED with every reached Task and Wait at attempt 1', () => {
    expect(expectedOutcome(flow, fates({}))).toEqual({
      status: 'SUCCEEDED',
      steps: {
        A: { status: 'SUCCEEDED', attempt: 1 },
        'P/0/B': { status: 'SUCCEEDED', attempt: 1 },
        'P/1/D': { status: 'SUCCEEDED', attempt: 1 },
        W: { status: 'SUCCEEDED', attempt: 1 },
      },
    });
  });

  it('retries count after the first attempt; a caught failure keeps the flow going', () => {
    const out = expectedOutcome(
      flow,
      fates({ 'A#1': 'failed', 'A#2': 'launchFailed', 'P/0/B#1': 'timedOut' }),
    );
    expect(out).toMatchObject({
      status: 'SUCCEEDED',
      steps: { A: { status: 'SUCCEEDED', attempt: 3 }, 'P/0/B': { status: 'TIMED_OUT', attempt: 1 } },
    });
  });

  it('a Task failing past its retries with no catch: FAILED naming it, nothing after it reachable', () => {
    expect(expectedOutcome(flow, fates({ 'A#1': 'failed', 'A#2': 'failed', 'A#3': 'failed' }))).toEqual({
      status: 'FAILED',
      failingSteps: ['A'],
      reachable: ['A'],
    });
  });

  it('a Condition with no match and no default: FAILED naming the Condition', () => {
    expect(expectedOutcome(flow, fates({}, false))).toEqual({
      status: 'FAILED',
      failingSteps: ['C'],
      reachable: ['A'],
    });
  });

  it('an uncaught failure in a branch fails the Parallel; every branch step may have run', () => {
    expect(expectedOutcome(flow, fates({ 'P/1/D#1': 'failed' }))).toEqual({
      status: 'FAILED',
      failingSteps: ['P/1/D'],
      reachable: ['A', 'P/0/B', 'P/1/D'],
    });
  });

  it('a Fail step first: FAILED before any step runs', () => {
    const failFirst: Flow = { start: 'F', steps: { F: { type: 'Fail', error: 'Random.Fail' } } };
    expect(expectedOutcome(failFirst, fates({}))).toEqual({
      status: 'FAILED',
      failingSteps: ['F'],
      reachable: [],
    });
  });
});
