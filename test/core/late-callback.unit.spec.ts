/**
 * Issue 13 item 5: a late callback's output is lost. The platform's end line of a Cloud Function
 * carries no output; the SDK callback carries `{rows: 42}`. Pub/Sub orders neither, so each order
 * must leave the next step with the output (a step that waits for its callback), or at least record
 * the late output visibly (a step that does not).
 */
import { describe, expect, it } from 'vitest';
import { verifyLog } from '../../cli/replay/verify.ts';
import type { LaunchCommand } from '../../engine/core/commands.ts';
import { signalKey } from '../../engine/core/index.ts';
import type { Signal } from '../../engine/core/signals.ts';
import { cloudFunction, defineFlow, task as taskOf } from '../../engine/flow/index.ts';
import type { Flow, TaskStep } from '../../engine/flow/model.ts';
import { validateFlow } from '../../engine/flow/validate.ts';
import { def, Execution, failed, task, timer, types } from './fixtures.ts';

const CALLBACK = { kind: 'callback', id: 'cb-1' } as const;
const LINE = { kind: 'log', id: 'insert-1' } as const;

/** The platform's end line: success, no output. */
function ended(path: string, attempt = 1): Signal {
  return {
    kind: 'completed',
    outcome: 'succeeded',
    output: null,
    platform: true,
    path,
    attempt,
    source: LINE,
  };
}

/** The SDK callback with the function's output. */
function callback(path: string, output: { rows: number } | null, attempt = 1): Signal {
  return { kind: 'completed', outcome: 'succeeded', output, path, attempt, source: CALLBACK };
}

function flow(count: Partial<TaskStep>, loadParameters = { rows: '$.steps.Count.output.rows' }): Flow {
  return {
    start: 'Count',
    steps: {
      Count: task('Count', 'Load', count),
      Load: task('Load', null, { parameters: loadParameters }),
    },
  };
}

const waiting = def(
  flow({
    target: { type: 'CloudFunction', name: 'count', wait_for_callback: true },
    timeout_seconds: 60,
    retry: [{ errors: ['States.TaskFailed'], max_attempts: 1, interval_seconds: 1, backoff_rate: 2 }],
  }),
  'late-waiting',
);
const plain = def(flow({}), 'late-plain');
const tolerant = def(flow({}, { rows: '$.steps.Count.output.rows ?? null' } as never), 'late-tolerant');

function loadInput(decisionCommands: readonly { kind: string; path: string }[]) {
  const launch = decisionCommands.find((c) => c.kind === 'launch' && c.path === 'Load') as
    | LaunchCommand
    | undefined;
  return launch?.input;
}

