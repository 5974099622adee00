/**
 * A time budget for one request's Firestore work. During an outage the Firestore client does not
 * fail fast on its own: each RPC waits for its gax deadline, gax retries it, a transaction retries
 * its body, the channel reconnects — a single push could block ~90 s, past the function timeout.
 * `withRequestBudget` races the request against its budget: when the budget runs out the caller
 * gets STORE_UNAVAILABLE (retryable: the push answers 503 and Pub/Sub redelivers, the API answers
 * 503 with Retry-After) while the abandoned work winds down in the background.
 *
 * Nothing is half-written: every store write is a transaction (all or nothing) or idempotent
 * (content-addressed chunks, dead letters keyed by their content); a transaction that still
 * commits after the answer is a duplicate to the redelivered message (dedupe documents), and a
 * command committed but not dispatched stays pending in the outbox for the sweep. The budget also
 * travels with the work (AsyncLocalStorage): once it is spent, `withStoreRetry` starts no new
 * attempt, so abandoned work stops at its next retry instead of retrying for a minute.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { FirestepError, isFirestepError } from '../errors.ts';

/** Default budget of one request, well inside the functions' 60 s timeout. */
export const DEFAULT_REQUEST_BUDGET_MS = 20_000;

interface Budget {
  readonly what: string;
  readonly budgetMs: number;
  readonly deadline: number;
  expired: boolean;
}

const current = new AsyncLocalStorage<Budget>();

/**
 * Run `work` within `budgetMs`. Resolves or rejects as `work` does when it finishes in time;
 * otherwise rejects with STORE_UNAVAILABLE (retryable, `details.retryAfterSeconds`) as soon as the
 * budget is spent. A later failure of the abandoned work is swallowed: the caller has its answer.
 *
 * @example const outcome = await withRequestBudget(20_000, 'applying a push', () => ingest(raw, deps));
 */
export function withRequestBudget<T>(budgetMs: number, what: string, work: () => Promise<T>): Promise<T> {
  const budget: Budget = { what, budgetMs, deadline: Date.now() + budgetMs, expired: false };
  const running = current.run(budget, work);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      budget.expired = true;
      reject(budgetSpent(budget));
    }, budgetMs);
    timer.unref?.();
    running.then(
      (value) => {
        clearTimeout(timer);
        if (!budget.expired) resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!budget.expired) reject(error);
      },
    );
  });
}

/**
 * Milliseconds left in the current request's budget (0 when spent), or undefined outside one.
 *
 * @example if ((remainingBudgetMs() ?? Infinity) < delay) throw …
 */
export function remainingBudgetMs(): number | undefined {
  const budget = current.getStore();
  if (budget === undefined) return undefined;
  return budget.expired ? 0 : Math.max(0, budget.deadline - Date.now());
}

/**
 * Whether the current request's budget is spent: its caller has already been answered (and the
 * failure logged), so abandoned work should stop quietly.
 *
 * @example if (budgetSpentAlready()) throw e; // no second log line
 */
export function budgetSpentAlready(): boolean {
  const budget = current.getStore();
  return budget !== undefined && (budget.expired || Date.now() >= budget.deadline);
}

/**
 * Throw STORE_UNAVAILABLE if the current request's budget cannot cover `needMs` more: used before a
 * retry, so abandoned work does not start new attempts.
 *
 * @example checkBudget(delayMs);
 */
export function checkBudget(needMs = 0): void {
  const budget = current.getStore();
  if (budget === undefined) return;
  if (budget.expired || Date.now() + needMs >= budget.deadline) throw budgetSpent(budget);
}

/** Whether `e` is the error a spent budget produces. */
export function isBudgetSpent(e: unknown): boolean {
  return isFirestepError(e, 'STORE_UNAVAILABLE') && e.details?.budgetMs !== undefined;
}

function budgetSpent(budget: Budget): FirestepError {
  return new FirestepError(
    'STORE_UNAVAILABLE',
    `${budget.what} did not finish within its ${budget.budgetMs} ms budget: Firestore is not answering; nothing was half-written — retry later (FIRESTEP_REQUEST_BUDGET_MS sets the budget)`,
    {
      retryable: true,
      details: { budgetMs: budget.budgetMs, retryAfterSeconds: retryAfter(budget.budgetMs) },
    },
  );
}

/** Seconds a caller should wait: about one budget, at least 1 s, at most a minute. */
function retryAfter(budgetMs: number): number {
  return Math.min(60, Math.max(1, Math.ceil(budgetMs / 1000)));
}
