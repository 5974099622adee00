/**
 * Resolve a Task's `parameters` at launch into the input its target receives.
 *
 * - A string that is exactly a reference (`$.input.table`, `$.steps.Count.output`) is replaced by the
 *   referenced value, whatever its type (object, array, number…).
 * - A string containing `${…}` templates (`gs://bucket/${$.input.date}/part`) is interpolated: strings
 *   are inserted as they are, other values as JSON.
 * - A reference that cannot be read (step not completed, member missing) and has no `?? default`
 *   is listed in `missing` (and resolves to `null`, or an empty string inside a template): the
 *   core fails the step with `States.ReferenceNotFound` rather than launching it with a hole.
 * - A Task without `parameters` receives `{}`: data flows between steps only through explicit
 *   `$.steps.<Name>.output` references, so a step's input is always visible in the flow.
 */
import type { Json, JsonObject } from './model.ts';
import { isReference, lookup, type ReferenceContext, templatesIn } from './reference.ts';

export interface ResolvedParameters {
  value: Json;
  /** References that could not be read, in document order (duplicates kept once). */
  missing: string[];
}

/**
 * Resolve parameters, reporting unreadable references.
 *
 * @example
 * resolveParametersDetailed({table: '$.input.table', rows: '$.steps.Count.output.rows'}, {input: {table: 't'}, outputs: {}})
 * // {value: {table: 't', rows: null}, missing: ['$.steps.Count.output.rows']}
 */
export function resolveParametersDetailed(
  parameters: JsonObject | undefined,
  ctx: ReferenceContext,
): ResolvedParameters {
  const missing = new Set<string>();
  const value = parameters === undefined ? {} : resolveValue(parameters, ctx, missing);
  return { value, missing: [...missing] };
}

/**
 * Resolve any JSON value (a Pass step's `value`), reporting unreadable references.
 *
 * @example resolveValueDetailed(['$.input.a', 'x'], {input: {a: 1}, outputs: {}}) // {value: [1, 'x'], missing: []}
 */
export function resolveValueDetailed(value: Json, ctx: ReferenceContext): ResolvedParameters {
  const missing = new Set<string>();
  const resolved = resolveValue(value, ctx, missing);
  return { value: resolved, missing: [...missing] };
}

/**
 * Resolve parameters into a Task's input (unreadable references become null).
 *
 * @example resolveParameters({path: 'gs://b/${$.input.date}/x'}, {input: {date: '2024-01-01'}, outputs: {}}) // {path: 'gs://b/2024-01-01/x'}
 */
export function resolveParameters(parameters: JsonObject | undefined, ctx: ReferenceContext): Json {
  return resolveParametersDetailed(parameters, ctx).value;
}

function resolveValue(value: Json, ctx: ReferenceContext, missing: Set<string>): Json {
  if (typeof value === 'string') return resolveString(value, ctx, missing);
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, ctx, missing));
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) out[key] = resolveValue(item, ctx, missing);
    return out;
  }
  return value;
}

function resolveString(text: string, ctx: ReferenceContext, missing: Set<string>): Json {
  if (isReference(text)) {
    const read = lookup(ctx, text);
    if (read.found) return read.value;
    missing.add(text);
    return null;
  }
  const parts = templatesIn(text);
  if (parts.length === 0) return text;
  let out = '';
  let from = 0;
  for (const part of parts) {
    if (!('ref' in part)) break; // unterminated: validation rejects it; keep the rest as text
    out += text.slice(from, part.start);
    from = part.end;
    const read = lookup(ctx, part.ref);
    if (!read.found) {
      missing.add(part.ref);
      continue;
    }
    out += typeof read.value === 'string' ? read.value : JSON.stringify(read.value);
  }
  return out + text.slice(from);
}
