/**
 * How Maps read in the CLI: the Map row of the step table shows its progress, and `run --json`
 * output with child executions' lines interleaved parses back to the parent's log alone.
 */
import { describe, expect, it } from 'vitest';
import { colorsFor } from '../../cli/render/colors.ts';
import { parseEventLines, toJsonLine } from '../../cli/render/event-line.ts';
import { mapDetail, renderStepTable } from '../../cli/render/step-table.ts';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import type { MapProgress } from '../../engine/core/map.ts';
import type { StepState } from '../../engine/core/state.ts';

const progress: MapProgress = {
  step: 'PerFile',
  attempt: 1,
  total: 10_000,
  concurrency: 1_000,
  next: 8_412,
  running: 1_000,
  succeeded: 7_400,
  failed: 12,
};

describe('Map in the CLI', () => {
  it('given a running Map, when the step table is rendered, then its row reads finished / total ✓succeeded ✗failed', () => {
    expect(mapDetail(progress)).toBe('7,412 / 10,000 ✓7,400 ✗12');
    const row: StepState = { step: 'PerFile', path: 'PerFile', type: 'Task', status: 'RUNNING', attempt: 1 };
    const lines = renderStepTable(
      { PerFile: row },
      0,
      colorsFor({ isTTY: false, write: () => true }),
      undefined,
      {
        PerFile: progress,
      },
    );
    expect(lines[1]).toMatch(/^PerFile\s+RUNNING\s+1\s+7,412 \/ 10,000 ✓7,400 ✗12$/);
  });

  it('given run --json lines with a child execution interleaved, when parsed, then only the parent log remains, unchanged', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const parent: ExecutionEvent[] = [
      { seq: 1, type: 'ExecutionStarted', at, executionId: 'p', flowId: 'f', definitionHash: 'h', input: {} },
      { seq: 2, type: 'MapStarted', at, step: 'M', path: 'M', attempt: 1, total: 1, concurrency: 1 },
      {
        seq: 3,
        type: 'MapIterationSucceeded',
        at,
        step: 'M',
        path: 'M',
        attempt: 1,
        index: 0,
        childId: 'p~M~1~0',
        output: 1,
      },
    ];
    const child: ExecutionEvent[] = [
      {
        seq: 1,
        type: 'ExecutionStarted',
        at,
        executionId: 'p~M~1~0',
        flowId: 'f~M',
        definitionHash: 'c',
        input: 'x',
      },
      { seq: 2, type: 'ExecutionSucceeded', at, output: 1 },
    ];
    const text = [
      toJsonLine(parent[0] as ExecutionEvent),
      toJsonLine(parent[1] as ExecutionEvent),
      ...child.map((e) => toJsonLine(e, 'p~M~1~0')),
      toJsonLine(parent[2] as ExecutionEvent),
    ].join('\n');
    expect(JSON.parse(text.split('\n')[3] ?? '{}')).toMatchObject({ executionId: 'p~M~1~0', seq: 2 });
    expect(parseEventLines(text, 'run.jsonl')).toEqual(parent);
  });
});
