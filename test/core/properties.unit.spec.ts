import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decision, ExecutionEvent, ExecutionState, Signal } from '../../engine/core/index.ts';
import { applyDecision, decide, replay, start, toHead } from '../../engine/core/index.ts';
import { at, def } from './fixtures.ts';
import { answersTo, arbitraryFlow, prng } from './random-flows.ts';

interface Outcome {
  state: ExecutionState;
  log: ExecutionEvent[];
  decisions: Decision[];
  redrives: number;
}

/** Run a flow against a world that answers every command, in an order chosen by `seed`. */
function simulate(flowDef: ReturnType<typeof def>, flag: boolean, seed: number): Outcome {
  const random = prng(seed);
  const first = start(flowDef, { flag }, { executionId: `exec-${seed}`, now: at(0) });
  let state = first.state;
  const log = [...first.decision.events];
  const decisions = [first.decision];
  const pending: Signal[] = first.decision.commands.flatMap((c) => answersTo(c, random));
  const delivered: Signal[] = [];
  let redrives = 0;
  for (let tick = 1; tick < 5_000; tick++) {
    let signal: Signal | undefined;
    if (pending.length === 0) {
      if (state.status === 'FAILED' && redrives < 2 && random() < 0.5) {
        signal = { kind: 'redrive', source: { kind: 'api', id: `redrive-${redrives}` } };
        redrives++;
      } else break;
    } else if (delivered.length > 0 && random() < 0.1) {
      signal = delivered[Math.floor(random() * delivered.length)]; // a duplicate delivery
    } else {
      signal = pending.splice(Math.floor(random() * pending.length), 1)[0];
    }
    if (signal === undefined) break;
    delivered.push(signal);
    const decision = decide(flowDef, state, signal, at(tick));
    const before = state.status;
    state = applyDecision(flowDef, state, decision);
    if (before !== 'RUNNING' && decision.events.length > 0) {
      // Only a redrive revives a terminal execution; a late launch receipt is recorded as it is.
      if (signal.kind === 'launched') {
        expect(decision.events.map((e) => e.type)).toEqual(['StepLaunched']);
        expect(state.status).toBe(before);
      } else expect(signal.kind).toBe('redrive');
    }
    log.push(...decision.events);
    decisions.push(decision);
    pending.push(...decision.commands.flatMap((c) => answersTo(c, random)));
  }
  return { state, log, decisions, redrives };
}

const runs = fc.record({ flow: arbitraryFlow, flag: fc.boolean(), seed: fc.integer() });

describe('random valid DAGs × random orders of completions, failures, duplicates and redrives', () => {
  it('every execution ends SUCCEEDED or FAILED, never stuck, when every launched task completes', () => {
    fc.assert(
      fc.property(runs, ({ flow, flag, seed }) => {
        const { state } = simulate(def(flow), flag, seed);
        expect(['SUCCEEDED', 'FAILED']).toContain(state.status);
      }),
      { numRuns: 200 },
    );
  });

  it('seq is contiguous, at most one launch per (path, attempt), and replay equals the incremental state', () => {
    fc.assert(
      fc.property(runs, ({ flow, flag, seed }) => {
        const flowDef = def(flow);
        const { state, log, decisions } = simulate(flowDef, flag, seed);
        expect(log.map((e) => e.seq)).toEqual(log.map((_e, i) => i + 1));
        const launches = decisions.flatMap((d) =>
          d.commands.filter((c) => c.kind === 'launch').map((c) => c.id),
        );
        expect(new Set(launches).size).toBe(launches.length);
        const replayed = replay(flowDef, log);
        expect(toHead(replayed)).toEqual(toHead(state));
        expect(replayed.machine).toEqual(state.machine);
        expect(JSON.parse(JSON.stringify(toHead(state)))).toEqual(toHead(state));
      }),
      { numRuns: 200 },
    );
  });

  it('a terminal status only changes through a redrive; after a terminal event only late receipts are recorded', () => {
    fc.assert(
      fc.property(runs, ({ flow, flag, seed }) => {
        const { log } = simulate(def(flow), flag, seed);
        let terminal: string | undefined;
        for (const event of log) {
          if (terminal !== undefined) expect(['ExecutionRedriven', 'StepLaunched']).toContain(event.type);
          if (event.type === 'ExecutionRedriven') terminal = undefined;
          if (event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed') terminal = event.type;
        }
        expect(terminal).toBeDefined();
      }),
      { numRuns: 200 },
    );
  });
});
