import { describe, expect, it } from 'vitest';
import { decide, evolve, replay, toHead } from '../../engine/core/index.ts';
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

const sample = def(sampleFlow, 'sample-dag');
const REDRIVE = { kind: 'redrive', source: { kind: 'api', id: 'req-1' } } as const;

function atBranches(): Execution {
  const x = new Execution(sample);
  x.send(succeeded('Init', 1));
  x.send(succeeded('Step1', 1));
  return x;
}

describe('cancel', () => {
  it('given running branches, when cancelled, then ExecutionCancelled and a cancel command per running task', () => {
    const x = atBranches();
    x.send(launched('Step2/0/Branch1', 1));
    const out = x.send({ kind: 'cancel', reason: 'operator asked', source: { kind: 'api' } });
    expect(types(out)).toEqual(['ExecutionCancelled']);
    expect(ids(out)).toEqual(['cancel~Step2%2F0%2FBranch1~1', 'cancel~Step2%2F1%2FBranch2~1']);
    expect(out.commands[0]).toMatchObject({
      kind: 'cancel',
      receipt: { url: 'https://example.test/Step2/0/Branch1' },
    });
    expect(x.state.status).toBe('CANCELLED');
    expect(x.state.steps['Step2/1/Branch2']?.status).toBe('CANCELLED');
    expect(x.state.steps.Init?.status).toBe('SUCCEEDED');
    x.expectReplayMatches();
  });

  it('given a cancelled execution, when anything arrives, then EXECUTION_FINISHED and cancel again changes nothing', () => {
    const x = atBranches();
    x.send({ kind: 'cancel', reason: 'r', source: { kind: 'api' } });
    expect(x.send(succeeded('Step2/0/Branch1', 1)).ignored?.code).toBe('EXECUTION_FINISHED');
    expect(x.send({ kind: 'cancel', reason: 'r', source: { kind: 'api' } }).ignored?.code).toBe(
      'EXECUTION_FINISHED',
    );
    expect(x.send(REDRIVE).ignored?.code).toBe('EXECUTION_FINISHED');
  });

  it('given a cancelled execution, when a launch receipt arrives late, then it is recorded for audit and the status stays CANCELLED', () => {
    const x = atBranches();
    x.send({ kind: 'cancel', reason: 'r', source: { kind: 'api' } });
    const late = x.send(launched('Step2/1/Branch2', 1));
    expect(types(late)).toEqual(['StepLaunched']);
    expect(late.commands).toEqual([]);
    expect(x.state.status).toBe('CANCELLED');
    expect(x.state.steps['Step2/1/Branch2']).toMatchObject({
      status: 'CANCELLED',
      receipt: { target: 'CloudFunction' },
    });
    x.expectReplayMatches();
  });
});

describe('redrive', () => {
  it('given a failed branch, when redriven, then the failed branch relaunches with attempt 2 and the execution can succeed', () => {
    const x = atBranches();
    x.send(succeeded('Step2/1/Branch2', 1, 'two'));
    x.send(failed('Step2/0/Branch1', 1));
    expect(x.state.status).toBe('FAILED');

    const out = x.send(REDRIVE);

    expect(types(out)).toEqual(['ExecutionRedriven']);
    expect(out.events[0]).toMatchObject({
      redriveCount: 1,
      paths: ['Step2/0/Branch1'],
      source: { id: 'req-1' },
    });
    expect(ids(out)).toEqual(['launch~Step2%2F0%2FBranch1~2']);
    expect(x.state).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
    expect(x.state.error).toBeUndefined();
    expect(x.send(succeeded('Step2/0/Branch1', 1)).ignored?.code).toBe('STALE_ATTEMPT');
    expect(ids(x.send(succeeded('Step2/0/Branch1', 2, 'one')))).toEqual(['launch~End~1']);
    x.send(succeeded('End', 1, 'end'));
    expect(x.state.status).toBe('SUCCEEDED');
    x.expectReplayMatches();
  });

  it('given a failure while another branch was still running, when redriven, then both are relaunched', () => {
    const x = atBranches();
    x.send(failed('Step2/0/Branch1', 1));
    const out = x.send(REDRIVE);
    expect(ids(out).sort()).toEqual(['launch~Step2%2F0%2FBranch1~2', 'launch~Step2%2F1%2FBranch2~2']);
  });

  it('given a RUNNING execution, when redrive arrives, then NOT_REDRIVABLE; once SUCCEEDED, EXECUTION_FINISHED', () => {
    const x = atBranches();
    expect(x.send(REDRIVE).ignored?.code).toBe('NOT_REDRIVABLE');
    x.send(succeeded('Step2/0/Branch1', 1));
    x.send(succeeded('Step2/1/Branch2', 1));
    x.send(succeeded('End', 1));
    expect(x.send(REDRIVE).ignored?.code).toBe('EXECUTION_FINISHED');
  });

  it('given a Wait pending when another branch failed, when redriven, then the wait is rescheduled as attempt 2', () => {
    const flow: Flow = {
      start: 'Both',
      steps: {
        Both: {
          type: 'Parallel',
          branches: [
            { start: 'Pause', steps: { Pause: { type: 'Wait', seconds: 60, end: true } } },
            { start: 'Work', steps: { Work: task('Work', null) } },
          ],
          end: true,
        },
      },
    };
    const x = new Execution(def(flow));
    x.send(failed('Both/1/Work', 1));
    const out = x.send(REDRIVE);
    expect(ids(out).sort()).toEqual(['launch~Both%2F1%2FWork~2', 'timer-wait~Both%2F0%2FPause~2']);
    expect(x.send(timer('wait', 'Both/0/Pause', 1)).ignored?.code).toBe('STALE_ATTEMPT');
    x.send(timer('wait', 'Both/0/Pause', 2));
    x.send(succeeded('Both/1/Work', 2, 'w'));
    expect(x.state.status).toBe('SUCCEEDED');
    expect(x.state.output).toEqual([{}, 'w']);
    x.expectReplayMatches();
  });
});

