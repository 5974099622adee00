import { describe, expect, it } from 'vitest';
import type { Flow } from '../../engine/flow/model.ts';
import { at, def, Execution, ids, succeeded, task, timer, types } from './fixtures.ts';

const routed: Flow = {
  start: 'Count',
  steps: {
    Count: task('Count', 'Route'),
    Route: {
      type: 'Condition',
      choices: [
        { variable: '$.input.mode', string_equals: 'full', next: 'FullLoad' },
        { variable: '$.steps.Count.output.rows', numeric_greater_than: 0, next: 'Load' },
      ],
      default: 'Skip',
    },
    FullLoad: task('FullLoad', null),
    Load: task('Load', null, {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: firestep's own `${$.input…}` template syntax
      parameters: { rows: '$.steps.Count.output.rows', day: 'day=${$.input.day}' },
    }),
    Skip: { type: 'End' },
  },
};

describe('Condition', () => {
  it('given mode=full in the input, when Count succeeds, then FullLoad launches', () => {
    const x = new Execution(def(routed), { mode: 'full' });
    expect(ids(x.send(succeeded('Count', 1, { rows: 0 })))).toEqual(['launch~FullLoad~1']);
  });

  it('given rows > 0 in a step output, when Count succeeds, then Load launches with resolved parameters', () => {
    const x = new Execution(def(routed), { mode: 'delta', day: '2024-01-01' });
    const out = x.send(succeeded('Count', 1, { rows: 7 }));
    expect(out.commands).toEqual([
      expect.objectContaining({ id: 'launch~Load~1', input: { rows: 7, day: 'day=2024-01-01' } }),
    ]);
  });

  it('given no choice matches, when Count succeeds, then the default End finishes the execution', () => {
    const x = new Execution(def(routed), { mode: 'delta' });
    const out = x.send(succeeded('Count', 1, { rows: 0 }));
    expect(types(out)).toEqual(['StepSucceeded', 'ChoiceTaken', 'ExecutionSucceeded']);
    expect(out.events[1]).toMatchObject({ step: 'Route', next: 'Skip', choice: null });
    expect(x.state.output).toEqual({ rows: 0 });
  });

  it('given no match and no default, then the execution fails with States.NoChoiceMatched and cannot be redriven', () => {
    const flow: Flow = {
      start: 'Route',
      steps: {
        Route: { type: 'Condition', choices: [{ variable: '$.input.go', boolean_equals: true, next: 'Go' }] },
        Go: task('Go', null),
      },
    };
    const x = new Execution(def(flow), { go: false });
    expect(types(x.started)).toEqual(['ExecutionStarted', 'ExecutionFailed']);
    expect(x.state.error).toMatchObject({ name: 'States.NoChoiceMatched', kind: 'condition' });
    expect(x.send({ kind: 'redrive', source: { kind: 'api' } }).ignored?.code).toBe('NOT_REDRIVABLE');
    x.expectReplayMatches();
  });

  it('given a Condition as the first step, when started, then it routes at once', () => {
    const flow: Flow = {
      start: 'Route',
      steps: {
        Route: {
          type: 'Condition',
          choices: [{ variable: '$.input.go', boolean_equals: true, next: 'Go' }],
          default: 'Stop',
        },
        Go: task('Go', null),
        Stop: { type: 'End' },
      },
    };
    expect(ids(new Execution(def(flow), { go: true }).started)).toEqual(['launch~Go~1']);
  });
});

describe('Wait', () => {
  const flow: Flow = {
    start: 'Pause',
    steps: { Pause: { type: 'Wait', seconds: 90, next: 'Work' }, Work: task('Work', null) },
  };

  it('given a Wait first, when started, then a wait timer is due after its seconds and the step is WAITING', () => {
    const x = new Execution(def(flow));
    expect(x.started.commands).toEqual([
      expect.objectContaining({
        id: 'timer-wait~Pause~1',
        kind: 'timer',
        timer: 'wait',
        attempt: 1,
        dueAt: at(90),
      }),
    ]);
    expect(x.state.steps.Pause).toMatchObject({ type: 'Wait', status: 'WAITING' });
  });

  it('when the wait timer fires, then the next step launches; a second firing is ignored', () => {
    const x = new Execution(def(flow));
    const out = x.send(timer('wait', 'Pause', 1));
    expect(types(out)).toEqual(['TimerFired']);
    expect(ids(out)).toEqual(['launch~Work~1']);
    expect(x.state.steps.Pause?.status).toBe('SUCCEEDED');
    expect(x.send(timer('wait', 'Pause', 1)).ignored?.code).toBe('ALREADY_TERMINAL');
    x.expectReplayMatches();
  });
});

