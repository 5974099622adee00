/**
 * W3C trace context derived from (execution, step path, attempt). Deterministic, so the trace id is
 * known before the launch happens (the store registers it as a correlation key in the same
 * transaction) and a relaunch of the same command carries the same trace.
 *
 * Keyed (trace key version 1): an HMAC-SHA256 under the deployment's secret, so nobody who only
 * knows an execution id can compute the trace id a completion log line must carry. Executions
 * started before keyed traces (no `traceKeyVersion` on ExecutionStarted) keep the old unkeyed form
 * until they finish; see docs/internals/trace-keys.md for the cut-over.
 */
import { createHash, createHmac } from 'node:crypto';
import type { TraceContext } from './commands.ts';

const ZERO = /^0+$/;

/** The trace form an execution uses: 1 = keyed (HMAC); absent = the unkeyed form of old executions. */
export const TRACE_KEY_VERSION = 1;

/**
 * Trace and span ids for one step attempt: with a `key`, HMAC-SHA256(key, `firestep-trace \n
 * executionId \n path \n attempt`); without, the legacy sha256 of `executionId \n path \n attempt`
 * (only for executions started before keyed traces). First 32 hex digits are the trace id, the
 * next 16 the span id (an all-zero id, invalid in W3C, gets a final 1).
 *
 * @example traceFor('exec-1', 'Step2/1/Branch2', 1, secret) // {traceId: '…32 hex…', spanId: '…16 hex…'}
 */
export function traceFor(executionId: string, path: string, attempt: number, key?: string): TraceContext {
  const digest =
    key === undefined
      ? createHash('sha256').update(`${executionId}\n${path}\n${attempt}`).digest('hex')
      : createHmac('sha256', key).update(`firestep-trace\n${executionId}\n${path}\n${attempt}`).digest('hex');
  return { traceId: nonZero(digest.slice(0, 32)), spanId: nonZero(digest.slice(32, 48)) };
}

/**
 * The `traceparent` header value for a trace context (version 00, sampled).
 *
 * @example traceparent({traceId: 'a'.repeat(32), spanId: 'b'.repeat(16)}) === `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`
 */
export function traceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-01`;
}

function nonZero(hex: string): string {
  return ZERO.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}
