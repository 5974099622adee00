/**
 * replay folds in place (copy-on-first-write step table and context maps) while evolve stays
 * immutable. These specs pin what that must never change: replay equals the incremental state,
 * from any starting snapshot; the starting snapshot, every state a caller kept, and the replayed
 * state itself are never modified afterwards.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExecutionEvent, ExecutionState, Signal, WriteScope } from '../../engine/core/index.ts';
import { applyDecision, decide, evolve, replay, start } from '../../engine/core/index.ts';
import type { Flow, FlowDefinition } from '../../engine/flow/model.ts';
import { at, def, failed, succeeded, task } from './fixtures.ts';
import { answersTo, arbitraryFlow, prng } from './random-flows.ts';

interface Run {
  /** Every state the incremental driver produced, with its JSON taken at the time. */
  states: Array<{ state: ExecutionState; json: string }>;
  log: ExecutionEvent[];
}

/** Drive with start/decide/applyDecision, answering commands in a seeded order, redriving once. */
function drive(flowDef: FlowDefinition, seed: number, inPlace?: WriteScope): Run {
  const random = prng(seed);
  const first = start(flowDef, { seed }, { executionId: `exec-${seed}`, now: at(0) });
  const states = [{ state: first.state, json: JSON.stringify(first.state) }];
  const log = [...first.decision.events];
  const pending: Signal[] = first.decision.commands.flatMap((c) => answersTo(c, random));
  let state = first.state;
  let redriven = false;
  for (let tick = 1; tick < 2_000; tick++) {
    let signal = pending.splice(Math.floor(random() * pending.length), 1)[0];
    if (signal === undefined && state.status === 'FAILED' && !redriven) {
      signal = { kind: 'redrive', source: { kind: 'api', id: 'redrive' } };
      redriven = true;
    }
    if (signal === undefined) break;
    const decision = decide(flowDef, state, signal, at(tick), { inPlace });
    state = applyDecision(flowDef, state, decision);
    states.push({ state, json: JSON.stringify(state) });
    log.push(...decision.events);
    pending.push(...decision.commands.flatMap((c) => answersTo(c, random)));
  }
  return { states, log };
}

function last<T>(items: T[]): T {
  const item = items[items.length - 1];
  if (item === undefined) throw new Error('empty');
  return item;
}

const runs = fc.record({
  flow: arbitraryFlow,
  seed: fc.integer(),
  cut: fc.double({ min: 0, max: 1, noNaN: true }),
});

describe('replay folds in place without changing any state a caller can see', () => {
  it('equals the incremental state, from the start and from any snapshot, and modifies nothing', () => {
    fc.assert(
      fc.property(runs, ({ flow, seed, cut }) => {
        // given: an execution driven incrementally, and a snapshot taken part-way
        const flowDef = def(flow);
        const { states, log } = drive(flowDef, seed);
        const final = last(states).state;
        const snapshot = states[Math.floor(cut * (states.length - 1))]?.state as ExecutionState;
        const snapshotJson = JSON.stringify(snapshot);
        const tail = log.filter((e) => e.seq > snapshot.lastSeq);

        // when
        const cold = replay(flowDef, log);
        const warm = replay(flowDef, tail, snapshot);
        const revived = replay(flowDef, tail, JSON.parse(snapshotJson) as ExecutionState);

        // then: the same state, byte for byte
        expect(cold).toEqual(final);
        expect(JSON.stringify(cold)).toBe(JSON.stringify(final));
        expect(warm).toEqual(final);
        expect(revived).toEqual(final);
        // then: the snapshot and every state the driver kept are untouched
        expect(JSON.stringify(snapshot)).toBe(snapshotJson);
        for (const kept of states) expect(JSON.stringify(kept.state)).toBe(kept.json);
      }),
      { numRuns: 150 },
    );
  });

  it('decide with an inPlace scope gives the same events, commands and states as without', () => {
    fc.assert(
      fc.property(runs, ({ flow, seed }) => {
        // given
        const flowDef = def(flow);

        // when: the same schedule, copying and in place
        const copying = drive(flowDef, seed);
        const inPlace = drive(flowDef, seed, new WeakSet());

        // then
        expect(inPlace.log).toEqual(copying.log);
        expect(last(inPlace.states).json).toBe(last(copying.states).json);
        expect(inPlace.states.map((s) => s.json)).toEqual(copying.states.map((s) => s.json));
      }),
      { numRuns: 100 },
    );
  });

  it('a replayed state is immutable again: deciding and evolving on it leave it as it was', () => {
    // given: a chain whose first two tasks are replayed, the second with a retry policy
    const flow: Flow = {
      start: 'A',
      steps: {
        A: task('A', 'B'),
        B: task('B', 'C', {
          retry: [{ errors: ['States.ALL'], max_attempts: 2, interval_seconds: 1, backoff_rate: 1 }],
        }),
        C: task('C', null),
      },
    };
    const flowDef = def(flow);
    const first = start(flowDef, {}, { executionId: 'e1', now: at(0) });
    let state = first.state;
    const log = [...first.decision.events];
    for (const [i, signal] of [succeeded('A', 1, { a: 1 }), failed('B', 1)].entries()) {
      const d = decide(flowDef, state, signal, at(i + 1));
      state = applyDecision(flowDef, state, d);
      log.push(...d.events);
    }
    const replayed = replay(flowDef, log);
    const json = JSON.stringify(replayed);

    // when: the retry fires and B succeeds, both on the replayed state
    const retried = evolve(flowDef, replayed, {
      type: 'TimerFired',
      timer: 'retry',
      step: 'B',
      path: 'B',
      attempt: 2,
      seq: replayed.lastSeq + 1,
      at: at(10),
    });
    const d = decide(flowDef, retried, succeeded('B', 2, { b: 2 }), at(11));
    const after = applyDecision(flowDef, retried, d);

    // then: the later states moved on, the replayed one did not
    expect(after.steps.C?.status).toBe('LAUNCHING');
    expect(after.machine.context).toMatchObject({
      outputs: { A: { a: 1 }, B: { b: 2 } },
      attempts: { B: 2 },
    });
    expect(JSON.stringify(replayed)).toBe(json);
    expect(replayed.steps.B?.status).toBe('RETRY_SCHEDULED');
  });

  it('refuses a gap in the tail and leaves the snapshot as it was', () => {
    // given: a snapshot at seq 1, then A's success (seq 2) and B's success shifted to seq 4
    const flowDef = def({ start: 'A', steps: { A: task('A', 'B'), B: task('B', null) } });
    const first = start(flowDef, {}, { executionId: 'e1', now: at(0) });
    const one = decide(flowDef, first.state, succeeded('A', 1), at(1));
    const two = decide(flowDef, applyDecision(flowDef, first.state, one), succeeded('B', 1), at(2));
    const gapped = [...one.events, ...two.events.map((e) => ({ ...e, seq: e.seq + 1 }))];
    const snapshotJson = JSON.stringify(first.state);

    // when / then
    expect(() => replay(flowDef, gapped, first.state)).toThrow(/does not follow/);
    expect(JSON.stringify(first.state)).toBe(snapshotJson);
  });
});
