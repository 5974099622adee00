import { describe, expect, test } from 'vitest';
import { isFirestepError } from '../../engine/errors.ts';
import { loadFlowFromJson, readFlowJson, validateFlow } from '../../engine/flow/index.ts';
import { lines, SAMPLE_DAG_TEXT, sampleDag, thrown } from './support.ts';

describe('readFlowJson: the reference format', () => {
  test('given the reference sample DAG, when read unchanged, then it maps every flat field into the model', () => {
    const { flow, errors, warnings } = readFlowJson(SAMPLE_DAG_TEXT);

    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(flow?.start).toBe('Init');
    expect(flow?.steps.Init).toEqual({
      type: 'Task',
      target: {
        type: 'CloudFunction',
        name: 'orch-test-1',
        project_id: 'my-orchestration-test',
        region: 'europe-west1',
      },
      next: 'Step1',
    });
    const step2 = flow?.steps.Step2;
    expect(step2?.type === 'Parallel' && step2.next).toBe('End');
    expect(step2?.type === 'Parallel' && step2.branches[0]).toEqual({
      start: 'Branch1',
      steps: {
        Branch1: {
          type: 'Task',
          target: {
            type: 'Dataflow',
            name: 'word-count-demo',
            project_id: 'my-orchestration-test',
            region: 'europe-west4',
            template: { kind: 'flex', container_gcs_path: 'gs://my-flex-templates/python_command_spec.json' },
          },
          parameters: sampleDag().steps.Step2.branches[0].steps.Branch1.parameters,
          end: true,
        },
      },
    });
    expect(flow?.steps.End).toMatchObject({ type: 'Task', target: { name: 'orch-test-4' }, end: true });
  });

  test('given template_path, when read, then the Dataflow template is classic', () => {
    const raw = sampleDag();
    const branch1 = raw.steps.Step2.branches[0].steps.Branch1;
    delete branch1.container_gcs_path;
    branch1.template_path = 'gs://dataflow-templates/latest/Word_Count';

    const { flow } = validateFlow(raw);

    const step2 = flow?.steps.Step2;
    const target = step2?.type === 'Parallel' ? step2.branches[0]?.steps.Branch1 : undefined;
    expect(target).toMatchObject({
      target: { template: { kind: 'classic', template_path: 'gs://dataflow-templates/latest/Word_Count' } },
    });
  });

  test("given firestep's extensions, when read, then targets, retry, catch, timeout, Wait, Fail, Condition and End map", () => {
    const raw = {
      start: 'Call',
      steps: {
        Call: {
          type: 'Task',
          target_type: 'Http',
          url: 'https://api.example.com/run',
          method: 'PUT',
          auth: { type: 'bearer', secret_env: 'API_TOKEN' },
          mode: 'async',
          retry: { max_attempts: 5 },
          catch: [{ errors: ['States.Timeout'], next: 'Oops' }, { next: 'Oops' }],
          timeout_seconds: 90,
          next: 'Publish',
        },
        Publish: {
          type: 'Task',
          target_type: 'PubSub',
          topic: 'events',
          mode: 'callback',
          target_name: 'pub',
          next: 'Fn',
        },
        Fn: {
          type: 'Task',
          target_type: 'CloudFunction',
          target_name: 'fn',
          url: 'https://fn.example.com',
          gen: 2,
          trigger: 'pubsub',
          topic: 'fn-requests',
          retry: [
            { errors: ['X'], max_attempts: 1, interval_seconds: 5, backoff_rate: 1.5, max_delay_seconds: 60 },
          ],
          next: 'Spark',
        },
        Spark: { type: 'Task', target_type: 'Dataproc', workflow: { jobs: [] }, next: 'Pause' },
        Pause: { type: 'Wait', seconds: 30, next: 'Route' },
        Route: {
          type: 'Condition',
          choices: [
            { variable: '$.input.n', numeric_less_than_or_equal: 3, next: 'Done' },
            { or: [{ variable: '$.steps.Call.output', is_present: false }], next: 'Oops' },
          ],
          default: 'Done',
        },
        Done: { type: 'End' },
        Oops: { type: 'Fail', error: 'Boom', cause: 'it broke' },
      },
    };

    const { flow, errors, warnings } = validateFlow(raw);

    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(flow?.steps).toEqual({
      Call: {
        type: 'Task',
        target: {
          type: 'Http',
          name: 'Call',
          url: 'https://api.example.com/run',
          method: 'PUT',
          auth: { type: 'bearer', secret_env: 'API_TOKEN' },
          mode: 'async',
        },
        retry: [{ max_attempts: 5, interval_seconds: 1, backoff_rate: 2 }],
        catch: [
          { errors: ['States.Timeout'], next: 'Oops' },
          { errors: ['States.ALL'], next: 'Oops' },
        ],
        timeout_seconds: 90,
        next: 'Publish',
      },
      Publish: {
        type: 'Task',
        target: { type: 'PubSub', name: 'pub', topic: 'events', mode: 'callback' },
        next: 'Fn',
      },
      Fn: {
        type: 'Task',
        target: {
          type: 'CloudFunction',
          name: 'fn',
          url: 'https://fn.example.com',
          gen: 2,
          trigger: 'pubsub',
          topic: 'fn-requests',
        },
        retry: [
          { errors: ['X'], max_attempts: 1, interval_seconds: 5, backoff_rate: 1.5, max_delay_seconds: 60 },
        ],
        next: 'Spark',
      },
      Spark: {
        type: 'Task',
        target: { type: 'Dataproc', name: 'Spark', workflow: { jobs: [] } },
        next: 'Pause',
      },
      Pause: { type: 'Wait', seconds: 30, next: 'Route' },
      Route: raw.steps.Route,
      Done: { type: 'End' },
      Oops: { type: 'Fail', error: 'Boom', cause: 'it broke' },
    });
  });

  test('given a retry without numbers, when read, then Step Functions defaults fill it (3 attempts, 1 s, ×2)', () => {
    const raw = sampleDag();
    raw.steps.Init.retry = {};

    const { flow } = validateFlow(raw);

    expect(flow?.steps.Init).toMatchObject({
      retry: [{ max_attempts: 3, interval_seconds: 1, backoff_rate: 2 }],
    });
  });

  test('given empty retry and catch arrays, when read, then they normalize to absent', () => {
    const raw = sampleDag();
    raw.steps.Init.retry = [];
    raw.steps.Init.catch = [];

    const { flow } = validateFlow(raw);

    expect(flow?.steps.Init).not.toHaveProperty('retry');
    expect(flow?.steps.Init).not.toHaveProperty('catch');
  });

  test('given unknown fields, when read, then each is an error naming the field (never silently dropped)', () => {
    const raw = sampleDag();
    raw.comment = 'nightly';
    raw['x-owner'] = 'data-team';
    raw.steps.Init.comment = 'first';
    raw.steps.Init.nxt = 'Step1';
    raw.steps.Init.retry = { max_attempt: 2 };
    raw.steps.Step2.branches[1].steps.Branch2.container_gcs_path = 'gs://x';

    const { flow, errors, warnings } = validateFlow(raw);

    expect(warnings).toEqual([]);
    expect(flow).toBeUndefined();
    expect(lines(errors)).toEqual([
      'steps.Init.nxt: unknown field for a CloudFunction Task (did you mean "next"?)',
      'steps.Init.retry.max_attempt: unknown field for a retry policy (did you mean "max_attempts"?)',
      'steps.Step2.branches[1].steps.Branch2.container_gcs_path: unknown field for a CloudFunction Task; allowed: type, next, end, target_type, target_name, project_id, region, parameters, retry, catch, timeout_seconds, url, gen, trigger, topic, wait_for_callback, "comment" or "x-…"',
    ]);
  });

  test('given a normalized Flow (what the builder makes), when validated, then it reads back to itself', () => {
    const first = readFlowJson(SAMPLE_DAG_TEXT).flow;

    const again = validateFlow(structuredClone(first));

    expect(again.errors).toEqual([]);
    expect(again.flow).toEqual(first);
  });
});