describe('a step that waits for its callback (wait_for_callback)', () => {
  it('given Count running, when the end line comes first and then the callback, then the line only confirms and Load is launched with rows 42', () => {
    const x = new Execution(waiting);

    const line = x.send(ended('Count'));
    expect(types(line)).toEqual(['StepConfirmed']);
    expect(line.commands).toEqual([]);
    expect(x.state.steps.Count).toMatchObject({ status: 'LAUNCHING', confirmedAt: expect.any(String) });

    const cb = x.send(callback('Count', { rows: 42 }));
    expect(types(cb)).toEqual(['StepSucceeded']);
    expect(loadInput(cb.commands)).toEqual({ rows: 42 });
    expect(x.state.steps.Count?.output).toEqual({ rows: 42 });
    x.expectReplayMatches();
  });

  it('given Count running, when the callback comes first and then the end line, then Load has rows 42 and the line is ignored as already terminal', () => {
    const x = new Execution(waiting);

    const cb = x.send(callback('Count', { rows: 42 }));
    expect(loadInput(cb.commands)).toEqual({ rows: 42 });

    const line = x.send(ended('Count'));
    expect(line.events).toEqual([]);
    expect(line.ignored?.code).toBe('ALREADY_TERMINAL');
    x.expectReplayMatches();
  });

  it('given a confirmed Count, when the end line is redelivered, then nothing more is recorded', () => {
    const x = new Execution(waiting);
    x.send(ended('Count'));
    const again = x.send(ended('Count'));
    expect(again.events).toEqual([]);
    expect(again.ignored?.code).toBe('ALREADY_TERMINAL');
  });

  it('the end line and the callback have different dedupe keys, so the store lets the later one through', () => {
    expect(signalKey(ended('Count'))).toBe('Count#1#ended');
    expect(signalKey(callback('Count', { rows: 42 }))).toBe('Count#1#succeeded');
  });

  it('given Count running, when its end line says it failed and no callback ever comes, then the step fails and its retry applies', () => {
    const x = new Execution(waiting);
    const out = x.send(failed('Count', 1));
    expect(types(out)).toEqual(['StepFailed', 'StepRetryScheduled']);
    expect(out.commands.map((c) => c.id)).toEqual(['timer-retry~Count~2']);

    // and a callback for the failed attempt changes nothing; attempt 2's callback carries the output
    expect(x.send(callback('Count', { rows: 1 }, 1)).ignored?.code).toBe('ALREADY_TERMINAL');
    x.send(timer('retry', 'Count', 2));
    x.send(ended('Count', 2));
    const cb = x.send(callback('Count', { rows: 42 }, 2));
    expect(loadInput(cb.commands)).toEqual({ rows: 42 });
    x.expectReplayMatches();
  });

  it('given a confirmed Count whose callback never comes, when its timeout fires, then it times out with an error that says no callback came', () => {
    const x = new Execution(waiting);
    x.send(ended('Count'));
    const out = x.send(timer('timeout', 'Count', 1));
    expect(types(out)).toEqual(['StepTimedOut', 'ExecutionFailed']);
    expect(x.state.steps.Count?.error).toMatchObject({ name: 'States.Timeout' });
    expect(x.state.steps.Count?.error?.message).toMatch(/timed out waiting for its callback/);
    expect(x.state.steps.Count?.error?.message).toMatch(/wait_for_callback/);
    x.expectReplayMatches();
  });

  it('given a Count never confirmed, when its timeout fires, then the plain timeout message stays', () => {
    const x = new Execution(waiting);
    x.send(timer('timeout', 'Count', 1));
    expect(x.state.steps.Count?.error?.message).toBe('step "Count" attempt 1 timed out');
  });

  it('an Http target in async mode waits for its callback the same way (its request log only confirms)', () => {
    const http = def(
      flow({ target: { type: 'Http', name: 'count', url: 'https://partner.example/count', mode: 'async' } }),
      'late-http',
    );
    const x = new Execution(http);
    expect(types(x.send(ended('Count')))).toEqual(['StepConfirmed']);
    expect(loadInput(x.send(callback('Count', { rows: 42 })).commands)).toEqual({ rows: 42 });
  });
});

