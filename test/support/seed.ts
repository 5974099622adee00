/**
 * Runs in every test worker: fast-check draws from the run's seed (test/support/test-seed.ts)
 * instead of a fresh random one, so every property test is reproducible. fast-check prints the seed
 * and the counterexample path when a property fails.
 */
import fc from 'fast-check';
import { testSeed } from './test-seed.ts';

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: testSeed() });
