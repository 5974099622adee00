/**
 * The whole signal pipeline the engine function runs per Pub/Sub message (or the API function per
 * callback): decode → parse → correlate → confirm (Dataflow) → apply.
 *
 * Acknowledgement semantics — resolving acknowledges, throwing makes Pub/Sub redeliver:
 * - malformed / oversized / structurally wrong / forged → a `deadletters` document, acknowledged
 *   (redelivering it would only fail again: no redelivery storm);
 * - well-formed but not ours (no registered key) → acknowledged as `notOurs` with a log line;
 * - not a completion (start lines, autoscaling, the engine's own logs, running jobs, a stale
 *   attempt, a finished execution) → `ignored`;
 * - a terminal engine fault on the way (non-retryable FirestepError: corrupt correlation document,
 *   missing Dataflow client, unknown execution) → dead letter too, with the error as the reason;
 * - transient (Firestore unavailable, Dataflow API lag, any retryable FirestepError, unknown errors)
 *   → thrown, so Pub/Sub redelivers with backoff. Nothing is lost, nothing wrongly applied.
 */
import type { Signal } from '../core/signals.ts';
import { FirestepError, isFirestepError } from '../errors.ts';
import { log } from '../log.ts';
import type {
  CorrelationLookup,
  CorrelationTarget,
  DataflowJobs,
  DeadLetterSink,
  ProbeResult,
} from '../ports/index.ts';
import { confirmDataflow } from './confirm-dataflow.ts';
import { type Correlatable, correlate, signalsFor } from './correlate.ts';
import { withJobMetrics } from './dataflow-metrics.ts';
import { type Observation, type ObservationKind, summarize } from './observation.ts';
import { type ParseOptions, parse } from './parse.ts';

/** What the store answered for one signal (its `apply`). Unknown statuses count as `ignored`. */
export interface ApplyResult {
  status: 'applied' | 'duplicate' | 'queued' | (string & {});
  reason?: string;
  /** Why the store's decide refused it (stale attempt, finished execution …). */
  ignored?: { code: string; message: string };
}

export interface IngestDeps extends ParseOptions {
  lookup: CorrelationLookup;
  /** Append the signal to the execution (the store's transaction: dedupe, replay, decide, outbox). */
  apply: (executionId: string, signal: Signal) => Promise<ApplyResult>;
  /**
   * Asks the platform how a launched attempt ended (the launcher's `probe`: BigQuery `jobs.get`, Cloud
   * Run `executions.get`). Needed to settle BigQuery and Cloud Run job completions.
   */
  confirm?: (target: CorrelationTarget) => Promise<ProbeResult>;
  /** Needed to settle Dataflow "Worker pool stopped." lines. */
  dataflow?: DataflowJobs;
  deadLetters: DeadLetterSink;
}

export type IngestStatus = 'applied' | 'duplicate' | 'queued' | 'ignored' | 'notOurs' | 'deadLettered';

export interface IngestOutcome {
  status: IngestStatus;
  /** What the message was (parser's verdict). */
  kind: ObservationKind;
  reason?: string;
  executionId?: string;
  /** `deadletters/{id}` when dead-lettered. */
  deadLetterId?: string;
}

/**
 * Where a message came in, when that route accepts only some kinds: the API's `/v1/callbacks`
 * takes callbacks only (their token is their proof), `/v1/timers` timers only (OIDC-checked).
 */
export interface IngestRoute {
  /** The route, for the dead letter's reason, e.g. `POST /v1/callbacks`. */
  name: string;
  accepts: readonly ObservationKind[];
}

const APPLY_STATUSES = ['applied', 'duplicate', 'queued'] as const;
/** Codes that mean "too late / already settled": acknowledge, nothing to do. */
const IGNORE_CODES = new Set(['STALE_ATTEMPT', 'EXECUTION_FINISHED']);

/**
 * Ingest one message. Resolves (acknowledge) or throws (redeliver); see the module comment.
 *
 * @example
 * const outcome = await ingest(cloudEvent, {
 *   lookup: firestoreCorrelationLookup(db), deadLetters: firestoreDeadLetters(db),
 *   apply: (id, signal) => store.apply(id, signal), dataflow: googleDataflowJobs(),
 * });
 * // → { status: 'applied', kind: 'cloudFunction', executionId: 'exec-1' }
 */
export async function ingest(raw: unknown, deps: IngestDeps, route?: IngestRoute): Promise<IngestOutcome> {
  const o = parse(raw, deps);
  if (route !== undefined && o.kind !== 'rejected' && !route.accepts.includes(o.kind)) {
    const reason = `${route.name} accepts only ${route.accepts.join(' or ')} messages, got ${o.kind === 'ignored' ? 'another kind' : `a ${o.kind} message`}`;
    return deadLetter(raw, o, reason, deps);
  }
  switch (o.kind) {
    case 'rejected':
      return deadLetter(raw, o, o.reason, deps);
    case 'ignored':
      log.debug('signal ignored', { ...summarize(o) });
      return { status: 'ignored', kind: o.kind, reason: o.reason };
    case 'dataflow':
      if (o.outcome === 'running') {
        const reason = `Dataflow job ${o.fields.jobId ?? o.fields.jobName} is ${o.state ?? 'running'} (not terminal)`;
        return { status: 'ignored', kind: o.kind, reason };
      }
      break;
    default:
      break;
  }
  try {
    return await correlateAndApply(raw, o, deps);
  } catch (e) {
    // A terminal engine fault (corrupt correlation, bad configuration, a store refusal) will fail the
    // same way on every redelivery: keep the message with the reason instead of a redelivery storm.
    if (isFirestepError(e) && !e.retryable) return deadLetter(raw, o, `${e.code}: ${e.message}`, deps);
    throw e;
  }
}

