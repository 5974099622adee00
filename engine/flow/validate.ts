/**
 * Validation of a whole flow in one pass: every shape problem (from the reader) and every graph
 * problem (unknown references with "did you mean", cycles, duplicate names, `$.steps.X` reads of
 * unknown steps), plus unreachable steps as warnings. Works on the reference JSON and on a
 * normalized `Flow`, so the CLI, the API function and the TypeScript builder share one set of rules.
 */
import { findCycles, reachableFrom } from './cycles.ts';
import type { Flow } from './model.ts';
import type { Edge, FlowOutline, ScopeOutline } from './outline.ts';
import { ProblemList, type Validation } from './problems.ts';
import { readFlowOptions } from './read-flow-options.ts';
import { RunOrder } from './read-order.ts';
import { readScope } from './read-steps.ts';
import { didYouMean } from './suggest.ts';

/** The outcome of reading and validating a flow: the normalized flow exists only when there are no errors. */
export interface FlowCheck extends Validation {
  flow: Flow | undefined;
}

/**
 * Reads and validates a flow given as parsed reference JSON or as a normalized `Flow`; reports all
 * problems at once. `flow` is the normalized model (defaults filled) when there are no errors.
 *
 * @example
 * const { flow, errors, warnings } = validateFlow(JSON.parse(text));
 * for (const p of errors) console.error(`${p.path}: ${p.message}`);
 */
export function validateFlow(input: unknown): FlowCheck {
  const out = new ProblemList();
  const outline: FlowOutline = { scopes: [], outputReferences: [] };
  const steps = readScope(input, '', { out, outline, refs: { inMapIterator: false } });
  const { options } = readFlowOptions(input, out);
  checkGraph(outline, out);
  const flow = steps === undefined ? undefined : { ...steps, ...options };
  return { flow: out.errors.length === 0 ? flow : undefined, errors: out.errors, warnings: out.warnings };
}

function checkGraph(outline: FlowOutline, out: ProblemList): void {
  const firstUse = new Map<string, string>();
  for (const scope of outline.scopes) {
    for (const step of scope.steps) {
      const earlier = firstUse.get(step.name);
      if (earlier === undefined) firstUse.set(step.name, step.path);
      else {
        out.error(
          step.path,
          `step name ${JSON.stringify(step.name)} is already used at ${earlier}; names must be unique across the flow (outputs are keyed by name)`,
        );
      }
    }
  }
  for (const scope of outline.scopes) checkScope(scope, firstUse, out);
  const order = new RunOrder(outline);
  for (const ref of outline.outputReferences) {
    if (!firstUse.has(ref.step)) {
      out.error(
        ref.path,
        `reads the output of unknown step ${JSON.stringify(ref.step)}${didYouMean(ref.step, firstUse.keys())}`,
      );
      continue;
    }
    const reader = order.stepHolding(ref.path);
    const why = reader === undefined ? undefined : order.whyNotBefore(ref.step, reader);
    if (why !== undefined) out.error(ref.path, `reads "$.steps.${ref.step}…": ${why}`);
  }
}

function checkScope(scope: ScopeOutline, everywhere: ReadonlyMap<string, string>, out: ProblemList): void {
  const names = scope.steps.map((s) => s.name);
  const known = new Set(names);
  const unknown = (edge: Edge): string => {
    const elsewhere = everywhere.get(edge.to);
    if (elsewhere !== undefined) {
      return `step ${JSON.stringify(edge.to)} (at ${elsewhere}) is in another scope; a reference can only name steps of its own flow or branch`;
    }
    // Own scope first; then the whole flow, since a branch's step often means an outer one (DESIGN §3's example).
    const hint = didYouMean(edge.to, names) || didYouMean(edge.to, everywhere.keys());
    const listing = hint === '' && names.length <= 12 ? `; steps here: ${names.join(', ')}` : '';
    return `unknown step ${JSON.stringify(edge.to)}${hint}${listing}`;
  };

  if (scope.steps.length === 0) return; // the scope's "steps" is itself broken, already reported
  if (scope.start !== undefined && !known.has(scope.start.to))
    out.error(scope.start.path, unknown(scope.start));
  const edges = new Map<string, Edge[]>();
  for (const step of scope.steps) {
    edges.set(step.name, step.edges);
    for (const edge of step.edges) if (!known.has(edge.to)) out.error(edge.path, unknown(edge));
  }

  const start = scope.start?.to;
  const order = start !== undefined && known.has(start) ? [start, ...names] : names;
  for (const cycle of findCycles(order, edges)) {
    out.error(
      cycle.path,
      `cycle ${cycle.steps.join(' → ')}; a flow must be acyclic (use "retry" to repeat a Task)`,
    );
  }
  if (start === undefined || !known.has(start)) return;
  const reached = reachableFrom(start, edges);
  for (const step of scope.steps) {
    if (!reached.has(step.name))
      out.warn(step.path, `unreachable: nothing leads here from ${JSON.stringify(start)}`);
  }
}
