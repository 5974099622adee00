/**
 * The one seed of the run's random and property tests: `FIRESTEP_TEST_SEED` (an integer) when set,
 * else a fixed default, so every run is reproducible and a failure is replayed by exporting the seed
 * it printed.
 */
export const DEFAULT_TEST_SEED = 20260101;

/**
 * The seed for this run.
 *
 * @example FIRESTEP_TEST_SEED=42 → testSeed() === 42
 */
export function testSeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FIRESTEP_TEST_SEED;
  if (raw === undefined || raw === '') return DEFAULT_TEST_SEED;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed))
    throw new Error(`FIRESTEP_TEST_SEED must be an integer, not ${JSON.stringify(raw)}`);
  return seed;
}