describe('ignored signals (idempotency in the model)', () => {
  it('given an unknown path, then UNKNOWN_STEP', () => {
    const x = new Execution(sample);
    const out = x.send(succeeded('Step2/7/Nope', 1));
    expect(out).toEqual({
      events: [],
      commands: [],
      ignored: { code: 'UNKNOWN_STEP', message: expect.stringContaining('Step2/7/Nope') },
    });
  });

  it('given a path that is a Parallel, then UNKNOWN_STEP', () => {
    expect(new Execution(sample).send(succeeded('Step2', 1)).ignored?.code).toBe('UNKNOWN_STEP');
  });

  it('given a step not started yet or another attempt, then STALE_ATTEMPT', () => {
    const x = new Execution(sample);
    expect(x.send(succeeded('Step1', 1)).ignored?.code).toBe('STALE_ATTEMPT');
    expect(x.send(succeeded('Init', 2)).ignored?.code).toBe('STALE_ATTEMPT');
    expect(x.send(timer('retry', 'Init', 2)).ignored?.code).toBe('STALE_ATTEMPT');
  });

  it('given a duplicate completion, then ALREADY_TERMINAL and nothing changes', () => {
    const x = new Execution(sample);
    x.send(succeeded('Init', 1, 'first'));
    const before = x.state;
    const dup = x.send(succeeded('Init', 1, 'second'));
    const contradicting = x.send(failed('Init', 1));
    expect(dup.ignored?.code).toBe('ALREADY_TERMINAL');
    expect(contradicting.ignored?.code).toBe('ALREADY_TERMINAL');
    expect(x.state).toBe(before);
  });

  it('given a completion before its launch is recorded, then it is accepted and the late receipt is still recorded', () => {
    const x = new Execution(sample);
    expect(types(x.send(succeeded('Init', 1)))).toEqual(['StepSucceeded']);
    const late = x.send(launched('Init', 1));
    expect(types(late)).toEqual(['StepLaunched']);
    expect(x.state.steps.Init).toMatchObject({ status: 'SUCCEEDED', receipt: { target: 'CloudFunction' } });
    expect(x.send(launched('Init', 1)).ignored?.code).toBe('ALREADY_TERMINAL');
    x.expectReplayMatches();
  });

  it('given the last step completes before its launch is recorded, then the late receipt is still recorded after ExecutionSucceeded', () => {
    const x = new Execution(def({ start: 'A', steps: { A: task('A', null) } }));
    expect(types(x.send(succeeded('A', 1, 'a')))).toEqual(['StepSucceeded', 'ExecutionSucceeded']);
    expect(types(x.send(launched('A', 1)))).toEqual(['StepLaunched']);
    expect(x.state).toMatchObject({ status: 'SUCCEEDED', output: 'a', lastSeq: 4 });
    expect(x.state.steps.A).toMatchObject({ status: 'SUCCEEDED', receipt: { target: 'CloudFunction' } });
    expect(x.send(launched('A', 1)).ignored?.code).toBe('ALREADY_TERMINAL');
    x.expectReplayMatches();
  });

  it('given log lines from a running attempt, then StepLogged is recorded without changing the flow', () => {
    const x = new Execution(sample);
    const out = x.send({
      kind: 'logged',
      path: 'Init',
      attempt: 1,
      lines: ['hello'],
      source: { kind: 'callback', id: 'c1' },
    });
    expect(out.events).toEqual([
      expect.objectContaining({ type: 'StepLogged', lines: ['hello'], step: 'Init' }),
    ]);
    expect(out.commands).toEqual([]);
    expect(x.state.steps.Init?.status).toBe('LAUNCHING');
  });

  it('given a malformed signal (e.g. read back from stored JSON), then SIGNAL_MALFORMED, not a TypeError', () => {
    const x = new Execution(sample);
    const bad = [
      undefined,
      { kind: 'finished', path: 'Init', attempt: 1 },
      { kind: 'completed', outcome: 'succeeded', attempt: 1, output: null },
      { kind: 'timer', timer: 'retry', path: 'Init', attempt: 0 },
      { kind: 'timer', timer: 'soon', path: 'Init', attempt: 1 },
      { kind: 'completed', outcome: 'maybe', path: 'Init', attempt: 1 },
      { kind: 'completed', outcome: 'failed', path: 'Init', attempt: 1 },
      { kind: 'launchFailed', path: 'Init', attempt: 1, error: 'boom' },
    ];
    for (const signal of bad) {
      expect(() => decide(sample, x.state, signal as never, '2024-01-01T00:00:01.000Z')).toThrow(
        expect.objectContaining({ code: 'SIGNAL_MALFORMED' }),
      );
    }
  });

  it('given a wait timer for a Task, then UNKNOWN_STEP', () => {
    expect(new Execution(sample).send(timer('wait', 'Init', 1)).ignored?.code).toBe('UNKNOWN_STEP');
  });
});

