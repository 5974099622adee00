import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { machineFor, startMachine, stepMachine } from '../../engine/core/machine.ts';
import type { MachineAction, MachineEvent } from '../../engine/flow/machine-contract.ts';
import { def } from './fixtures.ts';
import { arbitraryFlow } from './random-flows.ts';

const CONTRACT = new Set(['launch', 'scheduleRetry', 'scheduleWait', 'failExecution', 'choiceTaken']);

function contract(actions: ReadonlyArray<{ type: string; params?: unknown }>): MachineAction[] {
  return actions
    .filter((a) => CONTRACT.has(a.type))
    .map((a) => ({ type: a.type, params: a.params }) as MachineAction);
}

function answer(action: MachineAction, i: number): MachineEvent | undefined {
  switch (action.type) {
    case 'launch':
      return i % 4 === 3
        ? {
            type: 'STEP_FAILED',
            path: action.params.path,
            attempt: action.params.attempt,
            error: { name: 'E', kind: 'function', message: 'e' },
          }
        : { type: 'STEP_SUCCEEDED', path: action.params.path, attempt: action.params.attempt, output: i };
    case 'scheduleRetry':
      return { type: 'RETRY_DUE', path: action.params.path, attempt: action.params.nextAttempt };
    case 'scheduleWait':
      return { type: 'WAIT_ELAPSED', path: action.params.path, attempt: action.params.attempt };
    case 'failExecution':
      return { type: 'REDRIVE' };
    case 'choiceTaken':
      return undefined;
  }
}

describe('the core drives machines exactly like XState’s pure initialTransition / transition', () => {
  it('gives the same snapshots and actions for random flows and event sequences (incl. persisted JSON restores)', () => {
    fc.assert(
      fc.property(arbitraryFlow, fc.boolean(), (flow, flag) => {
        const flowDef = def(flow);
        const machine = machineFor(flowDef);
        let [snapshot, raw] = initialTransition(machine, { flag });
        let ours = startMachine(flowDef, { flag });
        expect(ours.actions).toEqual(contract(raw));
        expect(ours.machine).toEqual({
          value: snapshot.value,
          context: snapshot.context,
          status: snapshot.status,
        });
        const queue = [...ours.actions];
        for (let i = 0; i < 200 && queue.length > 0; i++) {
          const event = answer(queue.shift() as MachineAction, i);
          if (event === undefined) continue;
          [snapshot, raw] = transition(machine, snapshot, event);
          // Every other step restores from JSON, as the store does from a snapshot document.
          const from = i % 2 === 0 ? JSON.parse(JSON.stringify(ours.machine)) : ours.machine;
          ours = stepMachine(flowDef, from, event);
          expect(ours.actions).toEqual(contract(raw));
          expect(ours.machine).toEqual({
            value: snapshot.value,
            context: snapshot.context,
            status: snapshot.status,
          });
          queue.push(...ours.actions);
        }
      }),
      { numRuns: 150 },
    );
  });
});