describe('Fail step', () => {
  it('given a Fail step after a task, then the execution fails with its error and is not redrivable', () => {
    const flow: Flow = {
      start: 'Check',
      steps: {
        Check: task('Check', 'Stop'),
        Stop: { type: 'Fail', error: 'Data.Missing', cause: 'no rows today' },
      },
    };
    const x = new Execution(def(flow));
    const out = x.send(succeeded('Check', 1));
    expect(types(out)).toEqual(['StepSucceeded', 'ExecutionFailed']);
    expect(out.events[1]).toMatchObject({
      error: { name: 'Data.Missing', kind: 'fail', message: 'no rows today' },
      step: 'Stop',
      path: 'Stop',
    });
    expect(x.send({ kind: 'redrive', source: { kind: 'api' } }).ignored?.code).toBe('NOT_REDRIVABLE');
  });

  it('given a Fail step without error name, then the error is States.Fail', () => {
    const x = new Execution(def({ start: 'Stop', steps: { Stop: { type: 'Fail' } } }));
    expect(x.state.error?.name).toBe('States.Fail');
  });
});

describe('nested parallels', () => {
  const flow: Flow = {
    start: 'Outer',
    steps: {
      Outer: {
        type: 'Parallel',
        branches: [
          {
            start: 'Inner',
            steps: {
              Inner: {
                type: 'Parallel',
                branches: [
                  { start: 'A', steps: { A: task('A', null) } },
                  { start: 'B', steps: { B: task('B', 'B2'), B2: task('B2', null) } },
                ],
                end: true,
              },
            },
          },
          { start: 'C', steps: { C: task('C', null) } },
        ],
        next: 'Last',
      },
      Last: task('Last', null, { parameters: { all: '$.steps.Outer.output' } }),
    },
  };

  it('given nested parallels, when every leaf succeeds in any order, then Last gets the nested outputs', () => {
    const x = new Execution(def(flow));
    expect(ids(x.started).sort()).toEqual([
      'launch~Outer%2F0%2FInner%2F0%2FA~1',
      'launch~Outer%2F0%2FInner%2F1%2FB~1',
      'launch~Outer%2F1%2FC~1',
    ]);
    x.send(succeeded('Outer/1/C', 1, 'c'));
    x.send(succeeded('Outer/0/Inner/1/B', 1, 'b'));
    expect(x.send(succeeded('Outer/0/Inner/0/A', 1, 'a')).commands).toEqual([]);
    const join = x.send(succeeded('Outer/0/Inner/1/B2', 1, 'b2'));
    expect(join.commands).toEqual([
      expect.objectContaining({ id: 'launch~Last~1', input: { all: [['a', 'b2'], 'c'] } }),
    ]);
    x.send(succeeded('Last', 1, 'fin'));
    expect(x.state.status).toBe('SUCCEEDED');
    x.expectReplayMatches();
  });
});

describe('degenerate flows', () => {
  it('given a flow that is just End, when started, then it succeeds at once with the input as output', () => {
    const x = new Execution(def({ start: 'Done', steps: { Done: { type: 'End' } } }), { a: 1 });
    expect(types(x.started)).toEqual(['ExecutionStarted', 'ExecutionSucceeded']);
    expect(x.state.output).toEqual({ a: 1 });
  });
});