describe('seq, at and source', () => {
  it('every event gets the next seq, the decision time and the signal source', () => {
    const x = new Execution(def({ start: 'A', steps: { A: task('A', null) } }));
    const out = x.send(succeeded('A', 1, 1), '2024-05-05T05:05:05.000Z');
    expect(out.events.map((e) => [e.seq, e.type, e.at, e.source])).toEqual([
      [2, 'StepSucceeded', '2024-05-05T05:05:05.000Z', { kind: 'log', id: 'entry' }],
      [3, 'ExecutionSucceeded', '2024-05-05T05:05:05.000Z', { kind: 'log', id: 'entry' }],
    ]);
    expect(toHead(x.state)).toMatchObject({
      lastSeq: 3,
      updatedAt: '2024-05-05T05:05:05.000Z',
      status: 'SUCCEEDED',
    });
  });
});

describe('guards on the log', () => {
  it('given another definition, when deciding or replaying, then DEFINITION_MISMATCH', () => {
    const x = new Execution(sample);
    const other = def({ ...sampleFlow, start: 'Step1' }, 'sample-dag');
    expect(() => decide(other, x.state, succeeded('Init', 1), '2024-01-01T00:00:01.000Z')).toThrow(
      expect.objectContaining({ code: 'DEFINITION_MISMATCH' }),
    );
    expect(() => replay(other, x.log)).toThrow(expect.objectContaining({ code: 'DEFINITION_MISMATCH' }));
  });

  it('given a gap in the log, when replaying, then it throws naming the seq', () => {
    const x = new Execution(sample);
    x.send(succeeded('Init', 1));
    x.send(succeeded('Step1', 1));
    const gapped = [x.log[0], x.log[2]].filter((e) => e !== undefined);
    expect(() => replay(sample, gapped)).toThrow(/seq 3 does not follow 1/);
  });

  it('given no ExecutionStarted, then evolve and replay refuse', () => {
    const x = new Execution(sample);
    x.send(succeeded('Init', 1));
    expect(() => evolve(sample, undefined, x.log[1] as never)).toThrow(/before ExecutionStarted/);
    expect(() => replay(sample, [])).toThrow(expect.objectContaining({ code: 'EXECUTION_NOT_FOUND' }));
  });

  it('replays from a snapshot plus the tail', () => {
    const x = atBranches();
    const snapshot = JSON.parse(JSON.stringify(replay(sample, x.log.slice(0, 2))));
    expect(replay(sample, x.log.slice(2), snapshot)).toEqual(x.state);
  });
});
