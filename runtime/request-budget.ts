/**
 * The per-request time budget of the functions and the CLI (`FIRESTEP_REQUEST_BUDGET_MS`, default
 * 20 s): how long one engine push, API request or CLI store call may wait for Firestore before it
 * gives up with STORE_UNAVAILABLE (503, redelivered / retried). See engine/store/request-budget.ts.
 */
import { FirestepError } from '../engine/errors.ts';
import {
  budgetSpentAlready,
  DEFAULT_REQUEST_BUDGET_MS,
  isBudgetSpent,
  withRequestBudget,
} from '../engine/store/request-budget.ts';

export { budgetSpentAlready, DEFAULT_REQUEST_BUDGET_MS, isBudgetSpent, withRequestBudget };

/** The smallest budget accepted: below it a healthy Firestore round trip could not fit. */
export const MIN_REQUEST_BUDGET_MS = 100;

/**
 * The budget from `FIRESTEP_REQUEST_BUDGET_MS` (milliseconds), or the default when unset. An
 * invalid value is a CONFIG error naming the variable.
 *
 * @example requestBudgetFromEnv({ FIRESTEP_REQUEST_BUDGET_MS: '1500' }) // 1500
 */
export function requestBudgetFromEnv(env: Record<string, string | undefined>): number {
  const raw = env.FIRESTEP_REQUEST_BUDGET_MS?.trim();
  if (raw === undefined || raw === '') return DEFAULT_REQUEST_BUDGET_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < MIN_REQUEST_BUDGET_MS) {
    throw new FirestepError(
      'CONFIG',
      `FIRESTEP_REQUEST_BUDGET_MS must be a whole number of milliseconds ≥ ${MIN_REQUEST_BUDGET_MS} (keep it well below the function timeout), got "${raw}"`,
      { details: { variables: ['FIRESTEP_REQUEST_BUDGET_MS'] } },
    );
  }
  return ms;
}
