/**
 * Correlation: match an Observation to exactly one (execution, step, attempt) through the keys the
 * store registered in the launch transaction (`correlations/`), and turn it into engine Signals.
 *
 * - Cloud Functions / Cloud Run: by trace id. firestep derives one trace per (execution, step,
 *   attempt) and injects it into the call, so one function serving several steps, or two executions
 *   running the same function at once, can never be confused. Function names are never used.
 * - Dataflow: by job id, then by the deterministic job name (a launcher failure may happen before
 *   the job id is known).
 * - Callbacks: by token; the message's executionId/path/attempt must match the token's target,
 *   otherwise the callback is forged (or replayed from another attempt) and rejected.
 * - Timers: carry their execution, path and attempt (checked against the command id by the parser).
 */

import type { StepError } from '../core/events.ts';
import type { Signal } from '../core/signals.ts';
import { FirestepError } from '../errors.ts';
import type { Json } from '../flow/model.ts';
import type { CorrelationKey, CorrelationLookup, CorrelationTarget } from '../ports/index.ts';
import type { Observation } from './observation.ts';

/** Observations that can concern a step attempt. */
export type Correlatable = Extract<
  Observation,
  { kind: 'cloudFunction' | 'dataflow' | 'platformJob' | 'storageObject' | 'callback' | 'timer' }
>;

export type Correlation =
  /** Apply these signals, in order, to this execution. */
  | { status: 'matched'; executionId: string; target?: CorrelationTarget; signals: Signal[] }
  /**
   * Belongs to this attempt, but the outcome must be confirmed first (Dataflow "Worker pool stopped.",
   * every BigQuery / Cloud Run job completion).
   */
  | { status: 'unconfirmed'; executionId: string; target: CorrelationTarget }
  /** Well-formed, but no launch of ours registered its keys. Acknowledge and log. */
  | { status: 'notOurs'; reason: string }
  /** Claims to be ours but does not check out (callback token/attempt mismatch). Dead-letter it. */
  | { status: 'forged'; reason: string };

/**
 * Find the attempt an observation belongs to.
 *
 * @example
 * const c = await correlate(observation, firestoreCorrelationLookup(db));
 * if (c.status === 'matched') for (const s of c.signals) await store.apply(c.executionId, s);
 */
export async function correlate(o: Correlatable, lookup: CorrelationLookup): Promise<Correlation> {
  switch (o.kind) {
    case 'cloudFunction': {
      const trace = o.fields.trace;
      if (trace === undefined) {
        return {
          status: 'notOurs',
          reason: 'entry has no trace; firestep correlates function completions by the trace it injects',
        };
      }
      const target = await lookup.lookup({ kind: 'trace', value: trace });
      if (!target) return { status: 'notOurs', reason: `no launch registered trace ${trace}` };
      return { status: 'matched', executionId: target.executionId, target, signals: signalsFor(o, target) };
    }
    case 'dataflow': {
      const keys: CorrelationKey[] = [];
      if (o.fields.jobId) keys.push({ kind: 'dataflowJob', value: o.fields.jobId });
      if (o.fields.jobName) keys.push({ kind: 'dataflowJobName', value: o.fields.jobName });
      let target: CorrelationTarget | undefined;
      for (const key of keys) {
        target = await lookup.lookup(key);
        if (target) break;
      }
      const which = [
        o.fields.jobId && `id ${o.fields.jobId}`,
        o.fields.jobName && `name ${o.fields.jobName}`,
      ];
      if (!target)
        return {
          status: 'notOurs',
          reason: `no launch registered Dataflow job ${which.filter(Boolean).join(' / ')}`,
        };
      if (o.outcome === 'unconfirmed')
        return { status: 'unconfirmed', executionId: target.executionId, target };
      return { status: 'matched', executionId: target.executionId, target, signals: signalsFor(o, target) };
    }
    case 'platformJob': {
      const keys: CorrelationKey[] =
        o.platform === 'BigQuery'
          ? o.fields.jobId
            ? [{ kind: 'bigqueryJob', value: o.fields.jobId }]
            : []
          : [
              ...(o.runKey ? [{ kind: 'runKey' as const, value: o.runKey }] : []),
              ...(o.fields.jobId ? [{ kind: 'runExecution' as const, value: o.fields.jobId }] : []),
            ];
      let target: CorrelationTarget | undefined;
      for (const key of keys) {
        target = await lookup.lookup(key);
        if (target) break;
      }
      if (!target)
        return {
          status: 'notOurs',
          reason: `no launch registered ${o.platform === 'BigQuery' ? 'BigQuery job' : 'Cloud Run execution'} ${o.fields.jobId ?? o.runKey ?? '(no id)'}`,
        };
      return { status: 'unconfirmed', executionId: target.executionId, target };
    }
    case 'storageObject': {
      const target = await lookup.lookup({ kind: 'gcsObject', value: o.object });
      if (!target) return { status: 'notOurs', reason: `no Wait is waiting for gs://${o.object}` };
      return { status: 'matched', executionId: target.executionId, target, signals: signalsFor(o, target) };
    }
    case 'callback': {
      const m = o.message;
      const target = await lookup.lookup({ kind: 'callback', value: m.token });
      if (!target) return { status: 'forged', reason: `callback ${m.id}: token matches no launched attempt` };
      if (target.executionId !== m.executionId || target.path !== m.path || target.attempt !== m.attempt) {
        return {
          status: 'forged',
          reason: `callback ${m.id} claims ${m.executionId}/${m.path}#${m.attempt} but its token belongs to ${target.executionId}/${target.path}#${target.attempt}`,
        };
      }
      return { status: 'matched', executionId: target.executionId, target, signals: signalsFor(o, target) };
    }
    case 'timer':
      return { status: 'matched', executionId: o.message.executionId, signals: signalsFor(o, undefined) };
  }
}

