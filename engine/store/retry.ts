/**
 * Transient Firestore failures (UNAVAILABLE, ABORTED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED) are
 * retried with backoff; when retries are exhausted the caller gets `STORE_UNAVAILABLE`
 * (retryable), so a Pub/Sub push is nacked and redelivered rather than lost. Every store operation
 * is idempotent (dedupe documents, `create`, content-addressed chunks), so repeating one is safe.
 */
import { FirestepError, isFirestepError } from '../errors.ts';
import { log } from '../log.ts';
import { checkBudget } from './request-budget.ts';

/** gRPC status codes. */
export const GRPC = {
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNAVAILABLE: 14,
} as const;

const TRANSIENT: ReadonlySet<number> = new Set([
  GRPC.DEADLINE_EXCEEDED,
  GRPC.RESOURCE_EXHAUSTED,
  GRPC.ABORTED,
  GRPC.UNAVAILABLE,
]);

export interface RetryOptions {
  /** Tries in all (default 6). */
  attempts?: number;
  /** First delay (default 50 ms), doubled each time, capped at 2 s, with jitter. */
  baseMs?: number;
}

/** The gRPC code of a Firestore error, if it has one. */
export function grpcCode(e: unknown): number | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

/** Whether repeating the operation may succeed. */
export function isTransient(e: unknown): boolean {
  const code = grpcCode(e);
  return code !== undefined && TRANSIENT.has(code);
}

/**
 * Run `op`, retrying transient Firestore errors.
 *
 * @example const head = await withStoreRetry('read head', () => ref.get());
 */
export async function withStoreRetry<T>(
  what: string,
  op: () => Promise<T>,
  opts: RetryOptions = {},
): Promise<T> {
  const attempts = opts.attempts ?? 6;
  const baseMs = opts.baseMs ?? 50;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (isFirestepError(e) || !isTransient(e)) throw e;
      if (attempt >= attempts) {
        throw new FirestepError(
          'STORE_UNAVAILABLE',
          `${what} failed ${attempts} times with a transient Firestore error (${(e as Error).message}); nothing was half-written — retry later`,
          { retryable: true, cause: e },
        );
      }
      const delay = Math.min(2000, baseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      // Inside a request whose budget cannot cover another attempt: stop now (request-budget.ts).
      checkBudget(delay);
      log.debug('store: transient error, retrying', {
        what,
        attempt,
        code: grpcCode(e),
        delayMs: Math.round(delay),
      });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * The store's public boundary: a transient Firestore error that escaped the inner retries (e.g. the
 * emulator or the service is down) becomes STORE_UNAVAILABLE (retryable), so callers see one typed
 * error whatever step of the protocol met the outage.
 *
 * @example return asStoreError('applying a signal', () => submit(ctx, id, [signal]));
 */
export async function asStoreError<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (isFirestepError(e) || !isTransient(e)) throw e;
    throw new FirestepError(
      'STORE_UNAVAILABLE',
      `${what} failed: Firestore is unavailable (${(e as Error).message}); nothing was half-written — retry later`,
      { retryable: true, cause: e },
    );
  }
}
