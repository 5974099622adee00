/** The gen1 end-of-execution line ("Function execution took …") of the attempt with this trace id. */
export function gen1EndLine<E extends { trace?: unknown; textPayload?: unknown }>(
  entries: E[],
  traceId: string,
): E | undefined {
  return entries.find(
    (e) =>
      typeof e.trace === 'string' &&
      e.trace.endsWith(`/traces/${traceId}`) &&
      String(e.textPayload ?? '').startsWith('Function execution took'),
  );
}
