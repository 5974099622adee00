/**
 * The core's bridge to the compiled machine: compile once per definition hash, restore a persisted
 * snapshot (`machine.resolveState`), run XState's pure `initialTransition` / `transition`, and return
 * the contract's actions as plain data.
 */
import { initialTransition, transition } from 'xstate';
import { compileFlow, type FlowMachine } from '../flow/compile.ts';
import type { MachineAction, MachineEvent } from '../flow/machine-contract.ts';
import type { FlowContext } from '../flow/machine-logic.ts';
import type { FlowDefinition, Json } from '../flow/model.ts';
import type { MachineState } from './state.ts';

type Snapshot = ReturnType<FlowMachine['resolveState']>;

const CONTRACT_ACTIONS = new Set<string>(['launch', 'scheduleRetry', 'scheduleWait', 'failExecution']);
const MAX_CACHED = 64;
const machines = new Map<string, FlowMachine>();
/** Live snapshots of states this process produced, to skip `resolveState` on the next event. */
const live = new WeakMap<MachineState, Snapshot>();

export interface MachineStep {
  machine: MachineState;
  actions: MachineAction[];
}

/**
 * The compiled machine of a definition (cached by definition hash; compilation is deterministic).
 *
 * @example machineFor(def).id === '$flow'
 */
export function machineFor(def: FlowDefinition): FlowMachine {
  let machine = machines.get(def.hash);
  if (machine === undefined) {
    if (machines.size >= MAX_CACHED) machines.clear();
    machine = compileFlow(def.flow).machine;
    machines.set(def.hash, machine);
  }
  return machine;
}

/**
 * Enter the flow with its input.
 *
 * @example startMachine(def, {date: '2024-01-01'}).actions[0]?.type === 'launch'
 */
export function startMachine(def: FlowDefinition, input: Json): MachineStep {
  const [snapshot, actions] = initialTransition(machineFor(def), input);
  return settle(snapshot, actions);
}

/**
 * Send one event to a persisted machine state.
 *
 * @example stepMachine(def, state.machine, {type: 'STEP_SUCCEEDED', path: 'Init', attempt: 1, output: {}})
 */
export function stepMachine(def: FlowDefinition, state: MachineState, event: MachineEvent): MachineStep {
  const [snapshot, actions] = transition(machineFor(def), restore(def, state), event);
  return settle(snapshot, actions);
}

/** The machine's context, typed. */
export function contextOf(state: MachineState): FlowContext {
  return state.context as unknown as FlowContext;
}

function restore(def: FlowDefinition, state: MachineState): Snapshot {
  const cached = live.get(state);
  if (cached !== undefined) return cached;
  const persisted = { value: state.value, context: contextOf(state) };
  return machineFor(def).resolveState(persisted as Parameters<FlowMachine['resolveState']>[0]);
}

function settle(
  snapshot: Snapshot,
  executed: ReadonlyArray<{ type: string; params?: unknown }>,
): MachineStep {
  const machine: MachineState = {
    value: snapshot.value as Json,
    context: snapshot.context as unknown as Json,
    status: snapshot.status,
  };
  live.set(machine, snapshot);
  const actions = executed
    .filter((action) => CONTRACT_ACTIONS.has(action.type))
    .map((action) => ({ type: action.type, params: action.params }) as MachineAction);
  return { machine, actions };
}
