/**
 * A step timeout is the engine's last resort when a completion never arrives (a Dataflow job whose
 * "Worker pool stopped." line was lost, a Dataproc operation whose logs were filtered). Before it
 * fails the step, it asks the platform (`Launcher.probe`: Dataflow `jobs.get`, Dataproc operation):
 * a job that already finished is recorded with its real outcome; only one still running times out.
 */

import { isRetryable, messageOf } from '../adapters/shared/launch-errors.ts';
import { commandId, type LaunchCommand } from '../engine/core/commands.ts';
import type { Signal } from '../engine/core/signals.ts';
import type { ExecutionState } from '../engine/core/state.ts';
import { traceFor } from '../engine/core/trace.ts';
import { FirestepError, isFirestepError } from '../engine/errors.ts';
import { launchable } from '../engine/flow/launchable.ts';
import type { FlowDefinition, TargetType, TaskStep } from '../engine/flow/model.ts';
import { stepAt } from '../engine/flow/paths.ts';
import { log } from '../engine/log.ts';
import type { Launcher, ProbeResult } from '../engine/ports/index.ts';

type TimerSignal = Extract<Signal, { kind: 'timer' }>;

export interface TimeoutProbeDeps {
  /** The execution's pinned definition and current state (the store's `loadState`). */
  loadState(executionId: string): Promise<{ def: FlowDefinition; state: ExecutionState }>;
  /** The launcher of a target type, if this runtime has one. */
  launcherFor(targetType: TargetType): Launcher | undefined;
  /** The deployment's trace key, for executions whose traces are keyed. */
  traceKey?: string;
}

/**
 * The launch command of a running attempt, rebuilt from the pinned definition: probes read its
 * target (project, region) and the receipt (job id), never its input.
 */
function launchCommandFor(
  executionId: string,
  def: FlowDefinition,
  task: TaskStep,
  row: { step: string; path: string; attempt: number },
  traceKey: string | undefined,
): LaunchCommand {
  return {
    kind: 'launch',
    id: commandId('launch', row.path, row.attempt),
    executionId,
    flowId: def.id,
    step: row.step,
    path: row.path,
    attempt: row.attempt,
    target: task.target,
    input: null,
    trace: traceFor(executionId, row.path, row.attempt, traceKey),
    ...(task.timeout_seconds === undefined ? {} : { timeoutSeconds: task.timeout_seconds }),
  };
}

function completionFrom(result: ProbeResult, timer: TimerSignal): Signal | undefined {
  const at = { path: timer.path, attempt: timer.attempt };
  const source = {
    kind: 'probe' as const,
    ...(timer.source.id === undefined ? {} : { id: timer.source.id }),
  };
  switch (result.state) {
    case 'succeeded':
      return { kind: 'completed', outcome: 'succeeded', output: result.output ?? null, source, ...at };
    case 'failed':
      return { kind: 'completed', outcome: 'failed', error: result.error, source, ...at };
    case 'running':
    case 'unknown':
      return undefined;
  }
}

/**
 * The signal to apply for a due `timeout` timer: the attempt's real completion when the platform
 * says it already finished, otherwise the timer itself. A transient probe failure (429, 5xx, network)
 * throws a retryable `RETRY_LATER` (the timer is redelivered); any other lets the timeout stand.
 *
 * @example
 * const signal = await resolveTimeout(executionId, timer, { loadState: (id) => store.loadState(id), launcherFor });
 * await store.apply(executionId, signal);
 */
export async function resolveTimeout(
  executionId: string,
  timer: TimerSignal,
  deps: TimeoutProbeDeps,
): Promise<Signal> {
  if (timer.timer !== 'timeout') return timer;
  const { def, state } = await deps.loadState(executionId);
  const row = state.steps[timer.path];
  if (!row || row.attempt !== timer.attempt || row.status !== 'RUNNING' || !row.receipt) return timer;
  const task = launchable(stepAt(def.flow, timer.path));
  if (task === undefined) return timer;
  const launcher = deps.launcherFor(task.target.type);
  if (!launcher?.probe) return timer;
  let result: ProbeResult;
  try {
    result = await launcher.probe(
      launchCommandFor(
        executionId,
        def,
        task,
        row,
        state.traceKeyVersion === undefined ? undefined : deps.traceKey,
      ),
      row.receipt,
    );
  } catch (e) {
    if (isFirestepError(e) && e.retryable) throw e;
    if (!isFirestepError(e) && isRetryable(e)) {
      // The platform's API is briefly unavailable: redeliver the timer rather than time out blind.
      throw new FirestepError(
        'RETRY_LATER',
        `probing ${timer.path}#${timer.attempt} before its timeout: ${messageOf(e)}`,
        {
          retryable: true,
          cause: e,
        },
      );
    }
    log.warn('timeout probe failed; the step times out', {
      executionId,
      path: timer.path,
      attempt: timer.attempt,
      error: e,
    });
    return timer;
  }
  const completion = completionFrom(result, timer);
  log.info('timeout probed', {
    executionId,
    path: timer.path,
    attempt: timer.attempt,
    probe: result.state,
    applied: completion ? 'completion' : 'timeout',
  });
  return completion ?? timer;
}

/**
 * Ask the platform how one attempt ended (confirmation of a BigQuery / Cloud Run completion). The
 * attempt must be the step's current one and launched (its receipt recorded): until then the answer
 * is `unknown` and the caller redelivers. A transient API failure throws a retryable `RETRY_LATER`.
 *
 * @example const result = await probeAttempt('exec-1', 'Count', 1, { loadState, launcherFor });
 */
export async function probeAttempt(
  executionId: string,
  path: string,
  attempt: number,
  deps: TimeoutProbeDeps,
): Promise<ProbeResult> {
  const { def, state } = await deps.loadState(executionId);
  const row = state.steps[path];
  if (!row || row.attempt !== attempt) {
    // An older attempt: the store ignores its completion as stale, so any answer will do.
    return { state: 'unknown' };
  }
  const task = launchable(stepAt(def.flow, path));
  const launcher = task ? deps.launcherFor(task.target.type) : undefined;
  if (!task || !launcher?.probe) return { state: 'unknown' };
  if (!row.receipt) return { state: 'unknown' };
  try {
    const traceKey = state.traceKeyVersion === undefined ? undefined : deps.traceKey;
    return await launcher.probe(launchCommandFor(executionId, def, task, row, traceKey), row.receipt);
  } catch (e) {
    if (isFirestepError(e)) throw e;
    throw new FirestepError('RETRY_LATER', `confirming ${path}#${attempt}: ${messageOf(e)}`, {
      retryable: isRetryable(e),
      cause: e,
    });
  }
}
