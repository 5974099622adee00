import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { isFirestepError } from '../../engine/errors.ts';
import {
  and,
  branch,
  choice,
  cloudFunction,
  condition,
  dataflowClassic,
  dataflowFlex,
  dataproc,
  defineFlow,
  end,
  fail,
  http,
  not,
  or,
  parallel,
  pubsub,
  readFlowJson,
  type StepInput,
  task,
  wait,
  when,
} from '../../engine/flow/index.ts';
import { thrown } from './support.ts';

const cf = cloudFunction('fn');

describe('defineFlow', () => {
  test('given the condition example written in TypeScript, when defined, then it equals the JSON example (flow and hash)', () => {
    const json = readFlowJson(readFileSync(new URL('../../examples/condition.json', import.meta.url), 'utf8'))
      .flow!;
    const location = { project_id: 'my-orchestration-test', region: 'europe-west1' };

    const definition = defineFlow({
      id: 'condition',
      start: 'Count',
      steps: {
        Count: task(cloudFunction('count-new-rows', location), {
          parameters: { table: '$.input.table' },
          next: 'Route',
        }),
        Route: condition({
          choices: [
            choice(when('$.input.mode').stringEquals('full'), 'FullLoad'),
            choice(
              and(
                when('$.steps.Count.output.rows').numericGreaterThan(0),
                not(when('$.input.dry_run').booleanEquals(true)),
              ),
              'Load',
            ),
          ],
          default: 'Skip',
        }),
        FullLoad: task(cloudFunction('full-load', location), { end: true }),
        Load: task(cloudFunction('incremental-load', location), {
          parameters: { rows: '$.steps.Count.output.rows' },
          end: true,
        }),
        Skip: end(),
      },
    });

    expect(definition.flow).toEqual(json);
  });

  test('given every helper, when defined, then each builds the normalized model with defaults filled', () => {
    const { flow } = defineFlow({
      id: 'all',
      start: 'A',
      steps: {
        A: task(dataflowClassic('exp', { template_path: 'gs://t', region: 'r' }), {
          parameters: { temp_location: 'gs://tmp' },
          retry: { max_attempts: 2 },
          catch: [{ next: 'F' }],
          timeout_seconds: 60,
          next: 'B',
        }),
        B: task(dataproc('spark', { workflow: { jobs: [] } }), { next: 'C' }),
        C: task(http('https://x.example.com', { method: 'GET' }), { next: 'D' }),
        D: task(pubsub('topic-a', { mode: 'callback' }), { next: 'E' }),
        E: wait(5, { next: 'G' }),
        G: condition({ choices: [choice(or(when('$.input').isPresent(false)), 'H')] }),
        H: parallel({ branches: [branch({ start: 'X', steps: { X: task(cf, { end: true }) } })], end: true }),
        F: fail({ error: 'E' }),
      },
    });

    expect(flow.steps).toEqual({
      A: {
        type: 'Task',
        target: {
          type: 'Dataflow',
          name: 'exp',
          region: 'r',
          template: { kind: 'classic', template_path: 'gs://t' },
        },
        parameters: { temp_location: 'gs://tmp' },
        retry: [{ max_attempts: 2, interval_seconds: 1, backoff_rate: 2 }],
        catch: [{ errors: ['States.ALL'], next: 'F' }],
        timeout_seconds: 60,
        next: 'B',
      },
      B: { type: 'Task', target: { type: 'Dataproc', name: 'spark', workflow: { jobs: [] } }, next: 'C' },
      C: {
        type: 'Task',
        target: { type: 'Http', name: 'C', url: 'https://x.example.com', method: 'GET' },
        next: 'D',
      },
      D: {
        type: 'Task',
        target: { type: 'PubSub', name: 'D', topic: 'topic-a', mode: 'callback' },
        next: 'E',
      },
      E: { type: 'Wait', seconds: 5, next: 'G' },
      G: { type: 'Condition', choices: [{ or: [{ variable: '$.input', is_present: false }], next: 'H' }] },
      H: {
        type: 'Parallel',
        branches: [
          {
            start: 'X',
            steps: { X: { type: 'Task', target: { type: 'CloudFunction', name: 'fn' }, end: true } },
          },
        ],
        end: true,
      },
      F: { type: 'Fail', error: 'E' },
    });
  });

  test('given a cycle (which types cannot see), when defined, then FLOW_INVALID lists the named cycle', () => {
    const error = thrown(() =>
      defineFlow({
        id: 'loop',
        start: 'A',
        steps: { A: task(cf, { next: 'B' }), B: task(cf, { next: 'A' }) },
      }),
    );

    expect(isFirestepError(error, 'FLOW_INVALID')).toBe(true);
    expect((error as Error).message).toBe(
      'flow "loop" is not a valid flow (1 problem):\n  steps.B.next: cycle A → B → A; a flow must be acyclic (use "retry" to repeat a Task)',
    );
  });

  test('given a Dataflow Task without temp_location, when defined, then FLOW_INVALID names parameters.temp_location', () => {
    const error = thrown(() =>
      defineFlow({
        id: 'df',
        start: 'Job',
        steps: { Job: task(dataflowFlex('job', { container_gcs_path: 'gs://spec.json' }), { end: true }) },
      }),
    );

    expect((error as { details: { problems: unknown } }).details.problems).toEqual([
      {
        path: 'steps.Job.parameters.temp_location',
        message: 'missing; Dataflow needs a temporary location, e.g. "gs://my-bucket/temp"',
      },
    ]);
  });

  test('given a JavaScript caller that bypasses the types, when defined, then runtime validation still catches it', () => {
    const untyped = { type: 'Task', target: cf, next: 'Nowhere' } as unknown as StepInput<'A'>;

    const error = thrown(() => defineFlow({ id: 'js', start: 'A', steps: { A: untyped } }));

    expect((error as Error).message).toContain('steps.A.next: unknown step "Nowhere"');
  });

  test('given parameters that are not JSON (a Date), when defined, then the path of the bad value is reported', () => {
    const error = thrown(() =>
      defineFlow({
        id: 'p',
        start: 'A',
        steps: { A: task(cf, { parameters: { when: new Date(0) as never }, end: true }) },
      }),
    );

    expect((error as Error).message).toContain('steps.A.parameters.when: is not a JSON value (an object)');
  });
});

describe('condition helpers', () => {
  test('when(...) builds one plain rule per operator', () => {
    const v = when('$.input.x');
    expect([
      v.stringEquals('a'),
      v.numericEquals(1),
      v.numericGreaterThan(1),
      v.numericGreaterThanOrEqual(1),
      v.numericLessThan(1),
      v.numericLessThanOrEqual(1),
      v.booleanEquals(false),
      v.isPresent(),
    ]).toEqual([
      { variable: '$.input.x', string_equals: 'a' },
      { variable: '$.input.x', numeric_equals: 1 },
      { variable: '$.input.x', numeric_greater_than: 1 },
      { variable: '$.input.x', numeric_greater_than_or_equal: 1 },
      { variable: '$.input.x', numeric_less_than: 1 },
      { variable: '$.input.x', numeric_less_than_or_equal: 1 },
      { variable: '$.input.x', boolean_equals: false },
      { variable: '$.input.x', is_present: true },
    ]);
  });
});
