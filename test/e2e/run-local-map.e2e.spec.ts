/**
 * `run --local` runs Map flows: each item as a child execution through the same local runtime,
 * `--json` printing the children's lines (each with its executionId) among the parent's, and
 * `--fail STEP` failing that step in every iteration.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runLocal } from '../../cli/local/run-local.ts';
import { parseEventLines } from '../../cli/render/event-line.ts';
import { childExecutionId } from '../../engine/core/map.ts';
import { definitionHash } from '../../engine/flow/hash.ts';
import { validateFlow } from '../../engine/flow/validate.ts';
import { bufferedIo, e2eScope } from './support.ts';

const scope = e2eScope('e2e-map');
afterAll(() => scope.cleanup());

const check = validateFlow({
  start: 'PerFile',
  steps: {
    PerFile: {
      type: 'Map',
      items: '$.input.files',
      item_selector: { file: '$.item', index: '$.index' },
      max_concurrency: 2,
      tolerated_failure_percentage: 100,
      iterator: {
        start: 'Load',
        steps: {
          Load: {
            type: 'Task',
            target_type: 'CloudFunction',
            target_name: 'load-file',
            parameters: { file: '$.input.file' },
            end: true,
          },
        },
      },
      end: true,
    },
  },
});
if (check.flow === undefined) throw new Error(JSON.stringify(check.errors));
const definition = { id: 'map-local', flow: check.flow, hash: definitionHash(check.flow) };

function run(extra: Partial<Parameters<typeof runLocal>[0]> = {}) {
  const io = bufferedIo();
  return runLocal({
    definition,
    input: { files: ['a', 'b', 'c'] },
    io,
    json: true,
    recordDir: scope.recordDir,
    projectId: scope.project(),
    speed: 10,
    ...extra,
  }).then((result) => ({ ...result, io }));
}

describe('run --local with a Map', () => {
  it('given a Map of 3 items, when run with --json, then it succeeds with outputs in order and prints each child’s lines with its executionId', async () => {
    const { exitCode, head, executionId, io } = await run();
    expect(exitCode).toBe(0);
    const output = head.output as Array<{ input: { file: string } }>;
    expect(output.map((o) => o.input.file)).toEqual(['a', 'b', 'c']);
    const lines = io
      .out()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { executionId?: string; type: string });
    for (const index of [0, 1, 2]) {
      const id = childExecutionId(executionId, 'PerFile', 1, index);
      const mine = lines.filter((l) => l.executionId === id).map((l) => l.type);
      expect(mine).toEqual(['ExecutionStarted', 'StepLaunched', 'StepSucceeded', 'ExecutionSucceeded']);
    }
    expect(parseEventLines(io.out(), 'run.jsonl').map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'MapStarted',
      'MapIterationSucceeded',
      'MapIterationSucceeded',
      'MapIterationSucceeded',
      'StepSucceeded',
      'ExecutionSucceeded',
    ]);
  });

  it('given --fail Load, when run, then Load fails in every iteration and the tolerant Map returns {error, cause} for each', async () => {
    const { exitCode, head } = await run({ fail: ['Load'] });
    expect(exitCode).toBe(0);
    expect(head.maps?.PerFile).toMatchObject({ total: 3, succeeded: 0, failed: 3 });
    for (const item of head.output as Array<{ error: string }>) expect(item.error).toBe('States.TaskFailed');
  });
});
