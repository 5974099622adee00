/**
 * Bounds a flow must stay within to be startable. Every Task/Wait attempt is addressed by its step
 * path (`Outer/0/Inner/1/Leaf`), and the store spells Firestore document ids from it: outbox commands
 * (`timer-timeout~<encoded path>~<attempt>`) and dedupe records (`<encoded path>%23<attempt>%23…`).
 * Firestore refuses a document id over 1,500 bytes, so a path whose encoded form is too long would
 * validate and then fail every start; and nesting without bound makes every recursive walk of the
 * model (compile, graph, hash) a stack overflow waiting to happen. Validation reports both instead.
 */
import { branchScope, pathIn } from './paths.ts';

/** Deepest nesting of scopes (a Parallel's branches, and branches in those …) a flow may have. */
export const MAX_NESTING_DEPTH = 32;

/**
 * Longest a step path may be once spelled for a document id (UTF-8 bytes of its percent-encoded
 * form). Firestore's limit is 1,500 bytes; the rest is kept for the prefixes and suffixes the store
 * adds (`timer-timeout~`, `~<attempt>`, `#<attempt>#timer-timeout`, a log record's source id).
 */
export const MAX_STEP_PATH_ID_BYTES = 1024;

/**
 * The bytes a step path takes in a document id (the store's `safeDocId`/`commandId` encoding), or
 * undefined when it cannot be encoded at all (a lone UTF-16 surrogate in a name).
 *
 * @example stepPathIdBytes('Step2/1/Branch2') === 19 // 'Step2%2F1%2FBranch2'
 */
export function stepPathIdBytes(path: string): number | undefined {
  try {
    return new TextEncoder().encode(encodeURIComponent(path).replace(/~/g, '%7E')).length;
  } catch {
    return undefined;
  }
}

/**
 * The problem with a step at `path` (engine step path), or undefined when it can be stored.
 *
 * @example stepPathProblem('A'.repeat(2000)) // 'the step path … is 2000 bytes as a document id; …'
 */
export function stepPathProblem(path: string): string | undefined {
  const bytes = stepPathIdBytes(path);
  if (bytes === undefined)
    return 'the step name is not well-formed Unicode (a lone surrogate), so it cannot name a stored document; rename it';
  if (bytes <= MAX_STEP_PATH_ID_BYTES) return undefined;
  const shown = path.length > 80 ? `${path.slice(0, 40)}…${path.slice(-30)}` : path;
  return `the step path "${shown}" takes ${bytes} bytes as a document id, more than the ${MAX_STEP_PATH_ID_BYTES} allowed (Firestore ids are at most 1,500 bytes); use shorter step names or nest less deeply`;
}

/** Where the reader is: the engine path of the scope being read and how deep it is nested. */
export interface ScopePosition {
  /** Engine path of the scope ('' at the top, `Outer/0` inside Outer's first branch). */
  scope: string;
  /** 0 at the top level, 1 inside a branch of a top-level Parallel, … */
  depth: number;
  /** An enclosing step's path is already reported too long: its nested steps are not reported again. */
  pathReported?: boolean;
}

/** The position of branch `index` of the step `name` read at `at`. */
export function branchPosition(at: ScopePosition, name: string, index: number): ScopePosition {
  const path = pathIn(at.scope, name);
  const pathReported = at.pathReported === true || stepPathProblem(path) !== undefined;
  return { scope: branchScope(path, index), depth: at.depth + 1, ...(pathReported ? { pathReported } : {}) };
}

/** The problem with nesting a scope at `depth`, or undefined. */
export function depthProblem(depth: number): string | undefined {
  if (depth <= MAX_NESTING_DEPTH) return undefined;
  return `branches are nested more than ${MAX_NESTING_DEPTH} levels deep; flatten the flow or move the inner part into a separate flow`;
}
