/**
 * The Map runtime, pure: given a parent whose Map started, when children end (in any order, some
 * twice), then the parent launches the next items through the outbox, ends the Map exactly once
 * with the outputs in item order, and folds the same state from its own log alone.
 */
import { describe, expect, test } from 'vitest';
import type { StartChildCommand } from '../../engine/core/commands.ts';
import { decide } from '../../engine/core/decide.ts';
import type { StepError } from '../../engine/core/events.ts';
import { childExecutionId, iteratorDefinition } from '../../engine/core/map.ts';
import type { Signal } from '../../engine/core/signals.ts';
import { start } from '../../engine/core/start.ts';
import { readFlowJson } from '../../engine/flow/index.ts';
import type { FlowDefinition, Json, MapStep } from '../../engine/flow/model.ts';
import { def, Execution, SOURCE, succeeded, T0 } from './fixtures.ts';

function mapDef(patch: Record<string, unknown> = {}, id = 'per-file'): FlowDefinition {
  const read = readFlowJson(
    JSON.stringify({
      start: 'List',
      steps: {
        List: { type: 'Task', target_type: 'CloudFunction', target_name: 'list', next: 'PerFile' },
        PerFile: {
          type: 'Map',
          items: '$.steps.List.output.files',
          item_selector: { file: '$.item', n: '$.index', day: '$.input.day ?? null' },
          max_concurrency: 2,
          iterator: {
            start: 'Load',
            steps: {
              Load: {
                type: 'Task',
                target_type: 'CloudFunction',
                target_name: 'load',
                parameters: { file: '$.input.file', raw: '$.item', at: '$.index' },
                end: true,
              },
            },
          },
          next: 'Done',
          ...patch,
        },
        Done: { type: 'End' },
      },
    }),
    id,
  );
  if (read.flow === undefined) throw new Error(JSON.stringify(read.errors));
  return def(read.flow, id);
}

function childEnded(index: number, output: Json, attempt = 1): Signal {
  return {
    kind: 'child',
    outcome: 'succeeded',
    output,
    index,
    childId: childExecutionId('exec-1', 'PerFile', attempt, index),
    path: 'PerFile',
    attempt,
    source: SOURCE,
  };
}

function childFailed(index: number, name = 'States.TaskFailed'): Signal {
  const error: StepError = { name, kind: 'function', message: `item ${index} broke` };
  return {
    kind: 'child',
    outcome: 'failed',
    error,
    index,
    childId: childExecutionId('exec-1', 'PerFile', 1, index),
    path: 'PerFile',
    attempt: 1,
    source: SOURCE,
  };
}

function startChildren(x: Execution): StartChildCommand[] {
  return x.decisions
    .flatMap((d) => d.commands)
    .filter((c): c is StartChildCommand => c.kind === 'startChild');
}

