import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { compileFlow, MACHINE_VERSION } from '../../engine/flow/compile.ts';
import type { MachineAction, MachineEvent } from '../../engine/flow/machine-contract.ts';
import { flowSetup } from '../../engine/flow/machine-logic.ts';
import type { Flow } from '../../engine/flow/model.ts';
import { walkSteps } from '../../engine/flow/paths.ts';
import { sampleFlow, task } from '../core/fixtures.ts';
import { arbitraryFlow } from '../core/random-flows.ts';

type Machine = ReturnType<typeof compileFlow>['machine'];
type Snapshot = ReturnType<Machine['resolveState']>;

function contract(actions: ReadonlyArray<{ type: string; params?: unknown }>): MachineAction[] {
  return actions
    .filter((a) => ['launch', 'scheduleRetry', 'scheduleWait', 'failExecution'].includes(a.type))
    .map((a) => ({ type: a.type, params: a.params }) as MachineAction);
}

function send(machine: Machine, snapshot: Snapshot, event: MachineEvent): [Snapshot, MachineAction[]] {
  const [next, actions] = transition(machine, snapshot, event);
  return [next, contract(actions)];
}

describe('compileFlow: the config', () => {
  it('is plain JSON, deterministic, and a machine built from the parsed JSON behaves the same', () => {
    const { config, machine } = compileFlow(sampleFlow);
    const json = JSON.parse(JSON.stringify(config));
    expect(json).toEqual(config);
    expect(compileFlow(structuredClone(sampleFlow)).config).toEqual(config);

    const fromJson = flowSetup.createMachine(json);
    const [a, actionsA] = initialTransition(machine, { x: 1 });
    const [b, actionsB] = initialTransition(fromJson, { x: 1 });
    expect(b.value).toEqual(a.value);
    expect(contract(actionsB)).toEqual(contract(actionsA));
  });

  it('maps the sample DAG: Tasks as running/retrying/failed, the Parallel as regions with onDone, ids = paths', () => {
    const { config } = compileFlow(sampleFlow);
    expect(config).toMatchObject({
      id: '$flow',
      initial: '$start',
      states: { $start: { always: [{ target: '#Init' }] } },
    });
    expect(Object.keys(config.states ?? {})).toEqual(['$start', 'Init', 'Step1', 'Step2', 'End', '$end']);
    expect(Object.keys(config.states?.Init?.states ?? {})).toEqual(['running', 'retrying', 'failed']);
    const step2 = config.states?.Step2;
    expect(step2).toMatchObject({ id: 'Step2', type: 'parallel', onDone: { target: '#End' } });
    expect(step2?.states?.branch1).toMatchObject({
      initial: 'Branch2',
      states: { Branch2: { id: 'Step2/1/Branch2' }, $end: { type: 'final' } },
    });
    expect(config.states?.Init?.states?.running?.on?.STEP_SUCCEEDED).toEqual([
      {
        guard: { type: 'isAttempt', params: { path: 'Init' } },
        target: '#Step1',
        actions: [{ type: 'recordOutput', params: { path: 'Init', step: 'Init' } }],
      },
    ]);
  });

  it('has the shape of MACHINE_VERSION (when this fails: bump MACHINE_VERSION, then update the hash)', () => {
    const shape = createHash('sha256')
      .update(JSON.stringify(compileFlow(sampleFlow).config))
      .digest('hex');
    expect({ version: MACHINE_VERSION, shape }).toEqual({
      version: 2,
      shape: '992f4178d15c791cbc2d1d37a7f403e03413ead78a440ee6eaf2fad7ce49bacb',
    });
  });

  it('rejects step names that cannot be state keys, naming the step', () => {
    const bad: Flow = { start: 'a.b', steps: { 'a.b': task('X', null) } };
    expect(() => compileFlow(bad)).toThrow(
      expect.objectContaining({ code: 'FLOW_INVALID', message: expect.stringContaining('"a.b"') }),
    );
    const badStart: Flow = { start: 'Nope', steps: { A: task('A', null) } };
    expect(() => compileFlow(badStart)).toThrow(/start "Nope"/);
    const badCatch: Flow = {
      start: 'P',
      steps: {
        P: {
          type: 'Parallel',
          branches: [
            {
              start: 'A',
              steps: { A: task('A', null, { catch: [{ errors: ['States.ALL'], next: 'Edn' }] }) },
            },
          ],
          end: true,
        },
      },
    };
    expect(() => compileFlow(badCatch)).toThrow('branch P/0: step "A" catch[0].next: unknown step "Edn"');
  });
});

