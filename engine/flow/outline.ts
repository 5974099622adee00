/**
 * The skeleton of a flow that the reader collects while it maps fields: scopes (the top level and
 * every Parallel branch), the steps in each, and every reference between them, each with the JSON
 * path where it was written. The graph checks (references, cycles, reachability, unique names) run
 * on this outline, so they work even where a step's fields are broken.
 */

/** A reference from one step to another: `next`, `default`, `choices[i].next`, `catch[i].next`. */
export interface Edge {
  to: string;
  /** JSON path of the reference, e.g. `steps.Init.next`. */
  path: string;
}

export interface StepOutline {
  name: string;
  /** JSON path of the step, e.g. `steps.Step2.branches[1].steps.Branch2`. */
  path: string;
  edges: Edge[];
}

/** The top level or one branch: step names are resolved within their scope only. */
export interface ScopeOutline {
  /** JSON path of the scope object: `''` for the top level, `steps.Step2.branches[1]` for a branch. */
  path: string;
  /** The `start` reference, when it is a string. */
  start?: Edge;
  steps: StepOutline[];
}

/** A `$.steps.<Name>.output…` read in a condition, Task parameters or a Pass value. */
export interface OutputReference {
  step: string;
  /** JSON path of the string that holds the reference (inside the reading step). */
  path: string;
  severity: 'error';
}

export interface FlowOutline {
  scopes: ScopeOutline[];
  outputReferences: OutputReference[];
}
