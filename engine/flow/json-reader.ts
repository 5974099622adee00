/**
 * The JSON front door: text in the reference format (or firestep's extensions of it) → a normalized,
 * validated `Flow`. Not-JSON and wrong-shape input become problems with paths, never stack traces.
 */
import { FirestepError } from '../errors.ts';
import { definitionHash } from './hash.ts';
import { findJsonSyntaxError } from './json-syntax.ts';
import type { Flow, FlowDefinition } from './model.ts';
import { formatProblem, type Problem, ROOT_PATH } from './problems.ts';
import { type FlowCheck, validateFlow } from './validate.ts';

/** A check of JSON text: `parsed` is false when the text is not JSON at all (`FLOW_PARSE`). */
export interface JsonFlowCheck extends FlowCheck {
  parsed: boolean;
}

/**
 * Parses and validates flow JSON; never throws. `source` (a file name) decorates the parse error.
 *
 * @example
 * const { flow, errors } = readFlowJson(readFileSync('examples/sample-dag.json', 'utf8'), 'sample-dag.json');
 */
export function readFlowJson(text: string, source?: string): JsonFlowCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const where = source === undefined ? '' : `${source} is `;
    const problem = { path: ROOT_PATH, message: `${where}not valid JSON: ${jsonErrorText(e, text)}` };
    return { flow: undefined, errors: [problem], warnings: [], parsed: false };
  }
  return { ...validateFlow(value), parsed: true };
}

/** Where and why the text is not JSON, in words a person can act on. */
function jsonErrorText(error: unknown, text: string): string {
  const syntax = findJsonSyntaxError(text);
  if (syntax === undefined) return error instanceof Error ? error.message : String(error);
  return `${syntax.message} at line ${syntax.line}, column ${syntax.column}`;
}

/**
 * The error thrown for an invalid flow: message lists one `path: message` per problem, `details`
 * carries `problems` (and `warnings`) for callers that render them differently.
 *
 * @example throw invalidFlowError('examples/x.json', check.errors, check.warnings);
 * @example throw invalidFlowError('x.json', check.errors, [], 'FLOW_PARSE'); // the text is not JSON
 */
export function invalidFlowError(
  source: string,
  errors: Problem[],
  warnings: Problem[] = [],
  code: 'FLOW_INVALID' | 'FLOW_PARSE' = 'FLOW_INVALID',
): FirestepError {
  const count = errors.length === 1 ? '1 problem' : `${errors.length} problems`;
  const lines = errors.map((p) => `  ${formatProblem(p)}`).join('\n');
  return new FirestepError(code, `${source} is not a valid flow (${count}):\n${lines}`, {
    details: { source, problems: errors, warnings },
  });
}

/**
 * Reads, validates and hashes flow JSON, or throws `FLOW_PARSE` (not JSON) / `FLOW_INVALID`
 * (with `details.problems`). The API function and the CLI load JSON flows through this.
 *
 * @example const definition = loadFlowFromJson(body, 'nightly-load');
 */
export function loadFlowFromJson(text: string, id: string, source: string = id): FlowDefinition {
  const check = readFlowJson(text, source);
  if (check.flow === undefined) {
    throw invalidFlowError(
      source,
      check.errors,
      check.warnings,
      check.parsed ? 'FLOW_INVALID' : 'FLOW_PARSE',
    );
  }
  return { id, flow: check.flow, hash: definitionHash(check.flow) };
}

/**
 * The canonical form of a flow (defaults filled, `undefined` dropped), as both front doors produce
 * it; throws `FLOW_INVALID` when the flow is not valid.
 *
 * @example definitionHash(normalizeFlow(flow))
 */
export function normalizeFlow(flow: Flow, source = 'flow'): Flow {
  const check = validateFlow(flow);
  if (check.flow === undefined) throw invalidFlowError(source, check.errors, check.warnings);
  return check.flow;
}
