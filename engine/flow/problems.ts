/**
 * Problems found in a flow definition, each addressed by the JSON path of the offending node in the
 * source (`steps.Step2.branches[1].steps.Branch2.next`), so that a person can jump straight to it.
 */

/** One finding: where (`path`, a JSON path into the source) and what (`message`). */
export interface Problem {
  path: string;
  message: string;
}

/** Everything wrong (`errors`) or suspicious (`warnings`) about a flow, all at once. */
export interface Validation {
  errors: Problem[];
  warnings: Problem[];
}

/** The path used for problems with the document as a whole. */
export const ROOT_PATH = '(root)';

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/**
 * Extends a JSON path by an object key or an array index.
 *
 * @example
 * childPath('steps', 'Step2') // 'steps.Step2'
 * childPath('steps.Step2.branches', 1) // 'steps.Step2.branches[1]'
 * childPath('steps', 'Step 1') // 'steps["Step 1"]'
 */
export function childPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (!IDENTIFIER.test(key)) return `${base}[${JSON.stringify(key)}]`;
  return base === '' ? key : `${base}.${key}`;
}

/**
 * One `path: message` line per problem, the form `firestep validate` prints.
 *
 * @example formatProblem({ path: 'steps.A.next', message: 'unknown step "B"' }) // 'steps.A.next: unknown step "B"'
 */
export function formatProblem(problem: Problem): string {
  return `${problem.path}: ${problem.message}`;
}

/** A collector that the reading and checking passes append to. */
export class ProblemList implements Validation {
  readonly errors: Problem[] = [];
  readonly warnings: Problem[] = [];

  error(path: string, message: string): void {
    this.errors.push({ path: path === '' ? ROOT_PATH : path, message });
  }

  warn(path: string, message: string): void {
    this.warnings.push({ path: path === '' ? ROOT_PATH : path, message });
  }
}
