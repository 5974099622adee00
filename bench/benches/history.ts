/**
 * history: applying one signal on an execution with a 10,000-event history, against the same on a
 * 10-event history (goal: ratio ≤ 1.5 — snapshots keep the cost independent of history length).
 * The long history is built from `logged` signals (a long-running step reporting progress),
 * delivered concurrently so the store's inbox drains them in batches.
 */
import type { ExecutionStore } from '../../engine/store/index.ts';
import type { BenchContext } from '../main.ts';
import { percentile, result } from '../report.ts';
import { chainFlow } from '../support/chain.ts';
import { benchDb, benchStore, chainCompletion, InstantDispatcher, ms } from '../support/store.ts';

async function grow(store: ExecutionStore, executionId: string, events: number): Promise<void> {
  const wave = 250;
  for (let done = 0; done < events; done += wave) {
    const n = Math.min(wave, events - done);
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        store.apply(executionId, {
          kind: 'logged',
          path: 'T0',
          attempt: 1,
          lines: [`progress ${done + i}`],
          source: { kind: 'callback', id: `grow-${done + i}` },
        }),
      ),
    );
    await store.drain(executionId);
  }
}

async function timeCompletions(
  store: ExecutionStore,
  executionId: string,
  samples: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await store.apply(executionId, chainCompletion(i));
    out.push(ms(t0));
  }
  return out;
}

export async function run(ctx: BenchContext) {
  const long = ctx.quick ? 2_000 : 10_000;
  const samples = ctx.quick ? 15 : 40;
  const { db, close } = benchDb(ctx.firestoreHost);
  try {
    const def = chainFlow(samples + 1);
    const store = benchStore(db, new InstantDispatcher());
    const short = (await store.startExecution(def, {}, { name: 'short' })).executionId;
    const big = (await store.startExecution(def, {}, { name: 'long' })).executionId;
    ctx.note(`  growing a ${long}-event history…`);
    await grow(store, big, long);
    const head = await store.getHead(big);
    const bigTimes = await timeCompletions(store, big, samples);
    const shortTimes = await timeCompletions(store, short, samples);
    return [
      result(
        'history',
        `apply one signal at ${head?.lastSeq ?? long} events (p50)`,
        percentile(bigTimes, 50),
        'ms',
        samples,
        percentile(shortTimes, 50),
        'ratio ≤ 1.5',
      ),
    ];
  } finally {
    await close();
  }
}
