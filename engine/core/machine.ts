/**
 * The core's bridge to the compiled machine: compile once per definition hash, restore a persisted
 * snapshot (`machine.resolveState`), compute the next snapshot and the contract's actions as data.
 *
 * This is exactly what XState's pure `initialTransition` / `transition` do — `machine.transition`
 * with an inert actor scope whose `actionExecutor` collects actions instead of running them — except
 * that the inert scope is built once per machine. XState's helpers build a fresh actor per call,
 * which computes the machine's initial snapshot every time: for a Parallel of 100 branches that made
 * one transition cost ~600 ms instead of ~1 ms. Nothing is started: no interpreter, no timers.
 * test/core/machine.unit.spec.ts proves the results equal XState's helpers.
 */
import { type AnyActorScope, createActor } from 'xstate';
import { compileFlow, type FlowMachine } from '../flow/compile.ts';
import { type MachineAction, type MachineEvent, TriggeredInput } from '../flow/machine-contract.ts';
import type { FlowContext } from '../flow/machine-logic.ts';
import type { FlowDefinition, Json } from '../flow/model.ts';
import type { MachineState } from './state.ts';

type Snapshot = ReturnType<FlowMachine['resolveState']>;
type Executed = { type: string; params?: unknown };

interface Engine {
  machine: FlowMachine;
  scope: AnyActorScope;
  collected: Executed[];
}

const CONTRACT_ACTIONS = new Set<string>([
  'launch',
  'scheduleRetry',
  'scheduleWait',
  'failExecution',
  'choiceTaken',
]);
const MAX_CACHED = 64;
const engines = new Map<string, Engine>();
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
  return engineFor(def).machine;
}

function engineFor(def: FlowDefinition): Engine {
  let engine = engines.get(def.hash);
  if (engine === undefined) {
    if (engines.size >= MAX_CACHED) engines.clear();
    engine = inertEngine(compileFlow(def.flow).machine);
    engines.set(def.hash, engine);
  }
  return engine;
}

function inertEngine(machine: FlowMachine): Engine {
  // Never started: it only lends `self`/`system` to the scope, as in XState's createInertActorScope.
  const self = createActor(machine);
  const engine: Engine = { machine, collected: [], scope: undefined as unknown as AnyActorScope };
  engine.scope = {
    self,
    id: '',
    sessionId: '',
    logger: () => {},
    defer: () => {},
    emit: () => {},
    system: self.system,
    stopChild: () => {},
    actionExecutor: (action) => {
      engine.collected.push(action);
    },
  };
  return engine;
}

function collect(engine: Engine, compute: () => Snapshot): MachineStep {
  engine.collected = [];
  try {
    return settle(compute(), engine.collected);
  } finally {
    engine.collected = [];
  }
}

/**
 * Enter the flow with its input (and the trigger that started it, read as `$.trigger`).
 *
 * @example startMachine(def, {date: '2024-01-01'}).actions[0]?.type === 'launch'
 */
export function startMachine(def: FlowDefinition, input: Json, trigger?: Json): MachineStep {
  const engine = engineFor(def);
  const given = trigger === undefined ? input : new TriggeredInput(input, trigger);
  return collect(engine, () => engine.machine.getInitialSnapshot(engine.scope, given));
}

/**
 * Send one event to a persisted machine state.
 *
 * @example stepMachine(def, state.machine, {type: 'STEP_SUCCEEDED', path: 'Init', attempt: 1, output: {}})
 */
export function stepMachine(def: FlowDefinition, state: MachineState, event: MachineEvent): MachineStep {
  const engine = engineFor(def);
  const snapshot = restore(engine.machine, state);
  return collect(engine, () => engine.machine.transition(snapshot, event, engine.scope));
}

/** The machine's context, typed. */
export function contextOf(state: MachineState): FlowContext {
  return state.context as unknown as FlowContext;
}

function restore(machine: FlowMachine, state: MachineState): Snapshot {
  const cached = live.get(state);
  if (cached !== undefined && cached.machine === machine) return cached;
  const persisted = { value: state.value, context: contextOf(state) };
  return machine.resolveState(persisted as Parameters<FlowMachine['resolveState']>[0]);
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
