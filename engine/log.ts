/**
 * Structured logs that Cloud Logging understands: one JSON object per line on stdout/stderr with
 * `severity`, `message`, and `logging.googleapis.com/trace` when a trace is known. Set
 * `FIRESTEP_LOG=silent` to mute (CLI, tests) or `FIRESTEP_LOG=debug` for debug lines.
 *
 * @example log.info('signal applied', { executionId, events: 2 }, { trace: 'projects/p/traces/abc' });
 */
export type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR';

const ORDER: Record<Severity, number> = { DEBUG: 0, INFO: 1, NOTICE: 2, WARNING: 3, ERROR: 4 };

function threshold(): number {
  const v = (process.env.FIRESTEP_LOG ?? 'info').toLowerCase();
  if (v === 'silent') return 99;
  if (v === 'debug') return 0;
  if (v === 'warning' || v === 'warn') return 3;
  if (v === 'error') return 4;
  return 1;
}

export interface LogContext {
  /** `projects/P/traces/T`, links the line to the request trace in Cloud Logging. */
  trace?: string;
}

function write(
  severity: Severity,
  message: string,
  fields?: Record<string, unknown>,
  ctx?: LogContext,
): void {
  if (ORDER[severity] < threshold()) return;
  const entry: Record<string, unknown> = { severity, message, component: 'firestep', ...fields };
  if (ctx?.trace) entry['logging.googleapis.com/trace'] = ctx.trace;
  const line = JSON.stringify(entry, (_k, v) =>
    v instanceof Error ? { name: v.name, message: v.message, code: (v as { code?: unknown }).code } : v,
  );
  (ORDER[severity] >= ORDER.WARNING ? process.stderr : process.stdout).write(`${line}\n`);
}

export const log = {
  debug: (m: string, f?: Record<string, unknown>, c?: LogContext) => write('DEBUG', m, f, c),
  info: (m: string, f?: Record<string, unknown>, c?: LogContext) => write('INFO', m, f, c),
  notice: (m: string, f?: Record<string, unknown>, c?: LogContext) => write('NOTICE', m, f, c),
  warn: (m: string, f?: Record<string, unknown>, c?: LogContext) => write('WARNING', m, f, c),
  error: (m: string, f?: Record<string, unknown>, c?: LogContext) => write('ERROR', m, f, c),
};