describe('Map runtime (pure)', () => {
  test('entering a Map starts max_concurrency children with the item_selector applied', () => {
    const x = new Execution(mapDef(), { day: 'mon' });
    const d = x.send(succeeded('List', 1, { files: ['a', 'b', 'c', 'd', 'e'] }));
    expect(d.events.map((e) => e.type)).toEqual(['StepSucceeded', 'MapStarted']);
    expect(d.commands.map((c) => c.id)).toEqual(['child~PerFile~1~0', 'child~PerFile~1~1']);
    expect(d.commands[1]).toMatchObject({
      kind: 'startChild',
      childId: 'exec-1~PerFile~1~1',
      input: { file: 'b', n: 1, day: 'mon' },
      item: 'b',
    });
    expect(x.state.maps?.PerFile).toMatchObject({ total: 5, next: 2, running: 2, succeeded: 0 });
    expect(x.state.steps.PerFile?.status).toBe('RUNNING');
  });

  test('each completion launches the next item; shuffled ends and duplicates give one ordered output', () => {
    const x = new Execution(mapDef());
    x.send(succeeded('List', 1, { files: ['a', 'b', 'c', 'd', 'e'] }));
    const order = [1, 0, 1, 3, 2, 0, 4, 4, 3];
    for (const i of order) x.send(childEnded(i, `out-${i}`));
    const launches = startChildren(x).map((c) => c.index);
    expect(launches.sort()).toEqual([0, 1, 2, 3, 4]);
    const ignored = x.decisions.filter((d) => d.ignored !== undefined).map((d) => d.ignored?.code);
    expect(ignored).toEqual([
      'ALREADY_TERMINAL',
      'ALREADY_TERMINAL',
      'EXECUTION_FINISHED',
      'EXECUTION_FINISHED',
    ]);
    expect(x.types().filter((t) => t === 'StepSucceeded')).toHaveLength(2);
    expect(x.state.status).toBe('SUCCEEDED');
    const ended = x.log.find((e) => e.type === 'StepSucceeded' && e.path === 'PerFile');
    expect(ended).toMatchObject({ output: ['out-0', 'out-1', 'out-2', 'out-3', 'out-4'] });
    expect(x.state.maps?.PerFile).toMatchObject({ total: 5, next: 5, running: 0, succeeded: 5 });
    expect(x.state.mapResults?.PerFile).toBeUndefined();
    x.expectReplayMatches();
  });

  test('an item not yet launched and a child of another attempt are ignored', () => {
    const x = new Execution(mapDef());
    x.send(succeeded('List', 1, { files: ['a', 'b', 'c'] }));
    expect(x.send(childEnded(2, 'early')).ignored?.code).toBe('STALE_ATTEMPT');
    expect(x.send(childEnded(0, 'old', 2)).ignored?.code).toBe('STALE_ATTEMPT');
  });

  test('tolerated failures become {error, cause} in place; one more fails the Map and cancels the rest', () => {
    const x = new Execution(mapDef({ tolerated_failure_count: 1, max_concurrency: 3 }));
    x.send(succeeded('List', 1, { files: ['a', 'b', 'c', 'd', 'e'] }));
    x.send(childFailed(1));
    x.send(childEnded(0, 'ok-0'));
    const d = x.send(childFailed(3));
    expect(d.events.map((e) => e.type)).toEqual(['MapIterationFailed', 'StepFailed', 'ExecutionFailed']);
    expect(d.events[1]).toMatchObject({ error: { name: 'States.ExceedToleratedFailureThreshold' } });
    expect(d.commands.map((c) => c.id).sort()).toEqual([
      'cancel-child~PerFile~1~2',
      'cancel-child~PerFile~1~4',
    ]);
    expect(x.send(childEnded(2, 'late')).ignored?.code).toBe('EXECUTION_FINISHED');
    x.expectReplayMatches();
  });

  test('a tolerated failure shows in the output', () => {
    const x = new Execution(mapDef({ tolerated_failure_percentage: 50 }));
    x.send(succeeded('List', 1, { files: ['a', 'b'] }));
    x.send(childFailed(0, 'Load.Boom'));
    x.send(childEnded(1, 'fine'));
    const ended = x.log.find((e) => e.type === 'StepSucceeded' && e.path === 'PerFile');
    expect(ended).toMatchObject({ output: [{ error: 'Load.Boom', cause: 'item 0 broke' }, 'fine'] });
    expect(x.state.status).toBe('SUCCEEDED');
  });

  test('items that are not an array, or too many, fail the step with a named error', () => {
    const x = new Execution(mapDef());
    x.send(succeeded('List', 1, { files: 'a.csv' }));
    expect(x.state.steps.PerFile?.error?.name).toBe('States.ItemsNotArray');
    expect(x.state.steps.PerFile?.error?.message).toContain('read a string, not an array');
    const y = new Execution(mapDef());
    y.send(succeeded('List', 1, { files: Array.from({ length: 10_001 }, (_, i) => i) }));
    expect(y.state.steps.PerFile?.error).toMatchObject({ name: 'States.ItemsTooMany' });
    expect(y.decisions.flatMap((d) => d.commands).filter((c) => c.kind === 'startChild')).toEqual([]);
  });

  test('an empty list succeeds at once with []', () => {
    const x = new Execution(mapDef());
    x.send(succeeded('List', 1, { files: [] }));
    expect(x.state.status).toBe('SUCCEEDED');
    expect(x.log.find((e) => e.type === 'StepSucceeded' && e.path === 'PerFile')).toMatchObject({
      output: [],
    });
  });

  test('cancelling the parent cancels the running children', () => {
    const x = new Execution(mapDef({ max_concurrency: 3 }));
    x.send(succeeded('List', 1, { files: ['a', 'b', 'c', 'd'] }));
    x.send(childEnded(1, 'done'));
    const d = x.send({ kind: 'cancel', reason: 'by hand', source: { kind: 'api' } });
    expect(d.commands.map((c) => c.id).sort()).toEqual([
      'cancel-child~PerFile~1~0',
      'cancel-child~PerFile~1~2',
      'cancel-child~PerFile~1~3',
    ]);
  });

  test('a child reads $.item/$.index and tells its parent how it ended', () => {
    const parent = mapDef();
    const child = iteratorDefinition(parent, 'PerFile', parent.flow.steps.PerFile as MapStep);
    const { state, decision } = start(
      child,
      { file: 'b', n: 1, day: null },
      {
        executionId: 'exec-1~PerFile~1~1',
        now: T0,
        parent: { executionId: 'exec-1', path: 'PerFile', attempt: 1, index: 1, item: 'b' },
      },
    );
    expect(decision.commands[0]).toMatchObject({ kind: 'launch', input: { file: 'b', raw: 'b', at: 1 } });
    const done = decide(child, state, succeeded('Load', 1, { rows: 7 }), T0);
    expect(done.commands).toEqual([
      expect.objectContaining({
        id: 'notify-parent~PerFile~1~1',
        kind: 'notifyParent',
        executionId: 'exec-1~PerFile~1~1',
        parentId: 'exec-1',
        index: 1,
        outcome: 'succeeded',
        output: { rows: 7 },
      }),
    ]);
  });
});
