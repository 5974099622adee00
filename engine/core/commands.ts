/**
 * Commands are what a transition asks the outside world to do. They are plain data written to the
 * outbox (`executions/{id}/commands/{id}`) in the same transaction as the events, and carried out by
 * adapters only after commit. The command id is the idempotency key everywhere (Cloud Tasks task
 * name, Dataproc requestId, Dataflow job name suffix).
 */
import type { Json, Target } from '../flow/model.ts';
import type { Receipt, StepError } from './events.ts';
import type { NotifyCommand } from './notify.ts';

interface CommandBase {
  /** Unique within the execution and deterministic; see {@link commandId}. */
  id: string;
  executionId: string;
  /** Step name as written. */
  step: string;
  path: string;
  attempt: number;
}

/** W3C trace context derived from (execution, path, attempt): the correlation key for log entries. */
export interface TraceContext {
  /** 32 lowercase hex. */
  traceId: string;
  /** 16 lowercase hex. */
  spanId: string;
}

export interface LaunchCommand extends CommandBase {
  kind: 'launch';
  flowId: string;
  target: Target;
  /** `parameters` with every `$.input…` / `$.steps.…` reference resolved. */
  input: Json;
  trace: TraceContext;
  timeoutSeconds?: number;
}

/** Step timers (retry backoff, Wait, step timeout) and the execution's own timeout. */
export type TimerKind = 'retry' | 'wait' | 'timeout' | 'execution';

/**
 * The path of the execution-level timer (the flow's `timeout_seconds`): no step name starts with `$`.
 *
 * @example commandId('timer-execution', EXECUTION_TIMER_PATH, 1) === 'timer-execution~%24execution~1'
 */
export const EXECUTION_TIMER_PATH = '$execution';

export interface TimerCommand extends CommandBase {
  kind: 'timer';
  timer: TimerKind;
  /** ISO time the timer is due. */
  dueAt: string;
}

/** Ask an adapter to stop a running attempt (execution cancelled). Best effort. */
export interface CancelCommand extends CommandBase {
  kind: 'cancel';
  target: Target;
  receipt?: Receipt;
}

/** Start the child execution of Map iteration `index` (the store creates it; id = `childId`). */
export interface StartChildCommand extends CommandBase {
  kind: 'startChild';
  index: number;
  childId: string;
  /** Hash of the parent's definition: the iterator's own definition is derived from it. */
  parentDefinitionHash: string;
  /** The iteration's input (`item_selector` resolved, default the item). */
  input: Json;
  item: Json;
}

/** Cancel a running Map iteration's child execution (the Map failed or the parent was cancelled). */
export interface CancelChildCommand extends CommandBase {
  kind: 'cancelChild';
  index: number;
  childId: string;
  reason: string;
}

/**
 * Tell the parent that this child execution ended: applied to the parent as a `child` signal.
 * `path`/`attempt`/`step` are the parent's Map step's.
 */
export interface NotifyParentCommand extends CommandBase {
  kind: 'notifyParent';
  parentId: string;
  index: number;
  outcome: 'succeeded' | 'failed';
  output?: Json;
  error?: StepError;
}

/** The commands the store carries out itself (no adapter): the child-execution machinery. */
export type ChildCommand = StartChildCommand | CancelChildCommand | NotifyParentCommand;

export type { NotifyCommand } from './notify.ts';

/** `notify`: an execution ended and a flow `notify` rule asks to tell someone (engine/core/notify.ts). */
export type Command = LaunchCommand | TimerCommand | CancelCommand | ChildCommand | NotifyCommand;

/**
 * Whether the store carries the command out itself rather than an adapter.
 *
 * @example isChildCommand({ kind: 'launch' } as Command) === false
 */
export function isChildCommand(command: Command): command is ChildCommand {
  return command.kind === 'startChild' || command.kind === 'cancelChild' || command.kind === 'notifyParent';
}

/**
 * Build the deterministic command id (a valid Firestore document id: `/` is percent-encoded).
 *
 * @example commandId('launch', 'Step2/1/Branch2', 1) === 'launch~Step2%2F1%2FBranch2~1'
 * @example commandId('timer-retry', 'Step1', 2) === 'timer-retry~Step1~2'
 */
export function commandId(
  name: 'launch' | 'cancel' | `timer-${TimerKind}`,
  path: string,
  attempt: number,
): string {
  return `${name}~${encodeURIComponent(path)}~${attempt}`;
}

/**
 * The id of a command about one Map iteration.
 *
 * @example childCommandId('child', 'PerFile', 1, 7) === 'child~PerFile~1~7'
 */
export function childCommandId(
  name: 'child' | 'cancel-child' | 'notify-parent',
  path: string,
  attempt: number,
  index: number,
): string {
  return `${name}~${encodeURIComponent(path)}~${attempt}~${index}`;
}