describe('data between steps (issue 14)', () => {
  const etl: Flow = {
    start: 'Extract',
    steps: {
      Extract: task('Extract', 'Shape'),
      Shape: {
        type: 'Pass',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: firestep's own template syntax
        value: { day: '$.steps.Extract.output.date', glob: 'gs://acme/${$.steps.Extract.output.date}/*.csv' },
        next: 'Load',
      },
      Load: task('Load', 'Route', {
        parameters: { input: '$.steps.Shape.output.glob', files: '$.steps.Extract.output.files ?? 0' },
        catch: [{ errors: ['States.ReferenceNotFound'], next: 'Cleanup' }],
        retry: [{ max_attempts: 3, interval_seconds: 1, backoff_rate: 2 }],
      }),
      Route: {
        type: 'Condition',
        choices: [{ variable: '$.steps.Load.output.rows', numeric_greater_than: 0, next: 'Done' }],
        default: 'Done',
      },
      Cleanup: task('Cleanup', null),
      Done: { type: 'End' },
    },
  };

  it('given a Pass, when its references resolve, then its output is recorded and read by the next Task', () => {
    const x = new Execution(def(etl), {});
    const out = x.send(succeeded('Extract', 1, { date: '2024-01-01' }));
    expect(types(out)).toEqual(['StepSucceeded', 'StepSucceeded']);
    expect(out.events[1]).toMatchObject({
      step: 'Shape',
      output: { day: '2024-01-01', glob: 'gs://acme/2024-01-01/*.csv' },
    });
    expect(out.commands.map((c) => c.kind === 'launch' && c.input)).toEqual([
      { input: 'gs://acme/2024-01-01/*.csv', files: 0 },
    ]);
  });

  it('given a missing reference, when the step would launch, then States.ReferenceNotFound, no retry, caught, nothing launched', () => {
    const x = new Execution(def(etl), {});
    const out = x.send(succeeded('Extract', 1, { nope: true }));
    expect(types(out)).toEqual(['StepSucceeded', 'StepFailed', 'ExecutionFailed']);
    expect(out.events[1]).toMatchObject({
      step: 'Shape',
      error: {
        name: 'States.ReferenceNotFound',
        kind: 'reference',
        message: expect.stringContaining('"$.steps.Extract.output.date"'),
      },
    });
    expect(out.commands).toEqual([]);
  });

  it('given a Task whose reference is missing, then it is caught by name and the Task is never launched nor retried', () => {
    const flow = structuredClone(etl);
    flow.steps.Shape = { type: 'Pass', value: { glob: '$.input.glob ?? "none"' }, next: 'Load' };
    (flow.steps.Load as { parameters: object }).parameters = { day: '$.steps.Extract.output.date' };
    const x = new Execution(def(flow), {});
    const out = x.send(succeeded('Extract', 1, {}));
    expect(types(out)).toEqual(['StepSucceeded', 'StepSucceeded', 'StepFailed']);
    expect(out.events[2]).toMatchObject({ step: 'Load', error: { name: 'States.ReferenceNotFound' } });
    expect(out.commands.map((c) => c.kind === 'launch' && c.step)).toEqual(['Cleanup']);
  });

  it('given a Condition comparing a missing value, then it fails with States.ReferenceNotFound instead of routing', () => {
    const x = new Execution(def(etl), {});
    x.send(succeeded('Extract', 1, { date: 'd' }));
    const out = x.send(succeeded('Load', 1, { jobId: 'j' }));
    expect(types(out)).toEqual(['StepSucceeded', 'ExecutionFailed']);
    expect(out.events[1]).toMatchObject({
      error: {
        name: 'States.ReferenceNotFound',
        message: expect.stringContaining('$.steps.Load.output.rows'),
      },
    });
  });

  it('given a Condition that routes, then ChoiceTaken names the choice', () => {
    const x = new Execution(def(etl), {});
    x.send(succeeded('Extract', 1, { date: 'd' }));
    const out = x.send(succeeded('Load', 1, { rows: 5 }));
    expect(types(out)).toEqual(['StepSucceeded', 'ChoiceTaken', 'ExecutionSucceeded']);
    expect(out.events[1]).toMatchObject({ type: 'ChoiceTaken', step: 'Route', next: 'Done', choice: 0 });
  });
});
