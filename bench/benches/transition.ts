/**
 * transition: engine time to apply one completion signal and dispatch the next launch (p50, p95),
 * against a bare Firestore transaction doing the same reads/writes by hand (goal: ratio ≤ 1.5).
 * Samples alternate engine/baseline so both see the same emulator conditions.
 */
import type { BenchContext } from '../main.ts';
import { percentile, result } from '../report.ts';
import { chainFlow } from '../support/chain.ts';
import { bareTransition, benchDb, benchStore, InstantDispatcher, ms } from '../support/store.ts';

export async function run(ctx: BenchContext) {
  const n = ctx.quick ? 40 : 200;
  const { db, close } = benchDb(ctx.firestoreHost);
  try {
    const def = chainFlow(n + 1);
    const dispatcher = new InstantDispatcher();
    const store = benchStore(db, dispatcher);
    const { executionId } = await store.startExecution(def, {});
    for (let w = 0; w < 5; w++) await bareTransition(db, 'warmup', w);
    const engine: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await store.apply(executionId, {
        kind: 'completed',
        outcome: 'succeeded',
        path: `T${i}`,
        attempt: 1,
        output: { i },
        source: { kind: 'log', id: `bench-${i}` },
      });
      engine.push(ms(t0));
      const launched = dispatcher.launches.at(-1)?.command.path;
      if (launched !== `T${i + 1}`) throw new Error(`expected T${i + 1} to be launched, got ${launched}`);
      const t1 = performance.now();
      await bareTransition(db, 'baseline', i);
      baseline.push(ms(t1));
    }
    return [
      result('transition', 'apply + dispatch next (p50)', percentile(engine, 50), 'ms', n, percentile(baseline, 50), 'ratio ≤ 1.5'),
      result('transition', 'apply + dispatch next (p95)', percentile(engine, 95), 'ms', n, percentile(baseline, 95), 'ratio ≤ 1.5'),
    ];
  } finally {
    await close();
  }
}
