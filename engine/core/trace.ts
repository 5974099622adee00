/**
 * W3C trace context derived from (execution, step path, attempt). Deterministic, so the trace id is
 * known before the launch happens (the store registers it as a correlation key in the same
 * transaction) and a relaunch of the same command carries the same trace.
 */
import { createHash } from 'node:crypto';
import type { TraceContext } from './commands.ts';

const ZERO = /^0+$/;

/**
 * Trace and span ids for one step attempt: sha256 of `executionId \n path \n attempt`, first 32 hex
 * digits as the trace id, next 16 as the span id (an all-zero id, invalid in W3C, gets a final 1).
 *
 * @example traceFor('exec-1', 'Step2/1/Branch2', 1) // {traceId: '…32 hex…', spanId: '…16 hex…'}
 */
export function traceFor(executionId: string, path: string, attempt: number): TraceContext {
  const digest = createHash('sha256').update(`${executionId}\n${path}\n${attempt}`).digest('hex');
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
