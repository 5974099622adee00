import { describe, expect, it } from 'vitest';
import type { LaunchCommand } from '../../engine/core/index.ts';
import { def, Execution, ids, launched, sampleFlow, succeeded, types } from './fixtures.ts';

const sample = def(sampleFlow, 'sample-dag');

describe('sample DAG: Init → Step1 → Branch1 ∥ Branch2 → End', () => {
  it('given a new execution, when started, then ExecutionStarted and the launch of Init', () => {
    const x = new Execution(sample, { day: '2024-01-01' });

    expect(types(x.started)).toEqual(['ExecutionStarted']);
    expect(ids(x.started)).toEqual(['launch~Init~1']);
    expect(x.started.events[0]).toMatchObject({
      seq: 1,
      at: '2024-01-01T00:00:00.000Z',
      source: { kind: 'api' },
    });
    expect(x.state.steps.Init).toEqual({
      step: 'Init',
      path: 'Init',
      type: 'Task',
      status: 'LAUNCHING',
      attempt: 1,
    });
  });

  it.each([
    ['Branch1 first', ['Step2/0/Branch1', 'Step2/1/Branch2']],
    ['Branch2 first', ['Step2/1/Branch2', 'Step2/0/Branch1']],
  ])('given both branches running, when they succeed (%s), then the join fires exactly once', (_, order) => {
    const x = new Execution(sample);
    x.send(launched('Init', 1));
    expect(x.state.steps.Init?.status).toBe('RUNNING');
    const afterInit = x.send(succeeded('Init', 1, { id: 'abc' }));
    expect(types(afterInit)).toEqual(['StepSucceeded']);
    expect(ids(afterInit)).toEqual(['launch~Step1~1']);
    expect((afterInit.commands[0] as LaunchCommand).input).toEqual({ from: 'abc' });

    const afterStep1 = x.send(succeeded('Step1', 1, 'one'));
    expect(ids(afterStep1).sort()).toEqual(['launch~Step2%2F0%2FBranch1~1', 'launch~Step2%2F1%2FBranch2~1']);

    const first = x.send(succeeded(order[0] as string, 1, `out-${order[0]}`));
    expect(first.commands).toEqual([]);
    const second = x.send(succeeded(order[1] as string, 1, `out-${order[1]}`));
    expect(ids(second)).toEqual(['launch~End~1']);

    const done = x.send(succeeded('End', 1, { total: 2 }));
    expect(types(done)).toEqual(['StepSucceeded', 'ExecutionSucceeded']);
    expect(x.state.status).toBe('SUCCEEDED');
    expect(x.state.output).toEqual({ total: 2 });
    expect(x.log.map((e) => e.seq)).toEqual(x.log.map((_e, i) => i + 1));
    expect(x.log.filter((e) => e.type === 'StepSucceeded')).toHaveLength(5);
    x.expectReplayMatches();
  });
});
