/**
 * Notifications in the pure core: which end writes which `notify` command, what it carries, and how
 * the `notified` outcome is recorded (once per rule and round, replayable, changing nothing else).
 */
import { describe, expect, it } from 'vitest';
import type { Command, NotifyCommand } from '../../engine/core/commands.ts';
import { applyDecision, decide } from '../../engine/core/decide.ts';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { endStatus, notificationAttributes, notifyCommands } from '../../engine/core/notify.ts';
import { replay } from '../../engine/core/replay.ts';
import { type Signal, signalKey } from '../../engine/core/signals.ts';
import { start } from '../../engine/core/start.ts';
import type { ExecutionState } from '../../engine/core/state.ts';
import { cloudFunction, defineFlow, fail, task } from '../../engine/flow/index.ts';
import type { FlowDefinition, NotifyRule } from '../../engine/flow/model.ts';

const T0 = '2026-01-05T01:00:00.000Z';
const T1 = '2026-01-05T01:05:00.000Z';
const source = { kind: 'log' as const, id: 'x' };

const RULES: NotifyRule[] = [
  { on: ['FAILED', 'TIMED_OUT'], pubsub: 'alerts' },
  { on: ['SUCCEEDED', 'CANCELLED'], webhook: 'https://hooks.example/firestep' },
];

const loadFlow: FlowDefinition = defineFlow({
  id: 'load',
  start: 'Load',
  steps: { Load: task(cloudFunction('load', { project_id: 'p', region: 'r' }), { end: true }) },
  notify: RULES,
});

const notifies = (commands: Command[]): NotifyCommand[] =>
  commands.filter((c): c is NotifyCommand => c.kind === 'notify');

function started(def: FlowDefinition = loadFlow): { state: ExecutionState; log: ExecutionEvent[] } {
  const { state, decision } = start(def, { day: 1 }, { executionId: 'load~n1', name: 'n1', now: T0 });
  return { state, log: decision.events };
}

function step(
  def: FlowDefinition,
  from: { state: ExecutionState; log: ExecutionEvent[] },
  signal: Signal,
  now = T1,
) {
  const decision = decide(def, from.state, signal, now);
  return {
    decision,
    state: applyDecision(def, from.state, decision),
    log: [...from.log, ...decision.events],
  };
}

const failed: Signal = {
  kind: 'completed',
  outcome: 'failed',
  path: 'Load',
  attempt: 1,
  error: { name: 'States.TaskFailed', kind: 'function', message: 'boom' },
  source,
};

describe('notify commands', () => {
  it('given a step failing the execution, when decided, then the FAILED rule gets one command with the documented payload', () => {
    const after = step(loadFlow, started(), failed);
    const [command, ...more] = notifies(after.decision.commands);
    expect(more).toEqual([]);
    expect(command).toEqual({
      id: 'notify~0~1',
      kind: 'notify',
      executionId: 'load~n1',
      flowId: 'load',
      step: '(notify)',
      path: 'notify[0]',
      attempt: 1,
      rule: 0,
      channel: { pubsub: 'alerts' },
      payload: {
        type: 'firestep.execution.finished',
        executionId: 'load~n1',
        flowId: 'load',
        status: 'FAILED',
        name: 'n1',
        startedAt: T0,
        finishedAt: T1,
        error: { name: 'States.TaskFailed', kind: 'function', message: 'boom' },
        redriveCount: 0,
        hint: 'firestep history load~n1',
      },
    });
    expect(notificationAttributes(command?.payload ?? ({} as never))).toEqual({
      type: 'firestep.execution.finished',
      executionId: 'load~n1',
      flowId: 'load',
      status: 'FAILED',
      errorName: 'States.TaskFailed',
    });
  });

  it('given success and cancel, then only the rules listing them notify; a flow without notify writes none', () => {
    const ok = step(loadFlow, started(), {
      kind: 'completed',
      outcome: 'succeeded',
      path: 'Load',
      attempt: 1,
      output: { rows: 1 },
      source,
    });
    expect(notifies(ok.decision.commands).map((c) => [c.id, c.payload.status])).toEqual([
      ['notify~1~1', 'SUCCEEDED'],
    ]);

    const cancelled = step(loadFlow, started(), { kind: 'cancel', reason: 'wrong day', source });
    const [c] = notifies(cancelled.decision.commands);
    expect(c?.payload).toMatchObject({ status: 'CANCELLED', reason: 'wrong day' });
    expect(c?.payload.error).toBeUndefined();

    const quiet = { ...loadFlow, flow: { ...loadFlow.flow, notify: undefined } };
    expect(notifies(step(quiet, started(quiet), failed).decision.commands)).toEqual([]);
  });

  it('given an execution ending at its start (a Fail step), then the start decision carries the command', () => {
    const def = defineFlow({
      id: 'f',
      start: 'Stop',
      steps: { Stop: fail({ error: 'Data.Missing' }) },
      notify: RULES,
    });
    const { decision } = start(def, {}, { executionId: 'f~1', now: T0 });
    expect(notifies(decision.commands).map((c) => c.id)).toEqual(['notify~0~1']);
  });

  it('given a terminal signal delivered again, or a signal after the end, then no second command', () => {
    const after = step(loadFlow, started(), failed);
    const again = decide(loadFlow, after.state, failed, T1);
    expect(again.ignored?.code).toBe('EXECUTION_FINISHED');
    expect(again.commands).toEqual([]);
    const cancelAfter = decide(loadFlow, after.state, { kind: 'cancel', reason: 'late', source }, T1);
    expect(cancelAfter.commands).toEqual([]);
  });

  it('given a redriven execution that fails again, then round 2 has its own command id', () => {
    const first = step(loadFlow, started(), failed);
    const redriven = step(loadFlow, first, { kind: 'redrive', source });
    expect(notifies(redriven.decision.commands)).toEqual([]);
    const attempt = redriven.state.steps.Load?.attempt ?? 0;
    expect(attempt).toBeGreaterThan(1);
    const second = step(loadFlow, redriven, { ...failed, attempt });
    expect(second.state.status).toBe('FAILED');
    expect(notifies(second.decision.commands).map((c) => [c.id, c.payload.redriveCount])).toEqual([
      ['notify~0~2', 1],
    ]);
  });
});

