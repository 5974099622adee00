/**
 * Which steps can have run before a given step: the steps that lead to it in its own scope (through
 * any edge: next, choices, default, catch), everything nested in those (the branches of a joined
 * Parallel), and the same again for each enclosing step (a branch can read what ran before its
 * Parallel). A `$.steps.X` read of any other step — a later one, itself, one in a sibling branch
 * that is not joined yet — can never succeed, so validation reports it.
 */
import type { FlowOutline, ScopeOutline, StepOutline } from './outline.ts';

/** A step of the outline with the scope that holds it. */
interface Located {
  step: StepOutline;
  scope: ScopeOutline;
}

/** Answers "can X have run before Y?" over one flow outline. */
export class RunOrder {
  private readonly byPath = new Map<string, Located>();
  private readonly byName = new Map<string, Located>();
  private readonly cache = new Map<string, Set<string>>();

  constructor(private readonly outline: FlowOutline) {
    for (const scope of outline.scopes) {
      for (const step of scope.steps) {
        const at = { step, scope };
        this.byPath.set(step.path, at);
        if (!this.byName.has(step.name)) this.byName.set(step.name, at);
      }
    }
  }

  /** The innermost step whose JSON path contains `path` (the step a reference is written in). */
  stepHolding(path: string): StepOutline | undefined {
    let best: StepOutline | undefined;
    for (const [at, located] of this.byPath) {
      if (
        (path === at || path.startsWith(`${at}.`) || path.startsWith(`${at}[`)) &&
        at.length > (best?.path.length ?? -1)
      )
        best = located.step;
    }
    return best;
  }

  /**
   * Why step `target` (by name) cannot have run before `reader`, or undefined when it can.
   *
   * @example order.whyNotBefore('Load', readerOutline) // 'step "Load" comes later, …'
   */
  whyNotBefore(target: string, reader: StepOutline): string | undefined {
    if (target === reader.name) return `a step cannot read its own output`;
    if (this.before(reader).has(target)) return undefined;
    const where = this.byName.get(target)?.step.path;
    const iterator = iteratorOf(reader.path);
    if (where !== undefined && iterator !== undefined && !where.startsWith(`${iterator}.`))
      return `step ${JSON.stringify(target)} is outside the Map iterator; each iteration runs as a child execution that sees only its own steps: pass the value in with "item_selector" and read it as $.input…`;
    for (const parent of this.parents(reader)) {
      if (where !== undefined && where.startsWith(`${parent.path}.`)) {
        return `step ${JSON.stringify(target)} is in another branch of ${JSON.stringify(parent.name)}, which has not joined yet; read it in a step after ${JSON.stringify(parent.name)}`;
      }
    }
    return `step ${JSON.stringify(target)} cannot have run before ${JSON.stringify(reader.name)} (it is not on any path that leads here); only earlier steps' outputs can be read`;
  }

  /** Names of every step that can have completed before `reader` starts. */
  private before(reader: StepOutline): Set<string> {
    const cached = this.cache.get(reader.path);
    if (cached !== undefined) return cached;
    const names = new Set<string>();
    let current: StepOutline | undefined = reader;
    while (current !== undefined) {
      const located = this.byPath.get(current.path);
      if (located === undefined) break;
      for (const name of predecessors(located.scope, current.name)) {
        names.add(name);
        const step = located.scope.steps.find((s) => s.name === name);
        if (step !== undefined) for (const nested of this.nestedIn(step)) names.add(nested);
      }
      // A Map iteration is a child execution: it sees only its own steps (and $.input, $.item).
      current = isIterator(located.scope) ? undefined : this.parentOf(located.scope);
    }
    this.cache.set(reader.path, names);
    return names;
  }

  private *parents(step: StepOutline): Generator<StepOutline> {
    let scope = this.byPath.get(step.path)?.scope;
    while (scope !== undefined) {
      const parent = this.parentOf(scope);
      if (parent === undefined) return;
      yield parent;
      scope = this.byPath.get(parent.path)?.scope;
    }
  }

  /** The step that holds a nested scope (a Parallel for its branches), undefined for the top level. */
  private parentOf(scope: ScopeOutline): StepOutline | undefined {
    return scope.path === '' ? undefined : this.stepHolding(scope.path);
  }

  private nestedIn(step: StepOutline): string[] {
    const prefix = `${step.path}.`;
    return this.outline.scopes
      .filter((scope) => scope.path.startsWith(prefix))
      .flatMap((scope) => scope.steps.map((s) => s.name));
  }
}

/** A Map's iterator (JSON path `….iterator`): a scope that runs as a child execution. */
function isIterator(scope: ScopeOutline): boolean {
  return scope.path.endsWith('.iterator');
}

/** JSON path of the innermost Map iterator holding `path`, if any. */
function iteratorOf(path: string): string | undefined {
  const cut = path.lastIndexOf('.iterator.');
  return cut < 0 ? undefined : path.slice(0, cut + '.iterator'.length);
}

/** Steps of `scope` from which `name` can be reached (excluding `name` itself unless on a cycle). */
function predecessors(scope: ScopeOutline, name: string): Set<string> {
  const into = new Map<string, string[]>();
  for (const step of scope.steps) {
    for (const edge of step.edges) into.set(edge.to, [...(into.get(edge.to) ?? []), step.name]);
  }
  const seen = new Set<string>();
  const queue = [...(into.get(name) ?? [])];
  while (queue.length > 0) {
    const next = queue.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...(into.get(next) ?? []));
  }
  return seen;
}
