import { describe, expect, test } from 'vitest';
import { start } from '../../engine/core/start.ts';
import {
  bigQuery,
  cloudRunJob,
  compileFlow,
  defineFlow,
  end,
  launchable,
  readFlowJson,
  task,
  toMermaid,
  waitForObject,
} from '../../engine/flow/index.ts';
import { queryParameterNames } from '../../engine/flow/read-targets-data.ts';

const FLOW = {
  start: 'WaitForExport',
  steps: {
    WaitForExport: {
      type: 'Wait',
      for_object: 'gs://raw-landing/events/${$.input.date}/_SUCCESS',
      timeout_seconds: 3600,
      catch: [{ errors: ['States.Timeout'], next: 'Late' }],
      next: 'Count',
    },
    Count: {
      type: 'Task',
      target_type: 'BigQuery',
      query: 'SELECT * FROM t WHERE day = @date',
      destination_table: 'reports.daily',
      write_disposition: 'WRITE_TRUNCATE',
      location: 'EU',
      labels: { team: 'data' },
      parameters: { date: '$.input.date' },
      next: 'Publish',
    },
    Publish: {
      type: 'Task',
      target_type: 'CloudRunJob',
      target_name: 'publish-report',
      parameters: { args: ['--rows', '$.steps.Count.output.numRows'], env: { MODE: 'full' }, task_count: 2 },
      end: true,
    },
    Late: { type: 'Fail', error: 'Late' },
  },
};

const errorsOf = (flow: unknown) =>
  readFlowJson(JSON.stringify(flow)).errors.map((p) => `${p.path}: ${p.message}`);

