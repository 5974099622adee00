import { afterAll, describe, expect, it } from 'vitest';
import { loadFlowFile } from '../../cli/flow-file.ts';
import { runLocal } from '../../cli/local/run-local.ts';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { bufferedIo, e2eScope, eventsOf, seqOf } from './support.ts';

const scope = e2eScope('e2e-run');
afterAll(() => scope.cleanup());

const sample = await loadFlowFile('examples/sample-dag.json');

function run(
  file: Awaited<ReturnType<typeof loadFlowFile>>,
  extra: Partial<Parameters<typeof runLocal>[0]> = {},
) {
  const io = bufferedIo();
  return runLocal({
    definition: file,
    input: {},
    io,
    recordDir: scope.recordDir,
    projectId: scope.project(),
    speed: 10,
    ...extra,
  }).then((result) => ({ ...result, io }));
}

const launched = (events: ExecutionEvent[]) =>
  events.filter((e): e is Extract<ExecutionEvent, { type: 'StepLaunched' }> => e.type === 'StepLaunched');

describe('run --local', () => {
  it('given the reference sample, when run, then it succeeds in the order Init → Step1 → Branch1 ∥ Branch2 → End with receipts', async () => {
    const { exitCode, head, events, transport, io } = await run(sample);

    expect(exitCode).toBe(0);
    expect(head.status).toBe('SUCCEEDED');
    expect(transport).toBe('pubsub');
    const done = (path: string) => seqOf(events, 'StepSucceeded', path);
    const start = (path: string) => seqOf(events, 'StepLaunched', path);
    expect(done('Init')).toBeLessThan(start('Step1'));
    expect(done('Step1')).toBeLessThan(Math.min(start('Step2/0/Branch1'), start('Step2/1/Branch2')));
    expect(Math.max(done('Step2/0/Branch1'), done('Step2/1/Branch2'))).toBeLessThan(start('End'));
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
    for (const e of launched(events)) {
      if (e.receipt.target === 'Dataflow') {
        expect(e.receipt.jobId).toMatch(/^\d{4}-\d{2}-\d{2}_/);
        expect(e.receipt.jobName).toMatch(/^word-count-demo-[a-z0-9]+$/);
      } else {
        expect(e.receipt.traceId).toMatch(/^[0-9a-f]{32}$/);
      }
    }
    expect(new Set(launched(events).map((e) => e.receipt.traceId ?? e.receipt.jobId)).size).toBe(5);
    // The SDK callback (with the output) is in before the platform's log line (which has none).
    const functionSteps = launched(events)
      .filter((e) => e.receipt.target === 'CloudFunction')
      .map((e) => e.path);
    expect(functionSteps.sort()).toEqual(['End', 'Init', 'Step1', 'Step2/1/Branch2']);
    for (const path of functionSteps) {
      const done = eventsOf(events, path).find((e) => e.type === 'StepSucceeded');
      expect(done, path).toMatchObject({ output: { step: path.split('/').at(-1), attempt: 1 } });
    }
    expect(io.out()).toContain('SUCCEEDED');
    expect(io.out()).toContain('replay --events');
  });

  it('given a failing Dataflow branch, when run, then the execution fails and the join step never starts', async () => {
    const { exitCode, head, events } = await run(sample, { fail: ['Branch1'] });

    expect(exitCode).toBe(2);
    expect(head.status).toBe('FAILED');
    const failed = eventsOf(events, 'Step2/0/Branch1').find((e) => e.type === 'StepFailed');
    expect(failed).toMatchObject({ type: 'StepFailed', error: { kind: 'job' } });
    expect(eventsOf(events, 'End')).toEqual([]);
    expect(events.filter((e) => e.type === 'ExecutionFailed')).toHaveLength(1);
  });

  it('given one function used by five steps, four of them at once in nested parallels, when run, then each step gets its own completion', async () => {
    const reuse = await loadFlowFile('test/e2e/flows/reuse.json');
    const { exitCode, events, head } = await run(reuse);

    expect(exitCode).toBe(0);
    const succeeded = events.filter(
      (e): e is Extract<ExecutionEvent, { type: 'StepSucceeded' }> => e.type === 'StepSucceeded',
    );
    expect(succeeded.map((e) => e.path).sort()).toEqual([
      'Fan/0/A',
      'Fan/1/B',
      'Fan/2/Inner/0/C',
      'Fan/2/Inner/1/D',
      'Join',
    ]);
    for (const e of succeeded) expect(e.output).toMatchObject({ function: 'shared-fn', step: e.step });
    expect(new Set(launched(events).map((e) => e.receipt.traceId)).size).toBe(5);
    expect(Object.values(head.steps).every((s) => s.attempt === 1)).toBe(true);
  });

  it('given a condition on the input, when run with each input (through Pub/Sub, then direct), then only the matching branch runs', async () => {
    const condition = await loadFlowFile('test/e2e/flows/condition.json');
    const full = await run(condition, { input: { mode: 'full' } });
    // The second run delivers log entries without Pub/Sub (no emulator, or --no-pubsub).
    const other = await run(condition, { input: { mode: 'delta' }, pubsub: false });

    expect(full.exitCode).toBe(0);
    expect(launched(full.events).map((e) => e.path)).toEqual(['FullLoad']);
    expect(other.exitCode).toBe(0);
    expect(other.transport).toBe('direct');
    expect(launched(other.events).map((e) => e.path)).toEqual(['Skip']);
  });

  it('given a step that fails its first attempt and a retry policy, when run, then the second attempt succeeds and the Wait after it elapses', async () => {
    const retry = await loadFlowFile('test/e2e/flows/retry.json');
    const { exitCode, events } = await run(retry, { fail: ['Flaky:1'], speed: 20 });

    expect(exitCode).toBe(0);
    const flaky = eventsOf(events, 'Flaky').map((e) => `${e.type}#${'attempt' in e ? e.attempt : ''}`);
    expect(flaky).toEqual(
      expect.arrayContaining([
        'StepFailed#1',
        'StepRetryScheduled#1',
        'TimerFired#2',
        'StepLaunched#2',
        'StepSucceeded#2',
      ]),
    );
    expect(flaky.indexOf('StepFailed#1')).toBeLessThan(flaky.indexOf('StepSucceeded#2'));
    expect(eventsOf(events, 'Pause').map((e) => e.type)).toContain('TimerFired');
  });

  it('given a Dataflow job that never finishes and timeout_seconds, when run, then the step times out and the execution fails', async () => {
    const timeout = await loadFlowFile('test/e2e/flows/timeout.json');
    const { exitCode, head, events } = await run(timeout, { hang: ['Slow'], speed: 8 });

    expect(exitCode).toBe(2);
    expect(eventsOf(events, 'Slow').map((e) => e.type)).toContain('StepTimedOut');
    expect(head.error).toMatchObject({ name: 'States.Timeout' });
  });

  it('given a Condition that routes to a Fail step, when run, then the execution fails with the Fail step error', async () => {
    const failStep = await loadFlowFile('test/e2e/flows/fail-step.json');
    const refused = await run(failStep, { input: { ok: false } });
    const fine = await run(failStep, { input: { ok: true } });

    expect(refused.exitCode).toBe(2);
    expect(refused.head.error).toMatchObject({ name: 'BadInput' });
    expect(fine.exitCode).toBe(0);
  });

  it('given --json, when run, then stdout holds exactly one event per line in seq order with the common keys first', async () => {
    const { io, events } = await run(sample, { json: true });

    const lines = io.out().trimEnd().split('\n');
    expect(lines).toHaveLength(events.length);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((p) => p.seq)).toEqual(events.map((_, i) => i + 1));
    for (const p of parsed)
      expect(Object.keys(p).slice(0, 6)).toEqual(['seq', 'type', 'at', 'step', 'path', 'attempt']);
    expect(parsed[0]).toMatchObject({ type: 'ExecutionStarted', step: null, path: null, attempt: null });
    expect(parsed.find((p) => p.type === 'StepLaunched' && p.path === 'Step2/0/Branch1')).toMatchObject({
      step: 'Branch1',
      attempt: 1,
      receipt: { target: 'Dataflow' },
    });
  });

  it('given a step that never finishes, when the run is interrupted (Ctrl-C), then the execution is cancelled and the run exits 2', async () => {
    const abort = new AbortController();
    const { exitCode, head } = await run(sample, {
      hang: ['Init'],
      abort: abort.signal,
      onStarted: () => {
        setTimeout(() => abort.abort(), 300);
      },
    });

    expect(exitCode).toBe(2);
    expect(head.status).toBe('CANCELLED');
    expect(head.steps.Init?.status).toBe('CANCELLED');
  });
});
