/**
 * fanin: 1,000 branches of a Parallel completing at the same moment. Wall time until the join's
 * launch is dispatched, joins fired (must be 1) and transaction retries, against 1,000 sequential
 * bare transactions on one document (goal: ratio ≤ 1.0).
 */
import type { BenchContext } from '../main.ts';
import { result } from '../report.ts';
import { fanFlow } from '../support/chain.ts';
import { bareAppend, benchDb, benchStore, InstantDispatcher, ms } from '../support/store.ts';

export async function run(ctx: BenchContext) {
  const n = ctx.quick ? 200 : 1_000;
  const { db, close } = benchDb(ctx.firestoreHost);
  try {
    const def = fanFlow(n);
    const dispatcher = new InstantDispatcher();
    const store = benchStore(db, dispatcher);
    ctx.note(`  starting a ${n}-branch execution…`);
    const { executionId } = await store.startExecution(def, {});
    const before = store.stats;
    const joined = new Promise<number>((resolve) => {
      dispatcher.onLaunch = (cmd) => {
        if (cmd.step === 'Join') resolve(performance.now());
      };
    });
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        store.apply(executionId, {
          kind: 'completed',
          outcome: 'succeeded',
          path: `Fan/${i}/B${i}`,
          attempt: 1,
          output: { i },
          source: { kind: 'log', id: `fan-${i}` },
        }),
      ),
    );
    // Whoever held the lease last drained the inbox; make sure nothing is left before reading.
    await store.drain(executionId);
    const wall = (await joined) - t0;
    const joins = dispatcher.launches.filter((l) => l.command.step === 'Join').length;
    const after = store.stats;
    const t1 = performance.now();
    for (let i = 0; i < n; i++) await bareAppend(db, 'fanin-baseline');
    const baseline = ms(t1);
    return [
      result('fanin', `${n} completions → join dispatched`, wall, 'ms', n, baseline, 'ratio ≤ 1.0'),
      result('fanin', 'joins fired', joins, 'count', 1, null, 'must be 1'),
      result('fanin', 'transactions', after.transactions - before.transactions, 'count', 1),
      result(
        'fanin',
        'aborted retries',
        after.transactionAttempts - after.transactions - (before.transactionAttempts - before.transactions),
        'count',
        1,
      ),
    ];
  } finally {
    await close();
  }
}
