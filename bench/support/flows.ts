/**
 * Flows and logs the benchmarks drive: built in code so every run measures the same shapes.
 */
import {
  applyDecision,
  decide,
  type ExecutionEvent,
  type ExecutionState,
  start,
  type WriteScope,
} from '../../engine/core/index.ts';
import { definitionHash } from '../../engine/flow/hash.ts';
import type { Flow, FlowDefinition, Step } from '../../engine/flow/model.ts';
import { fnTask } from './chain.ts';

/** `branches` parallel branches, each a chain of `chain` CloudFunction tasks, then a final task. */
export function parallelChains(branches: number, chain: number): FlowDefinition {
  const branchList = Array.from({ length: branches }, (_, b) => {
    const steps: Record<string, Step> = {};
    for (let i = 0; i < chain; i++) {
      steps[`B${b}T${i}`] = fnTask('bench-fn', i + 1 < chain ? `B${b}T${i + 1}` : undefined);
    }
    return { start: `B${b}T0`, steps };
  });
  const flow: Flow = {
    start: 'Fan',
    steps: {
      Fan: { type: 'Parallel', branches: branchList, next: 'Join' },
      Join: fnTask('bench-join'),
    },
  };
  return { id: `bench-${branches}x${chain}`, flow, hash: definitionHash(flow) };
}

/** The reference sample's shape: Init → Step1 → Parallel[Branch1, Branch2] → End. */
export function sampleShape(): FlowDefinition {
  const flow: Flow = {
    start: 'Init',
    steps: {
      Init: fnTask('orch-test-1', 'Step1'),
      Step1: fnTask('orch-test-2', 'Step2'),
      Step2: {
        type: 'Parallel',
        branches: [
          { start: 'Branch1', steps: { Branch1: fnTask('word-count-demo') } },
          { start: 'Branch2', steps: { Branch2: fnTask('orch-test-3') } },
        ],
        next: 'End',
      },
      End: fnTask('orch-test-4'),
    },
  };
  return { id: 'sample', flow, hash: definitionHash(flow) };
}

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (i: number) => new Date(T0 + i * 1000).toISOString();

/**
 * Drive an execution with the pure core until it is done (or `maxEvents` reached), completing every
 * launched attempt in order; returns the full event log.
 */
export function driveToEnd(
  def: FlowDefinition,
  executionId: string,
  maxEvents = Number.POSITIVE_INFINITY,
): ExecutionEvent[] {
  const started = start(def, {}, { executionId, now: at(0) });
  let state: ExecutionState = started.state;
  const events: ExecutionEvent[] = [...started.decision.events];
  const queue = started.decision.commands.filter((c) => c.kind === 'launch');
  // The driver discards each state once it has decided on it, so decisions may update it in place:
  // building the 25,000-event log then takes seconds instead of O(events²) copying of the step table.
  const inPlace: WriteScope = new WeakSet();
  let tick = 1;
  while (queue.length > 0 && events.length < maxEvents) {
    const cmd = queue.shift()!;
    for (const signal of [
      {
        kind: 'launched',
        path: cmd.path,
        attempt: cmd.attempt,
        commandId: cmd.id,
        receipt: { target: 'CloudFunction' },
        source: { kind: 'dispatcher' },
      },
      {
        kind: 'completed',
        outcome: 'succeeded',
        path: cmd.path,
        attempt: cmd.attempt,
        output: { ok: true },
        source: { kind: 'log' },
      },
    ] as const) {
      const d = decide(def, state, signal, at(tick++), { inPlace });
      state = applyDecision(def, state, d);
      events.push(...d.events);
      queue.push(...d.commands.filter((c) => c.kind === 'launch'));
    }
  }
  return events;
}
