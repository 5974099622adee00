import { describe, expect, it } from 'vitest';
import { loadFlowFile } from '../../cli/flow-file.ts';
import { verifyLog } from '../../cli/replay/verify.ts';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { toHead } from '../../engine/core/head.ts';
import { simulate } from './simulate.ts';

const sample = await loadFlowFile('examples/sample-dag.json');
const retry = await loadFlowFile('test/e2e/flows/retry.json');

function headOf(state: ReturnType<typeof simulate>['state']): Record<string, unknown> {
  return toHead(state) as unknown as Record<string, unknown>;
}

describe('verifyLog', () => {
  it('given an engine-produced log of the sample, when verified with its head, then every event is re-derived and nothing diverges', () => {
    const { events, state } = simulate(sample, { day: '2026-01-01' });
    const report = verifyLog(sample, events, { head: headOf(state) });
    expect(report.divergence).toBeUndefined();
    expect(report.timeline).toHaveLength(events.length);
    expect(report.final?.status).toBe('SUCCEEDED');
  });

  it('given a log with a retry that succeeds on the second attempt, when verified, then it is consistent', () => {
    const { events, state } = simulate(retry, {}, (path, attempt) =>
      path === 'Flaky' && attempt === 1 ? { ok: false } : { ok: true },
    );
    expect(events.map((e) => e.type)).toContain('StepRetryScheduled');
    expect(verifyLog(retry, events, { head: headOf(state) }).divergence).toBeUndefined();
  });

  it('given a log missing an event in the middle, when verified, then SEQ_GAP names the first missing seq', () => {
    const { events } = simulate(sample, {});
    const report = verifyLog(
      sample,
      events.filter((e) => e.seq !== 4),
    );
    expect(report.divergence).toMatchObject({ code: 'SEQ_GAP', seq: 4 });
  });

  it('given a log cut inside a decision, when verified, then TRUNCATED names the seq the engine would have written', () => {
    const { events } = simulate(sample, {});
    const report = verifyLog(sample, events.slice(0, -1));
    expect(report.divergence).toMatchObject({ code: 'TRUNCATED', seq: events.length });
  });

  it('given a log cut between decisions and the stored head, when verified, then TRUNCATED names the first missing seq', () => {
    const { events, state } = simulate(sample, {});
    const report = verifyLog(sample, events.slice(0, 5), { head: headOf(state) });
    expect(report.divergence).toMatchObject({ code: 'TRUNCATED', seq: 6 });
  });

  it('given a success recorded for a step that was not running, when verified, then UNEXPECTED_EVENT names its seq', () => {
    const { events } = simulate(sample, {});
    const forged = events.map(
      (e): ExecutionEvent =>
        e.seq === 4 && e.type === 'StepLaunched' ? { ...e, path: 'End', step: 'End' } : e,
    );
    const report = verifyLog(sample, forged);
    expect(report.divergence).toMatchObject({ code: 'UNEXPECTED_EVENT', seq: 4 });
  });

  it('given an edited final output, when verified, then the execution end no longer matches and EVENT_MISMATCH names that seq', () => {
    const { events } = simulate(sample, {});
    const last = events.at(-1) as ExecutionEvent;
    const forged = events.map(
      (e): ExecutionEvent =>
        e.seq === last.seq && e.type === 'ExecutionSucceeded' ? { ...e, output: { forged: true } } : e,
    );
    const report = verifyLog(sample, forged);
    expect(report.divergence).toMatchObject({ code: 'EVENT_MISMATCH', seq: last.seq });
    expect(report.divergence?.message).toContain('output');
  });

  it('given a follow-on event with no cause, when verified, then UNEXPECTED_EVENT', () => {
    const { events } = simulate(sample, {});
    const forged = [
      ...events.slice(0, 3),
      {
        seq: 4,
        type: 'ExecutionFailed',
        at: events[3]!.at,
        error: { name: 'X', kind: 'function', message: 'm' },
      } as ExecutionEvent,
    ];
    expect(verifyLog(sample, forged).divergence).toMatchObject({ code: 'UNEXPECTED_EVENT', seq: 4 });
  });

  it('given a head edited by hand, when verified, then HEAD_MISMATCH names the field and the seq that last set it', () => {
    const { events, state } = simulate(sample, {});
    const head = headOf(state) as { steps: Record<string, { status: string }> };
    const forged = structuredClone(head);
    forged.steps.Init!.status = 'FAILED';
    const report = verifyLog(sample, events, { head: forged as unknown as Record<string, unknown> });
    expect(report.divergence).toMatchObject({ code: 'HEAD_MISMATCH', seq: 3 });
    expect(report.divergence?.message).toContain('steps.Init.status');
  });

  it('given another definition, when verified without compare, then DEFINITION_MISMATCH at seq 1; with compare, the first seq it would change', () => {
    const { events } = simulate(sample, {});
    const changed = structuredClone(sample);
    const step1 = changed.flow.steps.Step1 as { next?: string };
    step1.next = 'End';
    const other = { ...changed, hash: 'f'.repeat(64) };
    expect(verifyLog(other, events).divergence).toMatchObject({ code: 'DEFINITION_MISMATCH', seq: 1 });
    const compared = verifyLog(other, events, { compare: true });
    expect(compared.divergence?.seq).toBe(6);
  });

  it('given an empty log or one not starting with ExecutionStarted, when verified, then NOT_STARTED', () => {
    const { events } = simulate(sample, {});
    expect(verifyLog(sample, []).divergence).toMatchObject({ code: 'NOT_STARTED' });
    const shifted = events.slice(1).map((e, i) => ({ ...e, seq: i + 1 }) as ExecutionEvent);
    expect(verifyLog(sample, shifted).divergence).toMatchObject({ code: 'NOT_STARTED', seq: 1 });
  });
});
