import { describe, expect, it } from 'vitest';
import { EXECUTION_TIMER_PATH } from '../../engine/core/index.ts';
import type { Flow } from '../../engine/flow/model.ts';
import {
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

const timed = def({ ...sampleFlow, timeout_seconds: 3600 }, 'timed-dag');
const fire = (run = 1) => timer('execution', EXECUTION_TIMER_PATH, run);
const REDRIVE = { kind: 'redrive', source: { kind: 'api', id: 'req-1' } } as const;

describe('execution timeout (flow timeout_seconds)', () => {
  it('given a flow with timeout_seconds, when it starts, then an execution timer is scheduled at start + timeout', () => {
    const x = new Execution(timed);
    expect(ids(x.started)).toEqual(['launch~Init~1', 'timer-execution~%24execution~1']);
    expect(x.started.commands[1]).toMatchObject({
      kind: 'timer',
      timer: 'execution',
      path: '$execution',
      attempt: 1,
      dueAt: '2024-01-01T01:00:00.000Z',
    });
  });

  it('given a flow without one, when it starts, then no execution timer', () => {
    expect(ids(new Execution(def(sampleFlow)).started)).toEqual(['launch~Init~1']);
  });

  it('given running branches, when the execution timer fires, then ExecutionTimedOut with States.Timeout and a cancel command per running task', () => {
    const x = new Execution(timed);
    x.send(succeeded('Init', 1));
    x.send(succeeded('Step1', 1));
    x.send(launched('Step2/0/Branch1', 1));
    const out = x.send(fire());
    expect(types(out)).toEqual(['ExecutionTimedOut']);
    expect(out.events[0]).toMatchObject({
      timeoutSeconds: 3600,
      run: 1,
      error: { name: 'States.Timeout', kind: 'timeout' },
    });
    expect(ids(out)).toEqual(['cancel~Step2%2F0%2FBranch1~1', 'cancel~Step2%2F1%2FBranch2~1']);
    expect(x.state.status).toBe('TIMED_OUT');
    expect(x.state.error?.name).toBe('States.Timeout');
    expect(x.state.steps['Step2/1/Branch2']?.status).toBe('CANCELLED');
    expect(x.state.steps.Init?.status).toBe('SUCCEEDED');
    x.expectReplayMatches();
  });

  it('given a timed-out execution, when the timer is delivered again or a completion arrives, then nothing changes', () => {
    const x = new Execution(timed);
    x.send(fire());
    expect(x.send(fire()).ignored?.code).toBe('EXECUTION_FINISHED');
    expect(x.send(succeeded('Init', 1)).ignored?.code).toBe('EXECUTION_FINISHED');
    expect(x.send(REDRIVE).ignored?.code).toBe('NOT_REDRIVABLE');
    expect(x.types()).toEqual(['ExecutionStarted', 'ExecutionTimedOut']);
  });

  it('given an execution that finished first, when its timer fires late, then it is a no-op', () => {
    const flow: Flow = { start: 'Only', steps: { Only: task('Only', null) }, timeout_seconds: 60 };
    const x = new Execution(def(flow));
    x.send(succeeded('Only', 1));
    expect(x.state.status).toBe('SUCCEEDED');
    const late = x.send(fire());
    expect(late.ignored?.code).toBe('EXECUTION_FINISHED');
    expect(late.events).toEqual([]);
  });

  it('given a redriven execution, when the first run’s timer fires, then it is stale; the redrive’s own timer times it out', () => {
    const x = new Execution(timed);
    x.send(failed('Init', 1));
    expect(x.state.status).toBe('FAILED');
    const redrive = x.send(REDRIVE);
    expect(ids(redrive)).toEqual(['launch~Init~2', 'timer-execution~%24execution~2']);
    expect(x.send(fire(1)).ignored?.code).toBe('STALE_ATTEMPT');
    const out = x.send(fire(2));
    expect(types(out)).toEqual(['ExecutionTimedOut']);
    expect(out.events[0]).toMatchObject({ run: 2 });
    x.expectReplayMatches();
  });

  it('given a flow that ends in its first decision, when it starts, then no timer is scheduled', () => {
    const x = new Execution(def({ start: 'Done', steps: { Done: { type: 'End' } }, timeout_seconds: 5 }));
    expect(x.state.status === 'RUNNING').toBe(false);
    expect(x.started.commands).toEqual([]);
  });
});
