/**
 * replay: per-event cost of replaying a 25,000-event log through the compiled machine, against the
 * per-event cost of a 100-event log of the same flow (goal: ratio ≤ 1.3, i.e. replay stays linear).
 *
 * Both sides are sampled in alternating rounds and compared by their medians: one sample of each,
 * taken one after the other, measured the machine's load more than the engine (consecutive runs of
 * the same code ranged from 0.9 to 1.7 on a shared machine).
 */
import { replay } from '../../engine/core/index.ts';
import type { BenchContext } from '../main.ts';
import { percentile, result } from '../report.ts';
import { driveToEnd, parallelChains } from '../support/flows.ts';

/** µs per event of `rounds` replays of `events`. */
function perEventMicros(fn: () => void, events: number, rounds: number): number {
  const t = performance.now();
  for (let i = 0; i < rounds; i++) fn();
  return ((performance.now() - t) * 1000) / (rounds * events);
}

export async function run(ctx: BenchContext) {
  const big = ctx.quick ? 5_000 : 25_000;
  const def = parallelChains(10, Math.ceil(big / 20) + 1);
  ctx.note(`  building a ${big}-event log…`);
  const log = driveToEnd(def, 'bench-replay', big);
  const small = log.slice(0, 100);
  const bigLog = log.slice(0, big);
  const replaySmall = () => replay(def, small);
  const replayBig = () => replay(def, bigLog);
  // Warm up (JIT, machine cache, every state node's lazily built transitions).
  perEventMicros(replaySmall, small.length, 20);
  perEventMicros(replayBig, bigLog.length, 1);
  // Each small sample replays as many events as a big one, so both sides see the same GC rhythm.
  const smallRounds = Math.ceil(bigLog.length / small.length);
  const smallCosts: number[] = [];
  const bigCosts: number[] = [];
  for (let i = 0; i < (ctx.quick ? 7 : 5); i++) {
    smallCosts.push(perEventMicros(replaySmall, small.length, smallRounds));
    bigCosts.push(perEventMicros(replayBig, bigLog.length, 1));
  }
  // Medians of interleaved rounds (see the header); the metric name is unchanged for BENCHMARKS.md.
  return [
    result(
      'replay',
      `per-event cost at ${bigLog.length} events`,
      percentile(bigCosts, 50),
      'µs',
      bigLog.length,
      percentile(smallCosts, 50),
      'ratio ≤ 1.3',
    ),
  ];
}
