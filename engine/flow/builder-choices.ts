/**
 * Typed helpers for Condition choices: `when(variable)` offers one method per comparison operator
 * (DESIGN.md §3), `and`/`or`/`not` combine rules, `choice(rule, next)` names where a rule leads.
 * They build the same plain objects as the JSON form, so both can be mixed.
 */
import type { ChoiceRule } from './model.ts';

/** A value a condition can read: the execution input, or a step's output (by step name). */
export type Variable =
  | '$.input'
  | `$.input.${string}`
  | `$.input[${string}`
  | `$.steps.${string}.output`
  | `$.steps.${string}.output.${string}`
  | `$.steps.${string}.output[${string}`;

/** A rule and the step it leads to; `N` is checked against the Condition's scope. */
export type ChoiceInput<N extends string> = ChoiceRule & { next: N };

/** Comparisons on one variable, each returning a plain `ChoiceRule`. */
export interface Comparisons {
  stringEquals(value: string): ChoiceRule;
  numericEquals(value: number): ChoiceRule;
  numericGreaterThan(value: number): ChoiceRule;
  numericGreaterThanOrEqual(value: number): ChoiceRule;
  numericLessThan(value: number): ChoiceRule;
  numericLessThanOrEqual(value: number): ChoiceRule;
  booleanEquals(value: boolean): ChoiceRule;
  /** True when the value is present (`isPresent(false)`: when it is absent). */
  isPresent(present?: boolean): ChoiceRule;
}

/**
 * Starts a rule on `variable`.
 *
 * @example when('$.input.mode').stringEquals('full') // { variable: '$.input.mode', string_equals: 'full' }
 */
export function when(variable: Variable): Comparisons {
  return {
    stringEquals: (value) => ({ variable, string_equals: value }),
    numericEquals: (value) => ({ variable, numeric_equals: value }),
    numericGreaterThan: (value) => ({ variable, numeric_greater_than: value }),
    numericGreaterThanOrEqual: (value) => ({ variable, numeric_greater_than_or_equal: value }),
    numericLessThan: (value) => ({ variable, numeric_less_than: value }),
    numericLessThanOrEqual: (value) => ({ variable, numeric_less_than_or_equal: value }),
    booleanEquals: (value) => ({ variable, boolean_equals: value }),
    isPresent: (present = true) => ({ variable, is_present: present }),
  };
}

/** @example and(when('$.input.a').isPresent(), when('$.input.b').numericGreaterThan(0)) */
export function and(...rules: [ChoiceRule, ...ChoiceRule[]]): ChoiceRule {
  return { and: rules };
}

/** @example or(when('$.input.mode').stringEquals('full'), when('$.input.force').booleanEquals(true)) */
export function or(...rules: [ChoiceRule, ...ChoiceRule[]]): ChoiceRule {
  return { or: rules };
}

/** @example not(when('$.input.dry_run').booleanEquals(true)) */
export function not(rule: ChoiceRule): ChoiceRule {
  return { not: rule };
}

/**
 * A rule with the step it leads to.
 *
 * @example choice(when('$.steps.Count.output.rows').numericGreaterThan(0), 'Load')
 */
export function choice<const N extends string>(rule: ChoiceRule, next: N): ChoiceInput<N> {
  return { ...rule, next } as ChoiceInput<N>;
}