describe('compileFlow: walking the machine with pure transitions', () => {
  const { machine } = compileFlow(sampleFlow);

  it('launches Init, ignores stale and foreign completions, joins once, and reaches done', () => {
    let [s, actions] = initialTransition(machine, {});
    expect(contract(actions)).toEqual([
      { type: 'launch', params: { path: 'Init', step: 'Init', attempt: 1 } },
    ]);
    let out: MachineAction[];
    [s, out] = send(machine, s, { type: 'STEP_SUCCEEDED', path: 'Init', attempt: 2, output: null });
    expect(out).toEqual([]);
    [s, out] = send(machine, s, { type: 'STEP_SUCCEEDED', path: 'Step1', attempt: 1, output: null });
    expect(out).toEqual([]);
    expect(s.value).toEqual({ Init: 'running' });
    [s] = send(machine, s, { type: 'STEP_SUCCEEDED', path: 'Init', attempt: 1, output: 'i' });
    [s, out] = send(machine, s, { type: 'STEP_SUCCEEDED', path: 'Step1', attempt: 1, output: 's' });
    expect(out.map((a) => a.type === 'launch' && a.params.path)).toEqual([
      'Step2/0/Branch1',
      'Step2/1/Branch2',
    ]);
    [s, out] = send(machine, s, {
      type: 'STEP_SUCCEEDED',
      path: 'Step2/1/Branch2',
      attempt: 1,
      output: 'b2',
    });
    expect(out).toEqual([]);
    [s, out] = send(machine, s, {
      type: 'STEP_SUCCEEDED',
      path: 'Step2/1/Branch2',
      attempt: 1,
      output: 'again',
    });
    expect(out).toEqual([]);
    [s, out] = send(machine, s, {
      type: 'STEP_SUCCEEDED',
      path: 'Step2/0/Branch1',
      attempt: 1,
      output: 'b1',
    });
    expect(out).toEqual([{ type: 'launch', params: { path: 'End', step: 'End', attempt: 1 } }]);
    expect(s.context.outputs.Step2).toEqual(['b1', 'b2']);
    [s] = send(machine, s, { type: 'STEP_SUCCEEDED', path: 'End', attempt: 1, output: 'e' });
    expect(s.status).toBe('done');
    expect(s.context.lastOutput).toBe('e');
  });

  it('resumes from persisted JSON with resolveState', () => {
    let [s] = initialTransition(machine, {});
    [s] = send(machine, s, { type: 'STEP_SUCCEEDED', path: 'Init', attempt: 1, output: 'i' });
    const persisted = JSON.parse(JSON.stringify({ value: s.value, context: s.context }));
    const restored = machine.resolveState(persisted);
    const [, out] = send(machine, restored, {
      type: 'STEP_SUCCEEDED',
      path: 'Step1',
      attempt: 1,
      output: 's',
    });
    expect(out).toHaveLength(2);
  });

  it('retries with backoff, re-enters running on RETRY_DUE for the next attempt only, then fails into the dead end', () => {
    const { machine: m } = compileFlow({
      start: 'W',
      steps: { W: task('W', null, { retry: [{ max_attempts: 2, interval_seconds: 3, backoff_rate: 2 }] }) },
    });
    const error = { name: 'X', kind: 'function' as const, message: 'x' };
    let [s] = initialTransition(m, {});
    let out: MachineAction[];
    [s, out] = send(m, s, { type: 'STEP_FAILED', path: 'W', attempt: 1, error });
    expect(out).toEqual([
      {
        type: 'scheduleRetry',
        params: { path: 'W', step: 'W', attempt: 1, nextAttempt: 2, delaySeconds: 3 },
      },
    ]);
    expect(s.value).toEqual({ W: 'retrying' });
    [s, out] = send(m, s, { type: 'RETRY_DUE', path: 'W', attempt: 3 });
    expect(out).toEqual([]);
    [s, out] = send(m, s, { type: 'RETRY_DUE', path: 'W', attempt: 2 });
    expect(out).toEqual([{ type: 'launch', params: { path: 'W', step: 'W', attempt: 2 } }]);
    [s, out] = send(m, s, { type: 'STEP_TIMED_OUT', path: 'W', attempt: 2 });
    expect(out).toEqual([
      {
        type: 'scheduleRetry',
        params: { path: 'W', step: 'W', attempt: 2, nextAttempt: 3, delaySeconds: 6 },
      },
    ]);
    [s] = send(m, s, { type: 'RETRY_DUE', path: 'W', attempt: 3 });
    [s, out] = send(m, s, { type: 'STEP_FAILED', path: 'W', attempt: 3, error });
    expect(out).toEqual([{ type: 'failExecution', params: { path: 'W', step: 'W', error } }]);
    expect(s.value).toEqual({ W: 'failed' });
    expect(s.status).toBe('active');
    [s, out] = send(m, s, { type: 'REDRIVE' });
    expect(out).toEqual([{ type: 'launch', params: { path: 'W', step: 'W', attempt: 4 } }]);
  });
});

describe('compileFlow: every valid DAG compiles and reaches a final state when every task succeeds', () => {
  it('holds for random flows (nested parallels, conditions, waits)', () => {
    fc.assert(
      fc.property(arbitraryFlow, fc.boolean(), (flow, flag) => {
        const { machine } = compileFlow(flow);
        let [s, raw] = initialTransition(machine, { flag });
        const queue = contract(raw);
        let failedExecution = false;
        for (let i = 0; i < 1_000 && queue.length > 0; i++) {
          const action = queue.shift() as MachineAction;
          let event: MachineEvent | undefined;
          if (action.type === 'launch')
            event = {
              type: 'STEP_SUCCEEDED',
              path: action.params.path,
              attempt: action.params.attempt,
              output: i,
            };
          else if (action.type === 'scheduleWait')
            event = { type: 'WAIT_ELAPSED', path: action.params.path, attempt: action.params.attempt };
          else if (action.type === 'failExecution') failedExecution = true;
          if (event === undefined) continue;
          [s, raw] = transition(machine, s, event);
          queue.push(...contract(raw));
        }
        const failSteps = [...walkSteps(flow)].some(
          (x) => x.step.type === 'Fail' || x.step.type === 'Condition',
        );
        if (!failedExecution) expect(s.status).toBe('done');
        else expect(failSteps).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