describe('BigQuery, CloudRunJob and Wait for_object in the JSON format', () => {
  test('given the three step kinds, when read, then the model holds them as written', () => {
    const { flow, errors } = readFlowJson(JSON.stringify(FLOW));
    expect(errors).toEqual([]);
    expect(flow?.steps.WaitForExport).toEqual({
      type: 'Wait',
      for_object: 'gs://raw-landing/events/${$.input.date}/_SUCCESS',
      timeout_seconds: 3600,
      catch: [{ errors: ['States.Timeout'], next: 'Late' }],
      next: 'Count',
    });
    expect(flow?.steps.Count).toMatchObject({
      target: {
        type: 'BigQuery',
        name: 'Count',
        query: 'SELECT * FROM t WHERE day = @date',
        destination_table: 'reports.daily',
        write_disposition: 'WRITE_TRUNCATE',
        location: 'EU',
        labels: { team: 'data' },
      },
    });
    expect(flow?.steps.Publish).toMatchObject({ target: { type: 'CloudRunJob', name: 'publish-report' } });
  });

  test.each([
    [
      { query: 'SELECT @a, @b', parameters: { a: 1 } },
      'steps.Q.parameters: the query uses @b but "parameters" has no "b"',
    ],
    [
      { query: 'SELECT 1', destination_table: 'no_dataset' },
      'steps.Q.destination_table: must be "dataset.table"',
    ],
    [
      { query: 'SELECT 1', write_disposition: 'WRITE_APPEND' },
      'steps.Q.write_disposition: applies to a destination table',
    ],
    [
      { query: 'SELECT 1', write_disposition: 'APPEND', destination_table: 'd.t' },
      'steps.Q.write_disposition',
    ],
    [
      { query: 'SELECT @x', parameters: { x: { a: 1 } } },
      'steps.Q.parameters.x: an object cannot be a query parameter',
    ],
    [{}, 'steps.Q.query: missing'],
    [{ query: 'SELECT 1', labels: { Team: 'x' } }, 'steps.Q.labels.Team'],
  ])('given a BigQuery step %j, when read, then it is refused with the path', (fields, message) => {
    const flow = {
      start: 'Q',
      steps: { Q: { type: 'Task', target_type: 'BigQuery', end: true, ...fields } },
    };
    expect(errorsOf(flow).join('\n')).toContain(message);
  });

  test.each([
    [{ parameters: { argv: ['x'] } }, 'steps.R.parameters.argv: is not a Cloud Run job override'],
    [{ parameters: { args: 'x' } }, 'steps.R.parameters.args: must be a list of strings'],
    [{ parameters: { env: { FIRESTEP_RUN_KEY: 'x' } } }, 'FIRESTEP_ names are reserved'],
    [{ parameters: { task_count: 0 } }, 'steps.R.parameters.task_count: must be a positive integer'],
    [{ target_name: undefined }, 'steps.R.target_name: missing'],
  ])('given a CloudRunJob step %j, when read, then it is refused with the path', (fields, message) => {
    const step = { type: 'Task', target_type: 'CloudRunJob', target_name: 'job', end: true, ...fields };
    expect(errorsOf({ start: 'R', steps: { R: step } }).join('\n')).toContain(message);
  });

  test.each([
    [{ for_object: 'raw/_SUCCESS' }, 'steps.W.for_object: must be a Cloud Storage URI'],
    [
      { for_object: 'gs://b/_SUCCESS', seconds: 5 },
      'steps.W.seconds: a Wait has either "seconds" or "for_object"',
    ],
    [{ seconds: 5, timeout_seconds: 5 }, 'steps.W.timeout_seconds: applies to a Wait with "for_object"'],
  ])('given a Wait %j, when read, then it is refused with the path', (fields, message) => {
    expect(
      errorsOf({ start: 'W', steps: { W: { type: 'Wait', end: true, ...fields } } }).join('\n'),
    ).toContain(message);
  });

  test('given the TypeScript builder, when the same flow is defined, then it validates and hashes like the JSON', () => {
    const def = defineFlow({
      id: 'landing',
      start: 'Wait',
      steps: {
        Wait: waitForObject('gs://raw/${$.input.date}/_SUCCESS', { timeout_seconds: 60, next: 'Count' }),
        Count: task(bigQuery('SELECT COUNT(*) AS n FROM t WHERE d = @date'), {
          parameters: { date: '$.input.date' },
          next: 'Publish',
        }),
        Publish: task(cloudRunJob('publish-report'), {
          parameters: { args: ['$.steps.Count.output.numRows'] },
          next: 'Done',
        }),
        Done: end(),
      },
    });
    expect(def.flow.steps.Count).toMatchObject({ target: { type: 'BigQuery', name: 'Count' } });
    expect(toMermaid(def.flow)).toContain('wait for gs://raw/');
  });

  test('given a for_object Wait, when the execution starts, then it launches a StorageObject watcher with the resolved URI and arms its timeout', () => {
    const { flow } = readFlowJson(JSON.stringify(FLOW));
    if (!flow) throw new Error('unreadable');
    const def = { id: 'landing', flow, hash: 'h' };
    compileFlow(flow);
    expect(launchable(flow.steps.WaitForExport)?.target.type).toBe('StorageObject');
    expect(launchable(flow.steps.Late)).toBeUndefined();
    const { decision } = start(
      def,
      { date: '2026-12-01' },
      { executionId: 'e1', now: '2026-12-01T00:00:00.000Z' },
    );
    expect(
      decision.commands.map((c) =>
        c.kind === 'launch'
          ? [c.kind, c.target.type, c.input]
          : [c.kind, c.kind === 'timer' ? c.timer : '', c.kind === 'timer' ? c.dueAt : ''],
      ),
    ).toEqual([
      ['launch', 'StorageObject', { object: 'gs://raw-landing/events/2026-12-01/_SUCCESS' }],
      ['timer', 'timeout', '2026-12-01T01:00:00.000Z'],
    ]);
  });

  test('queryParameterNames skips literals and comments', () => {
    expect(queryParameterNames('SELECT @a, \'@b\', "@c", `@d` -- @e\n FROM t WHERE x = @f /* @g */')).toEqual(
      ['a', 'f'],
    );
  });
});