describe('readFlowJson: parse errors are problems, never stack traces', () => {
  test.each([
    ['not JSON', '{"start": "Init", steps: {}}', '(root): x.json is not valid JSON: '],
    ['truncated JSON', '{"start": "Init"', '(root): x.json is not valid JSON: '],
    ['an array at the top', '[]', '(root): a flow must be an object with "start" and "steps", got an array'],
    ['null', 'null', '(root): a flow must be an object with "start" and "steps", got null'],
    [
      'a string',
      '"flow"',
      '(root): a flow must be an object with "start" and "steps", got a string ("flow")',
    ],
    [
      'steps not an object',
      '{"start": "A", "steps": [1]}',
      'steps: must be an object of named steps (got an array)',
    ],
    ['steps missing', '{"start": "A"}', 'steps: must be an object of named steps (missing)'],
    ['start missing', '{"steps": {"A": {"type": "End"}}}', "start: missing; name the flow's first step"],
    [
      'a step not an object',
      '{"start": "A", "steps": {"A": 3}}',
      'steps.A: a step must be an object with a "type", got a number (3)',
    ],
  ])('given %s, when read, then the first problem is exactly one clear line', (_name, text, expected) => {
    const { flow, errors } = readFlowJson(text, 'x.json');

    expect(flow).toBeUndefined();
    expect(lines(errors)[0]?.startsWith(expected)).toBe(true);
    expect(errors).toHaveLength(1);
  });

  test('given a syntax error on line 3, when read, then the message gives line and column', () => {
    const { errors } = readFlowJson('{\n  "start": "A",\n  "steps": }', 'x.json');

    expect(errors[0]?.message).toBe(
      'x.json is not valid JSON: expected a value, found "}" at line 3, column 12',
    );
  });

  test('given invalid JSON, when loaded, then FirestepError FLOW_PARSE; given an invalid flow, then FLOW_INVALID with details.problems', () => {
    const notJson = thrown(() => loadFlowFromJson('{', 'x'));
    const invalid = thrown(() =>
      loadFlowFromJson('{"start": "B", "steps": {"A": {"type": "End"}}}', 'x', 'x.json'),
    );

    expect(isFirestepError(notJson, 'FLOW_PARSE')).toBe(true);
    expect(isFirestepError(invalid, 'FLOW_INVALID')).toBe(true);
    expect((invalid as Error).message).toBe(
      'x.json is not a valid flow (1 problem):\n  start: unknown step "B"; steps here: A',
    );
    expect((invalid as { details: { problems: unknown } }).details.problems).toEqual([
      { path: 'start', message: 'unknown step "B"; steps here: A' },
    ]);
  });

  test('given the sample, when loaded, then the definition carries its id and a sha256 hex hash', () => {
    const definition = loadFlowFromJson(SAMPLE_DAG_TEXT, 'sample-dag');

    expect(definition.id).toBe('sample-dag');
    expect(definition.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