describe('a step that does not wait for its callback (the default)', () => {
  it('given Count running, when the end line comes first, then it succeeds with a null output as before', () => {
    const x = new Execution(tolerant);
    const out = x.send(ended('Count'));
    expect(types(out)).toEqual(['StepSucceeded']);
    expect(loadInput(out.commands)).toEqual({ rows: null });
  });

  it('given Count succeeded from its end line and Load running, when the callback with rows 42 arrives, then LateOutputRejected records the output and why, and nothing else changes', () => {
    const x = new Execution(tolerant);
    x.send(ended('Count'));
    const before = x.state;

    const late = x.send(callback('Count', { rows: 42 }));

    expect(types(late)).toEqual(['LateOutputRejected']);
    expect(late.commands).toEqual([]);
    expect(late.events[0]).toMatchObject({ output: { rows: 42 }, path: 'Count', attempt: 1 });
    expect((late.events[0] as { reason: string }).reason).toMatch(/"wait_for_callback": true/);
    expect(x.state.steps).toEqual(before.steps);
    expect(x.state.machine).toEqual(before.machine);
    x.expectReplayMatches();
  });

  it('given an execution that already FAILED because Load could not read the missing rows, when the callback arrives, then the late output is still recorded', () => {
    const x = new Execution(plain);
    x.send(ended('Count'));
    expect(x.state.status).toBe('FAILED');

    const late = x.send(callback('Count', { rows: 42 }));

    expect(types(late)).toEqual(['LateOutputRejected']);
    expect(x.state.status).toBe('FAILED');
    x.expectReplayMatches();
  });

  it('given Count succeeded from its end line, when a callback without output arrives, then it is ignored (nothing was lost)', () => {
    const x = new Execution(tolerant);
    x.send(ended('Count'));
    expect(x.send(callback('Count', null)).ignored?.code).toBe('ALREADY_TERMINAL');
  });

  it('given Count succeeded by its callback, when a stale attempt’s callback arrives, then it is ignored as stale', () => {
    const x = new Execution(tolerant);
    x.send(callback('Count', { rows: 42 }));
    expect(x.send(callback('Count', { rows: 7 }, 2)).ignored?.code).toBe('STALE_ATTEMPT');
  });

  it('a log with StepConfirmed and LateOutputRejected passes replay verification (each re-decided identically)', () => {
    const a = new Execution(waiting);
    a.send(ended('Count'));
    a.send(callback('Count', { rows: 42 }));
    expect(verifyLog(waiting, a.log).divergence).toBeUndefined();

    const b = new Execution(plain);
    b.send(ended('Count'));
    b.send(callback('Count', { rows: 42 }));
    expect(verifyLog(plain, b.log).divergence).toBeUndefined();
  });
});

describe('wait_for_callback in the flow format', () => {
  const json = (count: Record<string, unknown>) => ({
    start: 'Count',
    steps: {
      Count: { type: 'Task', target_type: 'CloudFunction', target_name: 'count', next: 'Load', ...count },
      Load: { type: 'Task', target_type: 'CloudFunction', target_name: 'load', end: true },
    },
  });

  it('is read from the reference JSON onto the Cloud Function target', () => {
    const { flow: read, errors } = validateFlow(json({ wait_for_callback: true, timeout_seconds: 600 }));
    expect(errors).toEqual([]);
    expect(read?.steps.Count).toMatchObject({
      target: { type: 'CloudFunction', name: 'count', wait_for_callback: true },
      timeout_seconds: 600,
    });
  });

  it('needs timeout_seconds, so that a function which never calls back cannot hold the step for ever', () => {
    const { errors } = validateFlow(json({ wait_for_callback: true }));
    expect(errors.map((p) => `${p.path}: ${p.message}`)).toEqual([
      expect.stringMatching(
        /^steps\.Count\.timeout_seconds: missing; a step with "wait_for_callback" needs a timeout/,
      ),
    ]);
  });

  it('must be a boolean, and is not a field of other targets', () => {
    expect(validateFlow(json({ wait_for_callback: 'yes', timeout_seconds: 5 })).errors[0]?.message).toBe(
      'must be true or false, got a string ("yes")',
    );
    const dataflow = {
      start: 'J',
      steps: {
        J: {
          type: 'Task',
          target_type: 'Dataflow',
          target_name: 'j',
          template_path: 'gs://t/x',
          wait_for_callback: true,
          end: true,
        },
      },
    };
    expect(validateFlow(dataflow).errors.map((p) => p.path)).toContain('steps.J.wait_for_callback');
  });

  it('is offered by the TypeScript builder', () => {
    const built = defineFlow({
      id: 'late-builder',
      start: 'Count',
      steps: {
        Count: taskOf(cloudFunction('count', { wait_for_callback: true }), {
          timeout_seconds: 600,
          end: true,
        }),
      },
    });
    expect(built.flow.steps.Count).toMatchObject({ target: { wait_for_callback: true } });
  });
});
