import { describe, expect, it } from 'vitest';
import { signalKey } from '../../engine/core/signals.ts';
import type { CorrelationTarget } from '../../engine/ports/index.ts';
import { type Correlatable, signalsFor } from '../../engine/signals/correlate.ts';
import { parse } from '../../engine/signals/parse.ts';
import { fixture, gen1End } from './fixtures.ts';

const target: CorrelationTarget = {
  executionId: 'e1a2b3c4',
  step: 'Load',
  path: 'Load',
  attempt: 1,
  commandId: 'launch~Load~1',
  targetType: 'CloudFunction',
};

function correlatable(raw: unknown): Correlatable {
  const o = parse(raw);
  if (o.kind === 'ignored' || o.kind === 'rejected')
    throw new Error(`fixture parsed as ${o.kind}: ${o.reason}`);
  return o;
}

describe('signalsFor: outcomes become StepError / output', () => {
  it('a gen1 500 becomes States.TaskFailed of kind function with the platform line as message', () => {
    const [signal] = signalsFor(correlatable(fixture('cloud-functions-gen1', 1)), target);
    expect(signal).toEqual({
      kind: 'completed',
      outcome: 'failed',
      path: 'Load',
      attempt: 1,
      source: { kind: 'log', id: '000001-1a2b' },
      error: {
        name: 'States.TaskFailed',
        kind: 'function',
        message: 'Function execution took 12 ms, finished with status code: 500',
        cause: {
          status: 500,
          function: 'load-orders',
          executionLabel: 'x9k2m1p0q7ab',
          trace: '0af7651916cd43dd8448eb211c80319c',
        },
      },
    });
  });

  it('a gen1 success has a null output (logs carry none) and the attempt of the target', () => {
    const [signal] = signalsFor(correlatable(fixture('cloud-functions-gen1', 0)), {
      ...target,
      path: 'P/1/Load',
      attempt: 3,
    });
    expect(signal).toMatchObject({
      kind: 'completed',
      outcome: 'succeeded',
      output: null,
      path: 'P/1/Load',
      attempt: 3,
    });
  });

  it('a Cloud Run 502 names the request in the message', () => {
    const [signal] = signalsFor(correlatable(fixture('cloud-run-requests', 2)), target);
    expect(signal).toMatchObject({
      outcome: 'failed',
      error: {
        name: 'States.TaskFailed',
        kind: 'function',
        message:
          'POST https://load-orders-v2-638146343962.europe-west1.run.app/ finished with status code: 502 after 60.369159188s',
      },
    });
  });

  it('a Dataflow "Workflow failed." becomes a job failure carrying the causes', () => {
    const [signal] = signalsFor(correlatable(fixture('dataflow-job-messages', 1)), target);
    expect(signal).toMatchObject({
      outcome: 'failed',
      error: {
        name: 'States.TaskFailed',
        kind: 'job',
        cause: { jobId: '2026-11-23_02_20_11-1111111111111111111' },
      },
    });
    expect(signal?.kind === 'completed' && signal.outcome === 'failed' && signal.error.message).toMatch(
      /^Workflow failed\. Causes: S05/,
    );
  });

  it('an Eventarc DONE succeeds with the job as output', () => {
    const [signal] = signalsFor(correlatable(fixture('eventarc-dataflow', 0)), target);
    expect(signal).toMatchObject({
      outcome: 'succeeded',
      output: {
        jobId: '2026-11-23_03_30_56-9773037660972565699',
        jobName: 'firestep-e1a2b3c4-transform-1',
        state: 'JOB_STATE_DONE',
      },
      source: { kind: 'eventarc', id: 'd20f9a8d4703f3a4313c1dde7c1b1000' },
    });
  });

  it('an Eventarc RUNNING yields no signal', () => {
    expect(signalsFor(correlatable(fixture('eventarc-dataflow', 5)), target)).toEqual([]);
  });

  it('refuses to turn an unconfirmed "Worker pool stopped." into a signal', () => {
    expect(() => signalsFor(correlatable(fixture('dataflow-job-messages', 0)), target)).toThrow(/confirmed/);
  });

  it('a failed callback keeps the user error name and reports its lines first', () => {
    const signals = signalsFor(correlatable(fixture('callbacks-timers', 1)), target);
    expect(signals.map((s) => s.kind)).toEqual(['logged', 'completed']);
    expect(signals[0]).toMatchObject({ lines: ['reading orders.csv', 'header: id,customer'] });
    expect(signals[1]).toMatchObject({
      outcome: 'failed',
      error: { name: 'ValueError', kind: 'function', message: "orders.csv: column 'amount' missing" },
    });
  });

  it('a log-only callback is one logged signal with metadata', () => {
    expect(signalsFor(correlatable(fixture('callbacks-timers', 2)), target)).toEqual([
      {
        kind: 'logged',
        lines: ['50% done'],
        metadata: { progress: 0.5 },
        path: 'Load',
        attempt: 1,
        source: { kind: 'callback', id: '9f3b8c74-5e4a-4b2d-9c73-2e0a4f9d1b33' },
      },
    ]);
  });

  it('a timer message becomes a timer signal for its own attempt', () => {
    expect(signalsFor(correlatable(fixture('callbacks-timers', 4)), undefined)).toEqual([
      {
        kind: 'timer',
        timer: 'retry',
        path: 'Load',
        attempt: 2,
        source: { kind: 'timer', id: 'timer-retry~Load~2' },
      },
    ]);
  });
});

describe('signalsFor: one completion, one dedupe key', () => {
  it('the callback and the platform line of the same attempt have two keys (#succeeded, #ended): the late one still reaches decide, which keeps one success (issue 13 item 5)', () => {
    // given the SDK callback and the platform's end line for attempt 1 of Load
    const [fromCallback] = signalsFor(correlatable(fixture('callbacks-timers', 0)), target);
    const [fromLog] = signalsFor(correlatable(gen1End('4bf92f3577b34da6a3ce929d0e0e4736')), target);
    // then the callback carries the output, the platform line only says the process ended well
    expect(fromCallback && signalKey(fromCallback)).toBe('Load#1#succeeded');
    expect(fromLog && signalKey(fromLog)).toBe('Load#1#ended');
    expect(fromLog).toMatchObject({ kind: 'completed', outcome: 'succeeded', output: null, platform: true });
    expect(fromCallback).not.toHaveProperty('platform');
  });

  it('a failure line and a failure callback of the same attempt still share the key path#attempt#failed', () => {
    const failedLine = gen1End('4bf92f3577b34da6a3ce929d0e0e4736', { status: 500 });
    const [fromLog] = signalsFor(correlatable(failedLine), target);
    expect(fromLog && signalKey(fromLog)).toBe('Load#1#failed');
  });

  it('an Eventarc DONE and a confirmed log line of the same attempt share a key too', () => {
    const [a] = signalsFor(correlatable(fixture('eventarc-dataflow', 0)), target);
    const [b] = signalsFor(correlatable(fixture('eventarc-dataflow', 3)), target);
    expect(a && signalKey(a)).toBe(b && signalKey(b));
  });
});
