/**
 * Step Functions retry and catch semantics, as pure functions the compiled machine's guards use.
 *
 * - The first retry policy whose `errors` match the error name applies (`States.ALL`, or no
 *   `errors`, matches everything); if that policy is exhausted the failure goes to catch rules — a
 *   later policy is not tried.
 * - `max_attempts` counts retries after the first attempt; each policy counts its own retries.
 * - The n-th retry under a policy waits `interval_seconds × backoff_rate^(n−1)`, capped by
 *   `max_delay_seconds`.
 * - `States.TaskFailed` matches every error except `States.Timeout`, as in Step Functions (and
 *   `States.ReferenceNotFound`: the task never ran). `States.ReferenceNotFound` is never retried.
 */
import { ERROR_NAMES, type RetryPolicy } from './model.ts';

/**
 * Whether an error list matches an error name.
 *
 * @example errorMatches(['States.ALL'], 'Boom') === true
 * @example errorMatches(['States.TaskFailed'], 'States.Timeout') === false
 */
export function errorMatches(errors: readonly string[] | undefined, name: string): boolean {
  if (errors === undefined) return true;
  return errors.some(
    (e) =>
      e === name ||
      e === ERROR_NAMES.all ||
      (e === ERROR_NAMES.taskFailed &&
        name !== ERROR_NAMES.timeout &&
        name !== ERROR_NAMES.referenceNotFound),
  );
}

/**
 * Index of the policy that governs an error, or undefined when none matches.
 *
 * @example policyFor([{errors: ['A'], …}, {max_attempts: 2, …}], 'B') === 1
 */
export function policyFor(policies: readonly RetryPolicy[] | undefined, name: string): number | undefined {
  // The same data would fail the same way: a missing reference is caught, never retried.
  if (name === ERROR_NAMES.referenceNotFound) return undefined;
  const index = (policies ?? []).findIndex((p) => errorMatches(p.errors, name));
  return index < 0 ? undefined : index;
}

/**
 * Delay before the `retryNumber`-th retry (1-based) under `policy`, in seconds.
 *
 * @example retryDelaySeconds({max_attempts: 3, interval_seconds: 2, backoff_rate: 3}, 3) === 18
 */
export function retryDelaySeconds(policy: RetryPolicy, retryNumber: number): number {
  const delay = policy.interval_seconds * policy.backoff_rate ** (retryNumber - 1);
  return policy.max_delay_seconds === undefined ? delay : Math.min(delay, policy.max_delay_seconds);
}

/** Key of a policy's retry counter in the machine context. */
export function retryCounterKey(path: string, policyIndex: number): string {
  return `${path}#${policyIndex}`;
}