/**
 * The engine Signals an observation means for its attempt. Pure. A callback that carries log lines or
 * metadata with its outcome yields a `logged` signal first, then the completion.
 *
 * @example signalsFor(failedFunctionObservation, target)[0].error.name === 'States.TaskFailed'
 */
export function signalsFor(o: Correlatable, target: CorrelationTarget | undefined): Signal[] {
  const ref = target ? { path: target.path, attempt: target.attempt } : undefined;
  switch (o.kind) {
    case 'cloudFunction': {
      const at = required(ref, o.kind);
      const source = o.source ?? { kind: 'log' as const };
      // The platform's line says the process ended well but carries no output: `platform` lets a
      // step that waits for its callback take it as a confirmation only.
      if (o.outcome === 'succeeded')
        return [{ kind: 'completed', outcome: 'succeeded', output: null, platform: true, source, ...at }];
      const error: StepError = {
        name: 'States.TaskFailed',
        kind: 'function',
        message: o.detail,
        cause: compact({
          status: o.status,
          function: o.fields.function,
          executionLabel: o.fields.executionLabel,
          trace: o.fields.trace,
        }),
      };
      return [{ kind: 'completed', outcome: 'failed', error, source, ...at }];
    }
    case 'dataflow': {
      const at = required(ref, o.kind);
      const source = o.source ?? { kind: 'log' as const };
      const job = compact({ jobId: o.fields.jobId, jobName: o.fields.jobName, state: o.state });
      if (o.outcome === 'succeeded')
        return [{ kind: 'completed', outcome: 'succeeded', output: job, source, ...at }];
      if (o.outcome === 'failed') {
        const error: StepError = { name: 'States.TaskFailed', kind: 'job', message: o.detail, cause: job };
        return [{ kind: 'completed', outcome: 'failed', error, source, ...at }];
      }
      if (o.outcome === 'running') return [];
      throw new FirestepError(
        'INTERNAL',
        'an unconfirmed Dataflow observation must be confirmed before it becomes a signal',
      );
    }
    case 'platformJob':
      throw new FirestepError(
        'INTERNAL',
        `a ${o.platform} completion must be confirmed with the platform's API before it becomes a signal`,
      );
    case 'storageObject': {
      const at = required(ref, o.kind);
      const source = o.source ?? { kind: 'eventarc' as const };
      return [{ kind: 'completed', outcome: 'succeeded', output: o.output, source, ...at }];
    }
    case 'callback': {
      const m = o.message;
      const at = { path: m.path, attempt: m.attempt };
      const source = { kind: 'callback' as const, id: m.id };
      const out: Signal[] = [];
      if (m.outcome === 'log' || (m.lines?.length ?? 0) > 0 || m.metadata !== undefined) {
        const logged: Signal = { kind: 'logged', lines: m.lines ?? [], source, ...at };
        if (m.metadata !== undefined) logged.metadata = toJson(m.metadata);
        out.push(logged);
      }
      if (m.outcome === 'succeeded')
        out.push({ kind: 'completed', outcome: 'succeeded', output: toJson(m.output), source, ...at });
      if (m.outcome === 'failed' && m.error) {
        const error: StepError = { name: m.error.name, kind: 'function', message: m.error.message };
        if (m.error.cause !== undefined) error.cause = toJson(m.error.cause);
        out.push({ kind: 'completed', outcome: 'failed', error, source, ...at });
      }
      return out;
    }
    case 'timer': {
      const m = o.message;
      return [
        {
          kind: 'timer',
          timer: m.timer,
          path: m.path,
          attempt: m.attempt,
          source: { kind: 'timer', id: m.commandId },
        },
      ];
    }
  }
}

function required<T>(ref: T | undefined, kind: string): T {
  if (ref === undefined)
    throw new FirestepError('INTERNAL', `a ${kind} observation needs a correlation target`);
  return ref;
}

/** Drop undefined values: Firestore and `Json` have no `undefined`. */
function compact(obj: Record<string, string | number | undefined>): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out;
}

/** Any parsed value as Json (undefined → null), via a JSON round trip. */
function toJson(value: unknown): Json {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as Json;
}
