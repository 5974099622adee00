/**
 * Finds and checks the references written in a flow's data (Task parameters, Pass values, Condition
 * variables): every string that starts with `$.` and every `${$…}` template. A misspelt root, a
 * malformed path, an unterminated template or a Map root outside a Map iterator is an error at the
 * string's JSON path; `$.steps.<Name>` reads are collected so that validation can check that the
 * step exists and can have run before the reading step.
 */
import type { OutputReference } from './outline.ts';
import { childPath, type ProblemList } from './problems.ts';
import { isObject } from './read-values.ts';
import { checkReference, isReference, type ReferenceScope, templatesIn } from './reference.ts';

/** Where the reference checks report to. */
export interface ReferenceSink {
  problems: ProblemList;
  outputReferences: OutputReference[];
  scope: ReferenceScope;
}

/**
 * Checks one reference string (whole-string form) at `path`; returns whether it is well formed.
 *
 * @example checkReferenceAt('$.inputs.day', 'steps.A.parameters.day', sink) // false, error reported
 */
export function checkReferenceAt(text: string, path: string, sink: ReferenceSink): boolean {
  const check = checkReference(text, sink.scope);
  if (!check.ok) {
    sink.problems.error(path, check.message);
    return false;
  }
  const { root } = check.ref;
  if (root.kind === 'step') sink.outputReferences.push({ step: root.name, path, severity: 'error' });
  return true;
}

/**
 * Checks every reference inside a JSON value (deeply); returns whether all are well formed.
 *
 * @example readReferences({ day: '$.input.day', path: 'gs://b/${$.input.day}' }, 'steps.A.parameters', sink)
 */
export function readReferences(value: unknown, path: string, sink: ReferenceSink): boolean {
  if (typeof value === 'string') return readString(value, path, sink);
  let ok = true;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) ok = readReferences(item, childPath(path, i), sink) && ok;
  } else if (isObject(value)) {
    for (const [k, item] of Object.entries(value)) ok = readReferences(item, childPath(path, k), sink) && ok;
  }
  return ok;
}

function readString(text: string, path: string, sink: ReferenceSink): boolean {
  if (isReference(text)) return checkReferenceAt(text, path, sink);
  let ok = true;
  for (const part of templatesIn(text)) {
    if ('ref' in part) {
      ok = checkReferenceAt(part.ref, path, sink) && ok;
      continue;
    }
    sink.problems.error(
      path,
      `unterminated template ${JSON.stringify(text.slice(part.unterminated, part.unterminated + 40))}; close it with "}", e.g. "\${$.input.day}"`,
    );
    ok = false;
  }
  return ok;
}
