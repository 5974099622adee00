/**
 * Cycle detection within one scope: a depth-first walk from the start (then from every other step,
 * in the order written) that reports each back edge with the cycle it closes, e.g. `Init → Step1 → Init`.
 */
import type { Edge } from './outline.ts';

/** A cycle, as the step names along it (first = last), and the path of the reference that closes it. */
export interface Cycle {
  steps: string[];
  path: string;
}

/**
 * Every cycle closed by a back edge of the walk; edges to unknown steps are ignored.
 *
 * @example
 * findCycles(['A', 'B'], new Map([['A', [{ to: 'B', path: 'steps.A.next' }]], ['B', [{ to: 'A', path: 'steps.B.next' }]]]))
 * // [{ steps: ['A', 'B', 'A'], path: 'steps.B.next' }]
 */
export function findCycles(order: readonly string[], edges: ReadonlyMap<string, readonly Edge[]>): Cycle[] {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: Cycle[] = [];
  // An explicit stack of (step, next edge to follow): a 5,000-step chain must not overflow the call stack.
  const path: string[] = [];
  const frames: Array<{ name: string; next: number }> = [];
  const open = (name: string): void => {
    state.set(name, 'open');
    path.push(name);
    frames.push({ name, next: 0 });
  };

  for (const root of order) {
    if (state.has(root)) continue;
    open(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1] as { name: string; next: number };
      const out = edges.get(frame.name) ?? [];
      const edge = out[frame.next++];
      if (edge === undefined) {
        frames.pop();
        path.pop();
        state.set(frame.name, 'done');
        continue;
      }
      if (!edges.has(edge.to)) continue;
      const seen = state.get(edge.to);
      if (seen === 'open')
        cycles.push({ steps: [...path.slice(path.indexOf(edge.to)), edge.to], path: edge.path });
      else if (seen === undefined) open(edge.to);
    }
  }
  return cycles;
}

/** Names reachable from `start` along known edges (including `start`). */
export function reachableFrom(start: string, edges: ReadonlyMap<string, readonly Edge[]>): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (seen.has(name) || !edges.has(name)) continue;
    seen.add(name);
    for (const edge of edges.get(name) ?? []) todo.push(edge.to);
  }
  return seen;
}
