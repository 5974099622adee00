/**
 * Fault injection at the Firestore client, the one place every store transaction passes through:
 * a Proxy over a real client (on the emulator) whose `runTransaction` can
 * - abort: run the body for real (reads, staged writes), then throw gRPC ABORTED (code 10) instead
 *   of committing — the transaction is rolled back, nothing is written;
 * - time out after commit: commit for real, then throw DEADLINE_EXCEEDED (code 4) to the caller, who
 *   cannot tell it was applied.
 * The client's own transaction retries are turned off (`maxAttempts: 1`) while faults are armed, so
 * the store's retry policy is what is exercised (and the suite stays fast).
 */
import type { Firestore, Transaction } from '@google-cloud/firestore';

export interface TransactionFaultPlan {
  /** Probability that a transaction is aborted before commit (0…1). */
  abortProbability?: number;
  /** Returns true when this committed transaction should look like a timeout to its caller. */
  timeoutAfterCommit?: () => boolean;
  /** Seeded randomness (default Math.random). */
  random?: () => number;
}

export interface FaultyFirestore {
  db: Firestore;
  plan: TransactionFaultPlan;
  stats: { transactions: number; aborted: number; committed: number; timedOutAfterCommit: number };
}

/** gRPC errors shaped like the ones @google-cloud/firestore raises. */
export function grpcError(code: number, text: string): Error {
  return Object.assign(new Error(`${code} ${text}`), { code, details: text });
}

/**
 * @example const f = faultyFirestore(t.db, { abortProbability: 0.5, random: prng(7) }); new ExecutionStore({ db: f.db, … });
 */
export function faultyFirestore(real: Firestore, plan: TransactionFaultPlan = {}): FaultyFirestore {
  const stats = { transactions: 0, aborted: 0, committed: 0, timedOutAfterCommit: 0 };
  const faulty: FaultyFirestore = { db: real, plan, stats };
  async function runTransaction<T>(body: (tx: Transaction) => Promise<T>, options?: object): Promise<T> {
    stats.transactions++;
    const random = faulty.plan.random ?? Math.random;
    const abort = random() < (faulty.plan.abortProbability ?? 0);
    const result = await real.runTransaction(
      async (tx) => {
        const value = await body(tx);
        if (abort) {
          stats.aborted++;
          throw grpcError(10, 'ABORTED: injected contention before commit');
        }
        return value;
      },
      { ...options, maxAttempts: 1 },
    );
    stats.committed++;
    if (faulty.plan.timeoutAfterCommit?.()) {
      stats.timedOutAfterCommit++;
      throw grpcError(4, 'DEADLINE_EXCEEDED: injected timeout after the commit succeeded');
    }
    return result;
  }
  faulty.db = new Proxy(real, {
    get(target, prop) {
      if (prop === 'runTransaction') return runTransaction;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return faulty;
}
