import { describe, expect, it } from 'vitest';
import type { TimerCommand } from '../../engine/core/index.ts';
import type { Flow } from '../../engine/flow/model.ts';
import {
  at,
  def,
  Execution,
  failed,
  ids,
  launched,
  sampleFlow,
  succeeded,
  task,
  timer,
  types,
} from './fixtures.ts';
import type { StepRetryEvent } from './types.ts';

const sample = def(sampleFlow, 'sample-dag');

function chain(extra: Parameters<typeof task>[2]): Flow {
  return {
    start: 'Work',
    steps: {
      Work: task('Work', 'After', extra),
      After: task('After', null),
      Recover: task('Recover', null),
    },
  };
}

describe('failures', () => {
  it('given a branch without retry, when it fails, then ExecutionFailed and the join never fires', () => {
    const x = new Execution(sample);
    x.send(succeeded('Init', 1));
    x.send(succeeded('Step1', 1));

    const failure = x.send(failed('Step2/0/Branch1', 1, 'Boom'));

    expect(types(failure)).toEqual(['StepFailed', 'ExecutionFailed']);
    expect(failure.events[1]).toMatchObject({
      error: { name: 'Boom' },
      step: 'Branch1',
      path: 'Step2/0/Branch1',
    });
    expect(x.state.status).toBe('FAILED');
    const late = x.send(succeeded('Step2/1/Branch2', 1));
    expect(late.ignored?.code).toBe('EXECUTION_FINISHED');
    expect(late.events).toEqual([]);
    expect(
      x.log.some((e) => e.type === 'StepLaunched' || (e.type === 'StepSucceeded' && e.path === 'End')),
    ).toBe(false);
    x.expectReplayMatches();
  });

  it('given retry with backoff, when the first two attempts fail, then retries are scheduled with growing delays and the 3rd attempt succeeds', () => {
    const x = new Execution(
      def(
        chain({ retry: [{ max_attempts: 3, interval_seconds: 2, backoff_rate: 3, max_delay_seconds: 5 }] }),
      ),
    );

    const first = x.send(failed('Work', 1), at(10));
    expect(types(first)).toEqual(['StepFailed', 'StepRetryScheduled']);
    expect(first.events[1]).toMatchObject({ attempt: 1, nextAttempt: 2, delaySeconds: 2, dueAt: at(12) });
    expect(first.commands).toEqual([
      expect.objectContaining({
        id: 'timer-retry~Work~2',
        kind: 'timer',
        timer: 'retry',
        attempt: 2,
        dueAt: at(12),
      }),
    ]);
    expect(x.state.steps.Work).toMatchObject({ status: 'RETRY_SCHEDULED', attempt: 1 });

    const due = x.send(timer('retry', 'Work', 2), at(12));
    expect(types(due)).toEqual(['TimerFired']);
    expect(ids(due)).toEqual(['launch~Work~2']);
    expect(x.state.steps.Work).toMatchObject({ status: 'LAUNCHING', attempt: 2 });

    const second = x.send(failed('Work', 2), at(20));
    expect(second.events[1]).toMatchObject({ nextAttempt: 3, delaySeconds: 5 }); // 2×3 = 6, capped at 5
    x.send(timer('retry', 'Work', 3), at(25));
    const third = x.send(succeeded('Work', 3, 'ok'));
    expect(ids(third)).toEqual(['launch~After~1']);
    x.send(succeeded('After', 1, 'done'));
    expect(x.state.status).toBe('SUCCEEDED');
    x.expectReplayMatches();
  });

  it('given retries exhausted and no catch, when the last attempt fails, then the execution fails', () => {
    const x = new Execution(
      def(chain({ retry: [{ max_attempts: 1, interval_seconds: 1, backoff_rate: 2 }] })),
    );
    x.send(failed('Work', 1));
    x.send(timer('retry', 'Work', 2));
    const last = x.send(failed('Work', 2));
    expect(types(last)).toEqual(['StepFailed', 'ExecutionFailed']);
    expect(x.state.status).toBe('FAILED');
  });

  it('given a retry policy for another error, when the task fails, then no retry happens', () => {
    const x = new Execution(
      def(
        chain({ retry: [{ errors: ['Throttled'], max_attempts: 3, interval_seconds: 1, backoff_rate: 2 }] }),
      ),
    );
    expect(types(x.send(failed('Work', 1, 'Boom')))).toEqual(['StepFailed', 'ExecutionFailed']);
  });

  it('given a catch rule, when the task fails, then the catch target runs with {error, cause} as the step output', () => {
    const flow = chain({ catch: [{ errors: ['States.ALL'], next: 'Recover' }] });
    flow.steps.Recover = task('Recover', null, { parameters: { why: '$.steps.Work.output ?? null' } });
    const x = new Execution(def(flow));

    const failure = x.send(failed('Work', 1, 'Boom'));

    expect(types(failure)).toEqual(['StepFailed']);
    expect(failure.commands).toEqual([
      expect.objectContaining({
        id: 'launch~Recover~1',
        input: { why: { error: 'Boom', cause: 'Work failed' } },
      }),
    ]);
    x.send(succeeded('Recover', 1, 'recovered'));
    expect(x.state.status).toBe('SUCCEEDED');
    expect(x.state.output).toBe('recovered');
    expect(x.state.steps.Work?.status).toBe('FAILED');
    x.expectReplayMatches();
  });

  it('given retry and catch, when retries are exhausted, then the catch applies', () => {
    const x = new Execution(
      def(
        chain({
          retry: [{ max_attempts: 1, interval_seconds: 1, backoff_rate: 2 }],
          catch: [{ errors: ['Boom'], next: 'Recover' }],
        }),
      ),
    );
    expect(types(x.send(failed('Work', 1, 'Boom')))).toEqual(['StepFailed', 'StepRetryScheduled']);
    x.send(timer('retry', 'Work', 2));
    expect(ids(x.send(failed('Work', 2, 'Boom')))).toEqual(['launch~Recover~1']);
  });

  describe('timeout', () => {
    it('given timeout_seconds, when launched, then a timeout timer is due at now + timeout', () => {
      const x = new Execution(def(chain({ timeout_seconds: 30 })));
      const timeout = x.started.commands[1] as TimerCommand;
      expect(x.started.commands[0]).toMatchObject({ id: 'launch~Work~1', timeoutSeconds: 30 });
      expect(timeout).toMatchObject({
        id: 'timer-timeout~Work~1',
        timer: 'timeout',
        attempt: 1,
        dueAt: at(30),
      });
    });

    it('given no retry or catch, when the timeout fires, then the step times out and the execution fails with States.Timeout', () => {
      const x = new Execution(def(chain({ timeout_seconds: 30 })));
      x.send(launched('Work', 1));
      const out = x.send(timer('timeout', 'Work', 1));
      expect(types(out)).toEqual(['StepTimedOut', 'ExecutionFailed']);
      expect(x.state.error).toMatchObject({ name: 'States.Timeout', kind: 'timeout' });
      expect(x.state.steps.Work?.status).toBe('TIMED_OUT');
      x.expectReplayMatches();
    });

    it('given a retry on States.Timeout, when the timeout fires, then the task is retried with a fresh timeout', () => {
      const x = new Execution(
        def(
          chain({
            timeout_seconds: 30,
            retry: [{ errors: ['States.Timeout'], max_attempts: 1, interval_seconds: 1, backoff_rate: 2 }],
          }),
        ),
      );
      expect(types(x.send(timer('timeout', 'Work', 1)))).toEqual(['StepTimedOut', 'StepRetryScheduled']);
      expect(ids(x.send(timer('retry', 'Work', 2)))).toEqual(['launch~Work~2', 'timer-timeout~Work~2']);
    });

    it('given a catch of States.TaskFailed only, when the timeout fires, then it is not caught (TaskFailed excludes Timeout)', () => {
      const x = new Execution(
        def(chain({ timeout_seconds: 30, catch: [{ errors: ['States.TaskFailed'], next: 'Recover' }] })),
      );
      expect(types(x.send(timer('timeout', 'Work', 1)))).toEqual(['StepTimedOut', 'ExecutionFailed']);
    });

    it('given a catch of States.Timeout, when the timeout fires, then the catch target runs', () => {
      const x = new Execution(
        def(chain({ timeout_seconds: 30, catch: [{ errors: ['States.Timeout'], next: 'Recover' }] })),
      );
      expect(ids(x.send(timer('timeout', 'Work', 1)))).toEqual(['launch~Recover~1']);
    });

    it('given the step already succeeded, when the timeout fires, then it is ignored as ALREADY_TERMINAL', () => {
      const x = new Execution(def(chain({ timeout_seconds: 30 })));
      x.send(succeeded('Work', 1));
      expect(x.send(timer('timeout', 'Work', 1)).ignored?.code).toBe('ALREADY_TERMINAL');
    });
  });

  it('given a launch that failed terminally, then it is a StepFailed with the launch error, subject to retry', () => {
    const x = new Execution(
      def(
        chain({
          retry: [{ errors: ['States.LaunchFailed'], max_attempts: 1, interval_seconds: 1, backoff_rate: 2 }],
        }),
      ),
    );
    const out = x.send({
      kind: 'launchFailed',
      path: 'Work',
      attempt: 1,
      commandId: 'launch~Work~1',
      error: { name: 'States.LaunchFailed', kind: 'launch', message: '404 function not found' },
      source: { kind: 'dispatcher' },
    });
    expect(types(out)).toEqual(['StepFailed', 'StepRetryScheduled']);
    const retry = out.events[1] as StepRetryEvent;
    expect(retry.nextAttempt).toBe(2);
  });
});
