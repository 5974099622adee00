/**
 * The two trace headers Google's serverless platforms read, built from a step attempt's trace
 * context, so that the function's own log entries carry the attempt's trace id (the correlation key).
 * W3C `traceparent` (https://www.w3.org/TR/trace-context/) and Google's legacy
 * `X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=1`, where SPAN_ID is the span id in *decimal*.
 */
import type { TraceContext } from '../../core/commands.ts';

/**
 * @example traceHeaders({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' })
 * // → { traceparent: '00-4bf9…4736-00f067aa0ba902b7-01', 'X-Cloud-Trace-Context': '4bf9…4736/67667974448284343;o=1' }
 */
export function traceHeaders(trace: TraceContext): Record<'traceparent' | 'X-Cloud-Trace-Context', string> {
  return {
    traceparent: `00-${trace.traceId}-${trace.spanId}-01`,
    'X-Cloud-Trace-Context': `${trace.traceId}/${BigInt(`0x${trace.spanId}`).toString(10)};o=1`,
  };
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const CLOUD_TRACE = /^([0-9a-f]{32})(?:\/(\d+))?/;

/**
 * Read the trace of an incoming request: `traceparent` first, then `X-Cloud-Trace-Context`.
 * Header names are lower-case, as Node's `IncomingMessage.headers` gives them.
 *
 * @example parseTraceHeaders({ traceparent: '00-4bf9…4736-00f067aa0ba902b7-01' })?.traceId === '4bf9…4736'
 */
export function parseTraceHeaders(
  headers: Record<string, string | string[] | undefined>,
): TraceContext | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const tp = TRACEPARENT.exec(first(headers.traceparent)?.trim().toLowerCase() ?? '');
  if (tp?.[1] && tp[2]) return { traceId: tp[1], spanId: tp[2] };
  const ct = CLOUD_TRACE.exec(first(headers['x-cloud-trace-context'])?.trim().toLowerCase() ?? '');
  if (ct?.[1]) {
    const span = ct[2] ? BigInt(ct[2]).toString(16).padStart(16, '0').slice(-16) : '0000000000000000';
    return { traceId: ct[1], spanId: span };
  }
  return undefined;
}
