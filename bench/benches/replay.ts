/**
 * replay: per-event cost of replaying a 25,000-event log through the compiled machine, against the
 * per-event cost of a 100-event log of the same flow (goal: ratio ≤ 1.3, i.e. replay stays linear).
 */
import { replay } from '../../engine/core/index.ts';
import type { BenchContext } from '../main.ts';
import { result } from '../report.ts';
import { driveToEnd, parallelChains } from '../support/flows.ts';

function perEventMicros(fn: () => void, events: number, rounds: number): number {
  fn(); // warm up (JIT, machine cache)
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
  const smallCost = perEventMicros(() => replay(def, small), small.length, ctx.quick ? 50 : 200);
  const bigCost = perEventMicros(() => replay(def, bigLog), bigLog.length, ctx.quick ? 1 : 3);
  return [
    result(
      'replay',
      `per-event cost at ${bigLog.length} events`,
      bigCost,
      'µs',
      bigLog.length,
      smallCost,
      'ratio ≤ 1.3',
    ),
  ];
}
