/**
 * The pure, event-sourced core: decide (state × signal → events + commands), evolve (state × event →
 * state), replay (events → state). No I/O, clock or randomness: time and ids are arguments.
 */

export { MACHINE_VERSION } from '../flow/compile.ts';
export type { WriteScope } from '../flow/machine-logic.ts';
export type { Ignored } from './admit.ts';
export type {
  CancelChildCommand,
  CancelCommand,
  ChildCommand,
  Command,
  LaunchCommand,
  NotifyParentCommand,
  StartChildCommand,
  TimerCommand,
  TimerKind,
  TraceContext,
} from './commands.ts';
export { childCommandId, commandId, EXECUTION_TIMER_PATH, isChildCommand } from './commands.ts';
export { applyDecision, type DecideOptions, type Decision, decide } from './decide.ts';
export type {
  EventBody,
  EventType,
  ExecutionEvent,
  Receipt,
  SignalSource,
  StepError,
} from './events.ts';
export { TERMINAL_EXECUTION_EVENTS } from './events.ts';
export { evolve } from './evolve.ts';
export { executionTimeoutError, executionTimerId } from './execution-timeout.ts';
export { type HeadDocument, toHead } from './head.ts';
export { childExecutionId, type MapProgress } from './map.ts';
export { replay } from './replay.ts';
export type { Signal, SignalKind, StepAttemptRef } from './signals.ts';
export { signalKey } from './signals.ts';
export { type StartOptions, start } from './start.ts';
export type {
  ExecutionState,
  ExecutionStatus,
  MachineState,
  MapResult,
  ParentRef,
  StepState,
  StepStatus,
} from './state.ts';
export { addSeconds } from './time.ts';
export { traceFor, traceparent } from './trace.ts';
