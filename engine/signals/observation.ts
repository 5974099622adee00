/**
 * An Observation is what one incoming message says, before correlation: "function X finished with
 * status 500 under trace T", "job J failed", "callback for attempt 2 of Step1 succeeded". Parsers
 * produce it; `correlate` turns it into engine Signals for exactly one (execution, step, attempt).
 */
import type { SignalSource } from '../core/events.ts';
import type { CallbackMessage } from './wire/callback.ts';
import type { JobState } from './wire/dataflow.ts';
import type { TimerMessage } from './wire/timer.ts';
import type { Transport } from './wire/transport.ts';

export type { Transport };

/** Correlation fields found in the message (all optional: what the platform wrote). */
export interface CorrelationFields {
  /** 32-hex trace id (last segment of LogEntry `trace`). */
  trace?: string;
  /** gen1 `labels.execution_id`: one per function invocation (reported, not used to correlate). */
  executionLabel?: string;
  /** Function name (gen1 `function_name`) or Cloud Run service name (gen2). */
  function?: string;
  jobId?: string;
  jobName?: string;
  project?: string;
  region?: string;
}

interface Base {
  fields: CorrelationFields;
  /** Audit source recorded on the resulting events (insertId, CloudEvent id, callback id…). */
  source?: SignalSource;
  transport?: Transport;
}

export type Observation =
  /** A Cloud Function (gen1 end line) or Cloud Run / gen2 request finished. */
  | (Base & {
      kind: 'cloudFunction';
      outcome: 'succeeded' | 'failed';
      /** The line or request summary, used as the failure message. */
      detail: string;
      /** HTTP status code, or gen1 status word (`ok`, `crash`, `timeout` …). */
      status: number | string;
    })
  /** A Dataflow job message or state change. `unconfirmed` ("Worker pool stopped.") needs jobs.get. */
  | (Base & {
      kind: 'dataflow';
      outcome: 'succeeded' | 'failed' | 'running' | 'unconfirmed';
      detail: string;
      state?: JobState;
    })
  /**
   * A BigQuery job or Cloud Run job execution ended (audit log entry, via a sink or Eventarc). Always
   * confirmed with the platform's API (`jobs.get` / `executions.get`) before it becomes a signal.
   */
  | (Base & {
      kind: 'platformJob';
      platform: 'BigQuery' | 'CloudRunJob';
      outcome: 'unconfirmed';
      detail: string;
      /** Cloud Run: the FIRESTEP_RUN_KEY of the execution; BigQuery: none (the job id is the key). */
      runKey?: string;
    })
  /** A Cloud Storage object was finalized (Eventarc): ends the Wait waiting for it. */
  | (Base & {
      kind: 'storageObject';
      outcome: 'succeeded';
      /** `bucket/name`. */
      object: string;
      output: { [k: string]: string | number | null };
    })
  /** A firestep callback (SDK). `running` = log lines / metadata only. */
  | (Base & { kind: 'callback'; outcome: 'succeeded' | 'failed' | 'running'; message: CallbackMessage })
  /** A timer the engine scheduled is due. */
  | (Base & { kind: 'timer'; outcome: null; message: TimerMessage })
  /** Well-formed but not a completion (start lines, autoscaling, the engine's own logs…). */
  | (Base & { kind: 'ignored'; outcome: null; reason: string })
  /** Malformed, oversized or structurally wrong: goes to `deadletters`. */
  | (Base & { kind: 'rejected'; outcome: null; reason: string });

export type ObservationKind = Observation['kind'];

/** One line of `firestep signals parse`: flat, every key present (null when not found). */
export interface ObservationSummary {
  kind: ObservationKind;
  outcome: Observation['outcome'];
  trace: string | null;
  executionLabel: string | null;
  function: string | null;
  jobId: string | null;
  jobName: string | null;
  project: string | null;
  region: string | null;
  reason: string | null;
}

/**
 * Flatten an observation for display (`signals parse`).
 *
 * @example summarize({ kind: 'ignored', outcome: null, reason: 'start line', fields: {} }).reason === 'start line'
 */
export function summarize(o: Observation): ObservationSummary {
  const f = o.fields;
  return {
    kind: o.kind,
    outcome: o.outcome,
    trace: f.trace ?? null,
    executionLabel: f.executionLabel ?? null,
    function: f.function ?? null,
    jobId: f.jobId ?? null,
    jobName: f.jobName ?? null,
    project: f.project ?? null,
    region: f.region ?? null,
    reason: o.kind === 'ignored' || o.kind === 'rejected' ? o.reason : null,
  };
}

/** Build a `rejected` observation. */
export function rejected(reason: string, extra: Partial<Base> = {}): Observation {
  return { kind: 'rejected', outcome: null, reason, fields: extra.fields ?? {}, ...omitFields(extra) };
}

/** Build an `ignored` observation. */
export function ignored(reason: string, extra: Partial<Base> = {}): Observation {
  return { kind: 'ignored', outcome: null, reason, fields: extra.fields ?? {}, ...omitFields(extra) };
}

function omitFields(extra: Partial<Base>): Omit<Partial<Base>, 'fields'> {
  const { fields: _f, ...rest } = extra;
  return rest;
}
