/**
 * Evaluate a Condition's choice rules against the execution's data. Pure, no `eval`.
 *
 * Semantics (documented in docs/internals/semantics.md): a comparison whose variable holds a value of
 * another type is false; one whose variable is missing is false here, but the compiled Condition
 * fails with `States.ReferenceNotFound` first (see `unreadableReference`; guard with `is_present`); `is_present` is true for a
 * present `null`; `and` of nothing is true, `or` of nothing is false.
 */
import type { Choice, ChoiceRule } from './model.ts';
import { lookup, type ReferenceContext } from './reference.ts';

/**
 * Whether `rule` holds for `ctx`.
 *
 * @example evaluateRule({variable: '$.input.mode', string_equals: 'full'}, {input: {mode: 'full'}, outputs: {}}) === true
 */
export function evaluateRule(rule: ChoiceRule, ctx: ReferenceContext): boolean {
  if ('and' in rule) return rule.and.every((r) => evaluateRule(r, ctx));
  if ('or' in rule) return rule.or.some((r) => evaluateRule(r, ctx));
  if ('not' in rule) return !evaluateRule(rule.not, ctx);
  const read = lookup(ctx, rule.variable);
  if ('is_present' in rule) return read.found === rule.is_present;
  if (!read.found) return false;
  const value = read.value;
  if ('string_equals' in rule) return typeof value === 'string' && value === rule.string_equals;
  if ('boolean_equals' in rule) return typeof value === 'boolean' && value === rule.boolean_equals;
  if (typeof value !== 'number') return false;
  if ('numeric_equals' in rule) return value === rule.numeric_equals;
  if ('numeric_greater_than' in rule) return value > rule.numeric_greater_than;
  if ('numeric_greater_than_or_equal' in rule) return value >= rule.numeric_greater_than_or_equal;
  if ('numeric_less_than' in rule) return value < rule.numeric_less_than;
  return value <= rule.numeric_less_than_or_equal;
}

/**
 * The first choice whose rule holds, or undefined.
 *
 * @example firstMatch([{variable: '$.input.n', numeric_greater_than: 0, next: 'Load'}], {input: {n: 3}, outputs: {}})?.next === 'Load'
 */
export function firstMatch(choices: readonly Choice[], ctx: ReferenceContext): Choice | undefined {
  return choices.find((choice) => evaluateRule(choice, ctx));
}

/**
 * The first reference that evaluating `choices` in order (stopping at the first match, and
 * short-circuiting `and`/`or` as `evaluateRule` does) would compare although it has no value, or
 * undefined. `is_present` reads never count. The compiled Condition fails with
 * `States.ReferenceNotFound` on it rather than treating the comparison as false.
 *
 * @example unreadableReference([{variable: '$.steps.A.output.n', numeric_greater_than: 0, next: 'B'}], {input: {}, outputs: {A: {}}}) === '$.steps.A.output.n'
 */
export function unreadableReference(choices: readonly Choice[], ctx: ReferenceContext): string | undefined {
  for (const choice of choices) {
    const missing = missingIn(ruleOf(choice), ctx);
    if (missing !== undefined) return missing;
    if (evaluateRule(choice, ctx)) return undefined;
  }
  return undefined;
}

function missingIn(rule: ChoiceRule, ctx: ReferenceContext): string | undefined {
  if ('and' in rule || 'or' in rule) {
    const rules = 'and' in rule ? rule.and : rule.or;
    for (const r of rules) {
      const missing = missingIn(r, ctx);
      if (missing !== undefined) return missing;
      if ('and' in rule ? !evaluateRule(r, ctx) : evaluateRule(r, ctx)) return undefined;
    }
    return undefined;
  }
  if ('not' in rule) return missingIn(rule.not, ctx);
  if ('is_present' in rule) return undefined;
  return lookup(ctx, rule.variable).found ? undefined : rule.variable;
}

/** The rule part of a choice (without `next`), as the compiled machine's guard params carry it. */
export function ruleOf(choice: Choice): ChoiceRule {
  const { next: _next, ...rule } = choice;
  return rule as ChoiceRule;
}
