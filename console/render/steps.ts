/**
 * One row per step of an execution, from its head (Task / Wait rows the engine keeps) and its
 * events (inputs, outputs, errors per attempt). Steps the head has no row for — Parallel,
 * Condition, End, Pass, Fail — get a status derived from the steps around them, so the whole
 * graph can be coloured: a Parallel by its branches, a control step by whether the run went past it.
 */
import type { ExecutionEvent, Receipt, StepError } from '../../engine/core/events.ts';
import { flowGraph } from '../../engine/flow/graph-model.ts';
import type { FlowDefinition, Json } from '../../engine/flow/model.ts';
import { walkSteps } from '../../engine/flow/paths.ts';
import type { StoredHead } from '../../engine/store/index.ts';

export interface StepRow {
  path: string;
  name: string;
  type: string;
  /** A StepStatus, or `PENDING` (not reached). */
  status: string;
  attempt: number;
  launchedAt?: string;
  finishedAt?: string;
  input?: Json;
  output?: Json;
  error?: StepError;
  receipt?: Receipt;
}

const ACTIVE = new Set(['LAUNCHING', 'RUNNING', 'RETRY_SCHEDULED', 'WAITING']);

function aggregate(statuses: string[]): string {
  if (statuses.some((s) => ACTIVE.has(s))) return 'RUNNING';
  if (statuses.some((s) => s === 'FAILED' || s === 'TIMED_OUT')) return 'FAILED';
  if (statuses.some((s) => s === 'CANCELLED')) return 'CANCELLED';
  if (statuses.length > 0 && statuses.every((s) => s === 'SUCCEEDED')) return 'SUCCEEDED';
  return statuses.some((s) => s !== 'PENDING') ? 'RUNNING' : 'PENDING';
}

/**
 * The rows of an execution, in flow order.
 *
 * @example stepRows(def, head, events).map((r) => `${r.path} ${r.status}`)
 */
export function stepRows(
  def: FlowDefinition,
  head: StoredHead,
  events: readonly ExecutionEvent[],
): StepRow[] {
  const rows = new Map<string, StepRow>();
  for (const located of walkSteps(def.flow)) {
    const kept = head.steps[located.path];
    rows.set(located.path, {
      path: located.path,
      name: located.name,
      type: located.step.type,
      status: kept?.status ?? 'PENDING',
      attempt: kept?.attempt ?? 0,
      ...(kept?.launchedAt ? { launchedAt: kept.launchedAt } : {}),
      ...(kept?.finishedAt ? { finishedAt: kept.finishedAt } : {}),
      ...(kept?.receipt ? { receipt: kept.receipt } : {}),
      ...(kept?.error ? { error: kept.error } : {}),
    });
  }
  for (const e of events) {
    if (!('path' in e) || e.path === undefined) continue;
    const row = rows.get(e.path);
    if (!row) continue;
    if (e.type === 'StepLaunched') {
      const input = (e as { input?: Json }).input;
      if (input !== undefined) row.input = input;
      delete row.output;
    } else if (e.type === 'StepSucceeded') {
      row.output = e.output;
      // Steps the head keeps no row for (Pass, …) still report their outcome as events.
      if (!head.steps[e.path]) row.status = 'SUCCEEDED';
    } else if (e.type === 'StepFailed') {
      row.error = e.error;
      if (!head.steps[e.path]) row.status = 'FAILED';
    }
  }
  deriveControlSteps(def, head, rows);
  return [...rows.values()];
}

function deriveControlSteps(def: FlowDefinition, head: StoredHead, rows: Map<string, StepRow>): void {
  const graph = flowGraph(def.flow);
  const next = new Map<string, string[]>();
  const prev = new Map<string, string[]>();
  for (const e of graph.edges) {
    const from = e.from.replace(/#join$/, '');
    next.set(from, [...(next.get(from) ?? []), e.to]);
    prev.set(e.to, [...(prev.get(e.to) ?? []), from]);
  }
  const status = (path: string) => rows.get(path)?.status ?? 'PENDING';
  // Parallels, innermost first (longest paths first).
  const parallels = [...rows.values()]
    .filter((r) => r.type === 'Parallel')
    .sort((a, b) => b.path.length - a.path.length);
  for (const p of parallels) {
    if (head.steps[p.path]) continue;
    const inner = [...rows.values()].filter((r) => r.path.startsWith(`${p.path}/`) && r.type !== 'Parallel');
    p.status = aggregate(inner.map((r) => r.status));
  }
  // Control steps: reached when something after them ran; End/Fail when the run ended there.
  for (let pass = 0; pass < 3; pass++) {
    for (const r of rows.values()) {
      if (head.steps[r.path] || r.type === 'Parallel' || r.status !== 'PENDING') continue;
      const before = (prev.get(r.path) ?? []).map(status);
      const after = (next.get(r.path) ?? []).filter((t) => t !== '__end__').map(status);
      const reachedBefore = r.path === def.flow.start || before.some((s) => s === 'SUCCEEDED');
      if (after.some((s) => s !== 'PENDING')) r.status = 'SUCCEEDED';
      else if (r.type === 'Fail' && reachedBefore && head.status === 'FAILED') r.status = 'FAILED';
      else if (r.type === 'End' && reachedBefore && head.status === 'SUCCEEDED') r.status = 'SUCCEEDED';
    }
  }
}
