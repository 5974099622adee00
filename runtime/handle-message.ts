/**
 * The engine's one code path for everything it reacts to — log entries from the sinks, Eventarc
 * Dataflow events, SDK callbacks, timers — whichever way it arrived (Pub/Sub push, CloudEvent, the
 * API's callback and timer endpoints, `run --local`): parse → correlate → apply → dispatch, all in
 * `ingest` over the runtime's store.
 *
 * Acknowledgement: resolving means "done with this message" (applied, duplicate, ignored, not ours,
 * dead-lettered); throwing means "deliver it again" (a transient fault).
 */

import { log } from '../engine/log.ts';
import { type IngestOutcome, type IngestRoute, ingest } from '../engine/signals/ingest.ts';
import { budgetSpentAlready, withRequestBudget } from './request-budget.ts';
import type { Runtime } from './runtime.ts';
import { isTransient } from './transient.ts';

export type EngineOutcome = IngestOutcome;

export interface MessageContext {
  /** `projects/P/traces/T` of the request, to link the log lines. */
  trace?: string;
  /** How it came in, for the log: `push`, `cloudEvent`, `callback`, `timer`, `local`. */
  via?: string;
  /** A route that accepts only some message kinds (others are dead-lettered). */
  route?: IngestRoute;
  /**
   * Milliseconds the message may wait for Firestore (runtime/request-budget.ts): past it the call
   * throws STORE_UNAVAILABLE (retryable) and the message is redelivered. None: no bound of its own.
   */
  budgetMs?: number;
}

/**
 * Handle one message. Resolves with what happened; throws when the message must be redelivered.
 *
 * @example
 * const outcome = await handleEngineMessage(pushBody, runtime, { via: 'push' });
 * // → { status: 'applied', kind: 'cloudFunction', executionId: 'sample-dag-…' }
 */
export async function handleEngineMessage(
  raw: unknown,
  runtime: Pick<Runtime, 'ingestDeps'>,
  ctx: MessageContext = {},
): Promise<EngineOutcome> {
  const logCtx = ctx.trace ? { trace: ctx.trace } : undefined;
  try {
    const work = () => ingest(raw, runtime.ingestDeps, ctx.route);
    const outcome = await (ctx.budgetMs === undefined
      ? work()
      : withRequestBudget(ctx.budgetMs, `handling a ${ctx.via ?? 'engine'} message`, work));
    const fields = {
      via: ctx.via,
      status: outcome.status,
      kind: outcome.kind,
      executionId: outcome.executionId,
    };
    if (outcome.status === 'deadLettered')
      log.warn('engine message dead-lettered', { ...fields, reason: outcome.reason }, logCtx);
    else log.debug('engine message handled', { ...fields, reason: outcome.reason }, logCtx);
    return outcome;
  } catch (e) {
    // Abandoned work of a request that already answered (its budget ran out, and was logged): quiet.
    if (budgetSpentAlready()) throw e;
    const transient = isTransient(e);
    const fields = { via: ctx.via, transient, error: e };
    if (transient) log.warn('engine message failed transiently; it will be redelivered', fields, logCtx);
    else log.error('engine message failed; it will be redelivered', fields, logCtx);
    throw e;
  }
}
