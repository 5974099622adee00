/**
 * `firestep`: what a flow module and most users import — the flow DSL and model, validation, the
 * definition hash, the graph, the error taxonomy and the core's event/state types. Heavier parts
 * have their own entry points so a flow module stays cheap to load: `firestep/store`,
 * `firestep/signals`, `firestep/runtime`, `firestep/adapters`, `firestep/fakes`, `firestep/sdk`.
 *
 * @example
 * import { defineFlow, task, cloudFunction } from 'firestep';
 * export default defineFlow({ id: 'hello', start: 'Hello',
 *   steps: { Hello: task({ target: cloudFunction('hello-fn'), end: true }) } });
 */

export type {
  Command,
  EventBody,
  EventType,
  ExecutionEvent,
  ExecutionState,
  ExecutionStatus,
  HeadDocument,
  LaunchCommand,
  Receipt,
  Signal,
  SignalSource,
  StepError,
  StepState,
  StepStatus,
} from './core/index.ts';
export { decide, evolve, replay, start, toHead } from './core/index.ts';
export { type ErrorCode, FirestepError, isFirestepError } from './errors.ts';
export * from './flow/index.ts';
