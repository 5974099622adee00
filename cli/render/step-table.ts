/**
 * The per-step table people see: while an execution runs (redrawn by the live view), in `status`,
 * and as the summary at the end of `run`. Pure: rows in, text out; colours come in as a palette so
 * that nothing here knows whether stdout is a terminal.
 */

import type { MapProgress } from '../../engine/core/map.ts';
import type { ExecutionStatus, StepState, StepStatus } from '../../engine/core/state.ts';
import type { Colors } from './colors.ts';

/** The head fields the table shows (a subset of the stored head document). */
export interface HeadView {
  executionId: string;
  flowId: string;
  status: ExecutionStatus;
  startedAt: string;
  updatedAt: string;
  lastSeq: number;
  steps: Record<string, StepState>;
  /** Each Map's counters (issue 15): shown as the Map row's detail. */
  maps?: Record<string, MapProgress>;
  output?: unknown;
  error?: { name: string; message: string };
}

/**
 * Human duration: `850ms`, `4.2s`, `3m05s`.
 *
 * @example formatElapsed(4200) === '4.2s'
 */
export function formatElapsed(ms: number): string {
  if (ms < 0) return '0ms';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

const ACTIVE: ReadonlySet<StepStatus> = new Set(['LAUNCHING', 'RUNNING', 'RETRY_SCHEDULED', 'WAITING']);

/** Colour for a step or execution status. */
export function paintStatus(colors: Colors, status: StepStatus | ExecutionStatus): string {
  switch (status) {
    case 'SUCCEEDED':
      return colors.green(status);
    case 'FAILED':
    case 'TIMED_OUT':
      return colors.red(status);
    case 'CANCELLED':
      return colors.magenta(status);
    case 'RETRY_SCHEDULED':
    case 'WAITING':
      return colors.yellow(status);
    default:
      return colors.cyan(status);
  }
}

function detail(step: StepState): string {
  if (
    step.error &&
    (step.status === 'FAILED' || step.status === 'TIMED_OUT' || step.status === 'RETRY_SCHEDULED')
  ) {
    return `${step.error.name}: ${step.error.message}`;
  }
  const r = step.receipt;
  if (!r) return '';
  if (r.jobName || r.jobId) return `job ${r.jobName ?? ''}${r.jobId ? ` (${r.jobId})` : ''}`.trim();
  if (r.traceId) return `trace ${r.traceId}`;
  return r.url ?? r.operation ?? r.messageId ?? '';
}

/**
 * A Map's progress in a few characters: finished / total, then successes and failures.
 *
 * @example mapDetail({ total: 10000, succeeded: 7400, failed: 12 } as MapProgress) === '7,412 / 10,000 ✓7,400 ✗12'
 */
export function mapDetail(progress: MapProgress): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const done = progress.succeeded + progress.failed;
  return `${n(done)} / ${n(progress.total)} ✓${n(progress.succeeded)} ✗${n(progress.failed)}`;
}

/** Rows in the order steps were entered (launch time, then path). */
export function orderedSteps(steps: Record<string, StepState>): StepState[] {
  return Object.values(steps).sort(
    (a, b) =>
      (a.launchedAt ?? '\uffff').localeCompare(b.launchedAt ?? '\uffff') || a.path.localeCompare(b.path),
  );
}

/**
 * The step table as lines (no trailing newline). `now` is used for the elapsed time of steps that
 * are still running.
 *
 * @example renderStepTable(head.steps, Date.now(), pc.createColors(false)).join('\n')
 */
export function renderStepTable(
  steps: Record<string, StepState>,
  now: number,
  colors: Colors,
  /** Terminal width: the detail column is cut so that no row wraps (a wrapped row breaks redraws). */
  maxWidth?: number,
  maps?: Record<string, MapProgress>,
): string[] {
  const rows = orderedSteps(steps).map((s) => {
    const start = s.launchedAt ? Date.parse(s.launchedAt) : undefined;
    const end = s.finishedAt ? Date.parse(s.finishedAt) : ACTIVE.has(s.status) ? now : undefined;
    const elapsed = start !== undefined && end !== undefined ? formatElapsed(end - start) : '';
    const map = maps?.[s.path];
    const own =
      map !== undefined && map.attempt === s.attempt && s.status !== 'FAILED' ? mapDetail(map) : detail(s);
    return { path: s.path, status: s.status, attempt: String(s.attempt), elapsed, detail: own };
  });
  const width = {
    path: Math.max(4, ...rows.map((r) => r.path.length)),
    status: Math.max(6, ...rows.map((r) => r.status.length)),
    elapsed: Math.max(7, ...rows.map((r) => r.elapsed.length)),
  };
  const header = colors.dim(
    `${'STEP'.padEnd(width.path)}  ${'STATUS'.padEnd(width.status)}  ATTEMPT  ${'ELAPSED'.padStart(width.elapsed)}  DETAIL`,
  );
  const fixed = width.path + width.status + width.elapsed + 15;
  const room = maxWidth === undefined ? Number.POSITIVE_INFINITY : Math.max(10, maxWidth - fixed - 1);
  const lines = rows.map((r) => {
    if (r.detail.length > room) r.detail = `${r.detail.slice(0, room - 1)}…`;
    const status = paintStatus(colors, r.status) + ' '.repeat(width.status - r.status.length);
    return `${r.path.padEnd(width.path)}  ${status}  ${r.attempt.padStart(7)}  ${r.elapsed.padStart(width.elapsed)}  ${colors.dim(r.detail)}`.trimEnd();
  });
  return [header, ...lines];
}

/**
 * The execution summary: one status line, the step table, and the output or error.
 *
 * @example process.stdout.write(`${renderSummary(head, Date.now(), pc.createColors(false)).join('\n')}\n`)
 */
export function renderSummary(head: HeadView, now: number, colors: Colors): string[] {
  const end = head.status === 'RUNNING' ? now : Date.parse(head.updatedAt);
  const took = formatElapsed(end - Date.parse(head.startedAt));
  const lines = [
    `${colors.bold(head.executionId)}  flow ${head.flowId}  ${paintStatus(colors, head.status)}  ${took}  (${head.lastSeq} events)`,
    ...renderStepTable(head.steps, now, colors, undefined, head.maps),
  ];
  if (head.status === 'SUCCEEDED' && head.output !== undefined)
    lines.push(`output: ${JSON.stringify(head.output)}`);
  if (head.error) lines.push(colors.red(`error: ${head.error.name}: ${head.error.message}`));
  return lines;
}
