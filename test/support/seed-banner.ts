/** vitest globalSetup: print the run's seed once per tier, with how to replay it. */
import { testSeed } from './test-seed.ts';

export function setup(): void {
  console.log(`property tests: seed ${testSeed()} (replay: FIRESTEP_TEST_SEED=${testSeed()} npm test)`);
}
