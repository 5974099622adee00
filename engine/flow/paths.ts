/**
 * Step addresses. A step's path is the chain of enclosing Parallel names and 0-based branch indexes,
 * then its own name: `Step1`, `Step2/1/Branch2`, `Outer/0/Inner/1/Leaf`. Paths are unique in a flow
 * even when step names repeat across branches, so the engine keys attempts, commands and the head's
 * step table by path.
 */
import type { Flow, Step, StepPath } from './model.ts';

/** One step of a flow with its address. `scope` is the path of the (sub-)flow that holds it. */
export interface LocatedStep {
  path: StepPath;
  name: string;
  scope: string;
  step: Step;
}

/** The separator between path segments. Step names must not contain it. */
export const PATH_SEPARATOR = '/';

/**
 * Join a scope and a step name into a path.
 *
 * @example pathIn('', 'Step1') === 'Step1'
 * @example pathIn('Step2/1', 'Branch2') === 'Step2/1/Branch2'
 */
export function pathIn(scope: string, name: string): StepPath {
  return scope === '' ? name : `${scope}${PATH_SEPARATOR}${name}`;
}

/**
 * The scope of a Parallel's branch.
 *
 * @example branchScope('Step2', 1) === 'Step2/1'
 */
export function branchScope(parallelPath: StepPath, index: number): string {
  return `${parallelPath}${PATH_SEPARATOR}${index}`;
}

/**
 * The scope that holds the step at `path` ('' for top-level steps).
 *
 * @example scopeOf('Step2/1/Branch2') === 'Step2/1'
 * @example scopeOf('Step1') === ''
 */
export function scopeOf(path: StepPath): string {
  const cut = path.lastIndexOf(PATH_SEPARATOR);
  return cut < 0 ? '' : path.slice(0, cut);
}

/**
 * The step name at the end of a path.
 *
 * @example nameOf('Step2/1/Branch2') === 'Branch2'
 */
export function nameOf(path: StepPath): string {
  return path.slice(path.lastIndexOf(PATH_SEPARATOR) + 1);
}

/**
 * Every step of the flow, depth first: each step, then (for a Parallel) the steps of its branches in
 * branch order. Order within a scope follows the object's key order, which is deterministic.
 *
 * @example [...walkSteps(flow)].map((s) => s.path) // ['Init', 'Step1', 'Step2', 'Step2/0/Branch1', 'Step2/1/Branch2', 'End']
 */
export function* walkSteps(flow: Flow, scope = ''): Generator<LocatedStep> {
  for (const [name, step] of Object.entries(flow.steps)) {
    const path = pathIn(scope, name);
    yield { path, name, scope, step };
    if (step.type === 'Parallel') {
      for (const [index, branch] of step.branches.entries()) {
        yield* walkSteps(branch, branchScope(path, index));
      }
    }
  }
}

/**
 * The step at `path`, or undefined when the path does not address a step of this flow.
 *
 * @example stepAt(flow, 'Step2/1/Branch2')?.type === 'Task'
 */
export function stepAt(flow: Flow, path: StepPath): Step | undefined {
  const segments = path.split(PATH_SEPARATOR);
  let steps: Flow['steps'] = flow.steps;
  for (let i = 0; i < segments.length; i += 2) {
    const name = segments[i] as string;
    if (!Object.hasOwn(steps, name)) return undefined;
    const step = steps[name] as Step;
    if (i === segments.length - 1) return step;
    const index = segments[i + 1];
    if (step.type !== 'Parallel' || index === undefined || !/^(0|[1-9]\d*)$/.test(index)) return undefined;
    const branch = step.branches[Number(index)];
    if (branch === undefined) return undefined;
    steps = branch.steps;
  }
  return undefined;
}