async function correlateAndApply(raw: unknown, o: Correlatable, deps: IngestDeps): Promise<IngestOutcome> {
  const c = await correlate(o, deps.lookup);
  switch (c.status) {
    case 'notOurs':
      log.info('signal not ours', {
        ...summarize(o),
        reason: c.reason,
        source: o.source,
        transport: o.transport,
      });
      return { status: 'notOurs', kind: o.kind, reason: c.reason };
    case 'forged':
      return deadLetter(raw, o, c.reason, deps);
    case 'unconfirmed': {
      if (o.kind === 'platformJob') return confirmPlatformJob(raw, o, c.executionId, c.target, deps);
      if (o.kind !== 'dataflow')
        return deadLetter(raw, o, `only Dataflow outcomes need confirmation, got ${o.kind}`, deps);
      let confirmed: Correlatable;
      try {
        confirmed = await confirmDataflow(o, c.target, deps.dataflow);
      } catch (e) {
        if (isFirestepError(e) && !e.retryable) return deadLetter(raw, o, e.message, deps, c.executionId);
        throw e;
      }
      return applyAll(
        raw,
        o,
        c.executionId,
        await enrich(o, c.target, signalsFor(confirmed, c.target), deps),
        deps,
      );
    }
    case 'matched':
      return applyAll(raw, o, c.executionId, await enrich(o, c.target, c.signals, deps), deps);
  }
}

/** A Dataflow success gains the job's counters (`jobs.getMetrics`); other signals pass unchanged. */
function enrich(
  o: Correlatable,
  target: CorrelationTarget | undefined,
  signals: Signal[],
  deps: IngestDeps,
): Promise<Signal[]> {
  if (o.kind !== 'dataflow') return Promise.resolve(signals);
  return withJobMetrics(signals, target, deps.dataflow, {
    project: o.fields.project,
    region: o.fields.region,
  });
}

type PlatformJob = Extract<Correlatable, { kind: 'platformJob' }>;

/**
 * A BigQuery / Cloud Run completion settled by the platform's API. A job the API still reports as
 * running (the API lags the audit log) or cannot find yet throws `RETRY_LATER`: Pub/Sub redelivers.
 */
async function confirmPlatformJob(
  raw: unknown,
  o: PlatformJob,
  executionId: string,
  target: CorrelationTarget,
  deps: IngestDeps,
): Promise<IngestOutcome> {
  if (!deps.confirm)
    return deadLetter(
      raw,
      o,
      `a ${o.platform} completion needs the platform's API: give ingest a \`confirm\``,
      deps,
      executionId,
    );
  const result = await deps.confirm(target);
  const at = { path: target.path, attempt: target.attempt };
  const source = o.source ?? { kind: 'log' as const };
  if (result.state === 'succeeded')
    return applyAll(
      raw,
      o,
      executionId,
      [{ kind: 'completed', outcome: 'succeeded', output: result.output ?? null, source, ...at }],
      deps,
    );
  if (result.state === 'failed')
    return applyAll(
      raw,
      o,
      executionId,
      [{ kind: 'completed', outcome: 'failed', error: result.error, source, ...at }],
      deps,
    );
  throw new FirestepError(
    'RETRY_LATER',
    `${o.detail}, but the ${o.platform} API reports it ${result.state === 'running' ? 'still running' : 'unknown'}; the API lags its audit logs, redeliver later`,
    { retryable: true, details: { executionId, path: target.path, attempt: target.attempt } },
  );
}

/** Apply in order (log lines before the completion); the last answer is the outcome. */
async function applyAll(
  raw: unknown,
  o: Correlatable,
  executionId: string,
  signals: Signal[],
  deps: IngestDeps,
): Promise<IngestOutcome> {
  let last: IngestOutcome = { status: 'ignored', kind: o.kind, executionId, reason: 'no signal' };
  for (const signal of signals) {
    try {
      const r = await deps.apply(executionId, signal);
      const status = APPLY_STATUSES.find((s) => s === r.status);
      last = status
        ? { status, kind: o.kind, executionId }
        : { status: 'ignored', kind: o.kind, executionId, reason: r.reason ?? ignoredReason(r) };
    } catch (e) {
      if (isFirestepError(e) && IGNORE_CODES.has(e.code)) {
        return { status: 'ignored', kind: o.kind, executionId, reason: `${e.code}: ${e.message}` };
      }
      if (isFirestepError(e) && !e.retryable)
        return deadLetter(raw, o, `${e.code}: ${e.message}`, deps, executionId);
      throw e;
    }
  }
  log.info('signal ingested', { status: last.status, executionId, ...summarize(o), source: o.source });
  return last;
}

function ignoredReason(r: ApplyResult): string {
  return r.ignored ? `${r.ignored.code}: ${r.ignored.message}` : r.status;
}

async function deadLetter(
  raw: unknown,
  o: Observation,
  reason: string,
  deps: IngestDeps,
  executionId?: string,
): Promise<IngestOutcome> {
  const observation: Record<string, unknown> = { ...summarize(o), reason };
  if (o.source) observation.source = o.source;
  if (executionId) observation.executionId = executionId;
  const id = await deps.deadLetters.put({
    raw,
    reason,
    ...(o.transport ? { transport: o.transport } : {}),
    observation,
  });
  log.warn('signal dead-lettered', { reason, deadLetterId: id, kind: o.kind, transport: o.transport });
  const out: IngestOutcome = { status: 'deadLettered', kind: o.kind, reason, deadLetterId: id };
  if (executionId) out.executionId = executionId;
  return out;
}
