/**
 * handoff: a callback completion accepted by the engine's ingest path (parse → correlate by token →
 * apply) until the next step's launch is dispatched (p50), against a bare transaction.
 */
import { randomUUID } from 'node:crypto';
import { ingest } from '../../engine/signals/ingest.ts';
import { callbackToken } from '../../engine/signals/wire/callback.ts';
import { firestoreCorrelationLookup } from '../../engine/store/correlations.ts';
import { firestoreDeadLetters } from '../../engine/store/dead-letters.ts';
import type { BenchContext } from '../main.ts';
import { percentile, result } from '../report.ts';
import { BENCH_SECRET, bareTransition, benchDb, chainExecution, ms } from '../support/store.ts';

export async function run(ctx: BenchContext) {
  const n = ctx.quick ? 30 : 150;
  const { db, close } = benchDb(ctx.firestoreHost);
  try {
    const { dispatcher, store, executionId } = await chainExecution(db, n + 1);
    const deps = {
      lookup: firestoreCorrelationLookup(db),
      deadLetters: firestoreDeadLetters(db),
      apply: (id: string, signal: Parameters<typeof store.apply>[1]) => store.apply(id, signal),
    };
    const handoff: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < n; i++) {
      const commandId = `launch~T${i}~1`;
      const message = {
        kind: 'firestep.callback',
        id: randomUUID(),
        token: callbackToken(BENCH_SECRET, executionId, commandId),
        executionId,
        path: `T${i}`,
        attempt: 1,
        outcome: 'succeeded',
        output: { i },
      };
      const next = new Promise<number>((resolve) => {
        dispatcher.onLaunch = (cmd) => {
          if (cmd.path === `T${i + 1}`) resolve(performance.now());
        };
      });
      const t0 = performance.now();
      const outcome = await ingest(message, deps);
      if (outcome.status !== 'applied')
        throw new Error(`callback ${i} was ${outcome.status}: ${outcome.reason}`);
      handoff.push((await next) - t0);
      const t1 = performance.now();
      await bareTransition(db, 'handoff-baseline', i);
      baseline.push(ms(t1));
    }
    return [
      result(
        'handoff',
        'callback accepted → next launch (p50)',
        percentile(handoff, 50),
        'ms',
        n,
        percentile(baseline, 50),
        'report',
      ),
    ];
  } finally {
    await close();
  }
}