describe('the end status', () => {
  it('given an execution ended by its own time limit (ExecutionTimedOut), then TIMED_OUT rules match, whatever status the event sets', () => {
    const { state } = step(loadFlow, started(), failed);
    expect(endStatus(state, 'ExecutionFailed')).toBe('FAILED');
    expect(endStatus(state, 'ExecutionTimedOut')).toBe('TIMED_OUT');
    expect(endStatus({ ...state, status: 'TIMED_OUT' as never })).toBe('TIMED_OUT');
    expect(endStatus({ ...state, status: 'RUNNING' }, 'ExecutionTimedOut')).toBeUndefined();
    const timedOut = notifyCommands(loadFlow, state, T1, { type: 'ExecutionTimedOut' });
    expect(timedOut.map((c) => [c.id, c.payload.status])).toEqual([['notify~0~1', 'TIMED_OUT']]);
  });
});

describe('the notified outcome', () => {
  const ended = () => step(loadFlow, started(), failed);
  const sent = (round = 1): Signal => ({
    kind: 'notified',
    outcome: 'sent',
    commandId: `notify~0~${round}`,
    rule: 0,
    round,
    channel: { pubsub: 'alerts' },
    messageId: '42',
    source: { kind: 'dispatcher', id: `notify~0~${round}` },
  });

  it('given a finished execution, when the notification is sent, then NotificationSent is appended and nothing else changes; replay agrees', () => {
    const before = ended();
    const after = step(loadFlow, before, sent());
    expect(after.decision.events.map((e) => e.type)).toEqual(['NotificationSent']);
    expect(after.decision.events[0]).toMatchObject({
      rule: 0,
      round: 1,
      messageId: '42',
      channel: { pubsub: 'alerts' },
    });
    expect(after.decision.commands).toEqual([]);
    expect(after.state.status).toBe('FAILED');
    expect(after.state.error).toEqual(before.state.error);
    expect(after.state.lastSeq).toBe(before.state.lastSeq + 1);
    expect(replay(loadFlow, after.log)).toEqual(after.state);
  });

  it('given a sent and a failed outcome of one notification, then they share one dedupe key; rounds differ', () => {
    const failedOutcome: Signal = {
      ...(sent() as Extract<Signal, { kind: 'notified' }>),
      outcome: 'failed',
      error: { name: 'States.NotificationFailed', kind: 'http', message: 'HTTP 500' },
    };
    expect(signalKey(sent())).toBe('notify#0#1');
    expect(signalKey(failedOutcome)).toBe(signalKey(sent()));
    expect(signalKey(sent(2))).toBe('notify#0#2');
    const recorded = step(loadFlow, ended(), failedOutcome);
    expect(recorded.decision.events[0]).toMatchObject({
      type: 'NotificationFailed',
      error: { message: 'HTTP 500' },
    });
  });

  it('given a malformed notified signal, then SIGNAL_MALFORMED', () => {
    const bad = { ...sent(), rule: 'zero' } as unknown as Signal;
    expect(() => decide(loadFlow, ended().state, bad, T1)).toThrow(/integer rule and round/);
  });
});
