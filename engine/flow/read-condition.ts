/**
 * Reads a Condition's `choices` (DESIGN.md §3 operators, including and/or/not) into `ChoiceRule`s.
 * A misspelt operator is an error, not a warning: ignoring it would silently change the routing.
 */
import type { Choice, ChoiceRule } from './model.ts';
import type { Edge } from './outline.ts';
import { childPath } from './problems.ts';
import { checkReferenceAt, type ReferenceSink } from './read-references.ts';
import { describe, isFreeField, isObject, type RawObject } from './read-values.ts';
import { didYouMean } from './suggest.ts';

/** Comparison operators and the JSON type of the value each compares with. */
export const COMPARISON_OPERATORS = {
  string_equals: 'string',
  numeric_equals: 'number',
  numeric_greater_than: 'number',
  numeric_greater_than_or_equal: 'number',
  numeric_less_than: 'number',
  numeric_less_than_or_equal: 'number',
  boolean_equals: 'boolean',
  is_present: 'boolean',
} as const;

export type ComparisonOperator = keyof typeof COMPARISON_OPERATORS;
export const LOGICAL_OPERATORS = ['and', 'or', 'not'] as const;
const OPERATORS: readonly string[] = [...Object.keys(COMPARISON_OPERATORS), ...LOGICAL_OPERATORS];

/** What a rule reader found besides the rule: outgoing edges and `$.steps.X` reads. */
export interface ConditionSink extends ReferenceSink {
  edges: Edge[];
}

/**
 * Reads `choices` (a non-empty array of rules, each with `next`); returns undefined if any is broken.
 *
 * @example readChoices([{ variable: '$.input.mode', string_equals: 'full', next: 'Full' }], 'steps.Route.choices', sink)
 */
export function readChoices(value: unknown, path: string, sink: ConditionSink): Choice[] | undefined {
  if (value === undefined) {
    sink.problems.error(path, 'missing; a Condition needs at least one choice');
    return undefined;
  }
  if (!Array.isArray(value) || value.length === 0) {
    sink.problems.error(path, `must be a non-empty array of choices, got ${describe(value)}`);
    return undefined;
  }
  const choices: Choice[] = [];
  let broken = false;
  for (const [i, raw] of value.entries()) {
    const at = childPath(path, i);
    const rule = readRule(raw, at, sink, true);
    const next = isObject(raw) ? readChoiceNext(raw, at, sink) : undefined;
    if (rule === undefined || next === undefined) broken = true;
    else choices.push({ ...rule, next } as Choice);
  }
  return broken ? undefined : choices;
}

function readChoiceNext(raw: RawObject, path: string, sink: ConditionSink): string | undefined {
  const at = childPath(path, 'next');
  if (raw.next === undefined) {
    sink.problems.error(at, 'missing; name the step this choice leads to');
    return undefined;
  }
  if (typeof raw.next !== 'string') {
    sink.problems.error(at, `must be a step name, got ${describe(raw.next)}`);
    return undefined;
  }
  sink.edges.push({ to: raw.next, path: at });
  return raw.next;
}

function readRule(
  raw: unknown,
  path: string,
  sink: ConditionSink,
  topLevel: boolean,
): ChoiceRule | undefined {
  const out = sink.problems;
  if (!isObject(raw)) {
    out.error(path, `must be an object with an operator, got ${describe(raw)}`);
    return undefined;
  }
  const allowed = [...OPERATORS, 'variable', ...(topLevel ? ['next'] : [])];
  let broken = false;
  for (const key of Object.keys(raw)) {
    if (allowed.includes(key) || isFreeField(key)) continue;
    const hint = key === 'next' ? '; only top-level choices have "next"' : didYouMean(key, allowed);
    out.error(childPath(path, key), `unknown operator or field${hint}`);
    broken = true;
  }
  const operators = Object.keys(raw).filter((k) => OPERATORS.includes(k));
  if (operators.length !== 1) {
    if (operators.length > 1)
      out.error(
        path,
        `has ${operators.length} operators (${operators.join(', ')}); use "and"/"or" to combine`,
      );
    else if (!broken) out.error(path, `missing an operator; expected one of ${OPERATORS.join(', ')}`);
    return undefined;
  }
  const operator = operators[0]!;
  const rule =
    operator === 'and' || operator === 'or' || operator === 'not'
      ? readLogical(raw, operator, path, sink)
      : readComparison(raw, operator as ComparisonOperator, path, sink);
  return broken ? undefined : rule;
}

function readLogical(
  raw: RawObject,
  operator: 'and' | 'or' | 'not',
  path: string,
  sink: ConditionSink,
): ChoiceRule | undefined {
  const at = childPath(path, operator);
  if (raw.variable !== undefined)
    sink.problems.error(childPath(path, 'variable'), `"${operator}" takes no variable`);
  if (operator === 'not') {
    const inner = readRule(raw.not, at, sink, false);
    return inner === undefined || raw.variable !== undefined ? undefined : { not: inner };
  }
  const list = raw[operator];
  if (!Array.isArray(list) || list.length === 0) {
    sink.problems.error(at, `must be a non-empty array of rules, got ${describe(list)}`);
    return undefined;
  }
  const rules = list.map((item, i) => readRule(item, childPath(at, i), sink, false));
  if (raw.variable !== undefined || rules.some((r) => r === undefined)) return undefined;
  return (operator === 'and' ? { and: rules } : { or: rules }) as ChoiceRule;
}

function readComparison(
  raw: RawObject,
  operator: ComparisonOperator,
  path: string,
  sink: ConditionSink,
): ChoiceRule | undefined {
  const variable = readVariable(raw.variable, childPath(path, 'variable'), sink);
  const value = raw[operator];
  const expected = COMPARISON_OPERATORS[operator];
  const valueOk = typeof value === expected && (expected !== 'number' || Number.isFinite(value));
  if (!valueOk)
    sink.problems.error(childPath(path, operator), `must be a ${expected}, got ${describe(value)}`);
  if (variable === undefined || !valueOk) return undefined;
  return { variable, [operator]: value } as ChoiceRule;
}

function readVariable(value: unknown, path: string, sink: ConditionSink): string | undefined {
  if (value === undefined) {
    sink.problems.error(
      path,
      'missing; say what to compare, e.g. "$.input.mode" or "$.steps.Count.output.rows"',
    );
    return undefined;
  }
  if (typeof value !== 'string') {
    sink.problems.error(path, `must be a string path, got ${describe(value)}`);
    return undefined;
  }
  if (/\?\?/.test(value)) {
    sink.problems.error(
      path,
      'a Condition variable takes no "??" default; test presence with "is_present" (combined with "and")',
    );
    return undefined;
  }
  return checkReferenceAt(value, path, sink) ? value : undefined;
}
