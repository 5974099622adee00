/**
 * The request's trace, in the form Cloud Logging links log lines with (`projects/P/traces/T`), read
 * from `traceparent` or `X-Cloud-Trace-Context` (HTTP) or a CloudEvent's `traceparent` extension.
 */
import { parseTraceHeaders } from '../../engine/signals/wire/trace-headers.ts';

/**
 * @example logTrace('my-project', { traceparent: '00-4bf9…4736-00f067aa0ba902b7-01' }) // 'projects/my-project/traces/4bf9…4736'
 */
export function logTrace(
  projectId: string | undefined,
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  const trace = parseTraceHeaders(headers);
  if (!trace || !projectId) return undefined;
  return `projects/${projectId}/traces/${trace.traceId}`;
}
