/**
 * transition: engine time to apply one completion signal and dispatch the next launch (p50, p95),
 * against a bare Firestore transaction doing the same reads/writes by hand (goal: ratio ≤ 1.5).
 * Samples alternate engine/baseline so both see the same emulator conditions.
 */
import type { BenchContext } from '../main.ts';
import { percentile, result } from '../report.ts';
import { bareTransition, benchDb, chainCompletion, chainExecution, ms } from '../support/store.ts';

export async function run(ctx: BenchContext) {
  const n = ctx.quick ? 40 : 200;
  const { db, close } = benchDb(ctx.firestoreHost);
  try {
    const { dispatcher, store, executionId } = await chainExecution(db, n + 1);
    for (let w = 0; w < 5; w++) await bareTransition(db, 'warmup', w);
    const engine: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await store.apply(executionId, chainCompletion(i));
      engine.push(ms(t0));
      const launched = dispatcher.launches.at(-1)?.command.path;
      if (launched !== `T${i + 1}`) throw new Error(`expected T${i + 1} to be launched, got ${launched}`);
      const t1 = performance.now();
      await bareTransition(db, 'baseline', i);
      baseline.push(ms(t1));
    }
    return [
      result(
        'transition',
        'apply + dispatch next (p50)',
        percentile(engine, 50),
        'ms',
        n,
        percentile(baseline, 50),
        'ratio ≤ 1.5',
      ),
      result(
        'transition',
        'apply + dispatch next (p95)',
        percentile(engine, 95),
        'ms',
        n,
        percentile(baseline, 95),
        'ratio ≤ 1.5',
      ),
    ];
  } finally {
    await close();
  }
}
