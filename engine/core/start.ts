/**
 * start: the first decision of an execution. Records ExecutionStarted and enters the flow's start
 * step, whatever its type (a Task launches, a Wait schedules its timer, a Condition routes at once,
 * a Fail or End finishes the execution in the same decision).
 */
import { FirestepError } from '../errors.ts';
import type { FlowDefinition, Json } from '../flow/model.ts';
import { type Decision, Run } from './decide.ts';
import type { SignalSource } from './events.ts';
import type { ExecutionState, ParentRef } from './state.ts';
import { TRACE_KEY_VERSION } from './trace.ts';

export interface StartOptions {
  executionId: string;
  /** Caller-given idempotent name, recorded on ExecutionStarted. */
  name?: string;
  /** ISO time of the start (becomes `startedAt` and every first event's `at`). */
  now: string;
  /** Who asked (API request id, CLI…), recorded on the events. */
  source?: SignalSource;
  /** The deployment's trace key: when given, the execution's traces are keyed (version 1). */
  traceKey?: string;
  /** What started the execution (`$.trigger`), recorded on ExecutionStarted; absent: manual. */
  trigger?: Json;
  /** The Map iteration this execution runs, when it is a child execution. */
  parent?: ParentRef;
}

/**
 * Start an execution: its first state and the first decision (events from seq 1, launch commands).
 *
 * @example
 * const { state, decision } = start(def, { date: '2024-01-01' }, { executionId: 'e1', now: '2024-01-01T00:00:00.000Z' });
 * decision.events[0]?.type === 'ExecutionStarted'; decision.commands[0]?.id === 'launch~Init~1';
 */
export function start(
  def: FlowDefinition,
  input: Json,
  opts: StartOptions,
): { state: ExecutionState; decision: Decision } {
  const run = new Run(def, undefined, opts.now, opts.source, undefined, opts.traceKey);
  run.emit({
    type: 'ExecutionStarted',
    executionId: opts.executionId,
    flowId: def.id,
    definitionHash: def.hash,
    input,
    ...(opts.name === undefined ? {} : { name: opts.name }),
    ...(opts.traceKey === undefined ? {} : { traceKeyVersion: TRACE_KEY_VERSION }),
    ...(opts.trigger === undefined ? {} : { trigger: opts.trigger }),
    ...(opts.parent === undefined ? {} : { parent: opts.parent }),
  });
  run.scheduleExecutionTimeout();
  const state = run.current;
  if (state === undefined) throw new FirestepError('INTERNAL', 'ExecutionStarted produced no state');
  return { state, decision: run.finish() };
}
