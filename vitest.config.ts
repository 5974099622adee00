/**
 * Test tiers (CONTRIBUTING.md "Test tiers"), one vitest project each:
 * - `unit`: `*.unit.spec.ts` — no Java, no emulator, no globalSetup (`npm run test:unit`).
 * - `emulator`: `*.int.spec.ts` and `*.e2e.spec.ts` (and any spec without a tier, to be safe) — one
 *   Firestore and one Pub/Sub emulator for the whole run, started by globalSetup.
 * - `types`: the `*.test-d.ts` type tests.
 * `npm test` runs all three. Property tests share one seed: FIRESTEP_TEST_SEED (test/support/seed.ts).
 */
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * In this repository `import … from 'firestep'` means the TypeScript sources: package.json's
 * "exports" map them under the `firestep-source` condition (the published package has only lib/).
 * Set for the modules vitest loads (`ssr.resolve.conditions`) and, through NODE_OPTIONS, for every
 * process a test spawns (the CLI through tsx loading a flow that imports 'firestep').
 */
export const SOURCE_CONDITION = 'firestep-source';
if (!process.env.NODE_OPTIONS?.includes(`--conditions=${SOURCE_CONDITION}`)) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --conditions=${SOURCE_CONDITION}`.trim();
}

const UNIT = '**/*.unit.spec.ts';
const EXCLUDE = ['node_modules/**'];

/** The emulator tiers' setup, shared with test/reliability/vitest.config.ts. */
export const emulatorTier = {
  include: ['test/**/*.spec.ts', '**/*.spec.ts'],
  exclude: [...EXCLUDE, UNIT],
  globalSetup: ['test/support/seed-banner.ts', 'test/support/global-setup.ts'],
  setupFiles: ['test/support/env-setup.ts', 'test/support/seed.ts'],
};

export default defineConfig({
  // vitest's own default (vite's server conditions without `module`), plus the source condition.
  ssr: {
    resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions.filter((c) => c !== 'module')] },
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          pool: 'threads',
          include: [UNIT],
          exclude: EXCLUDE,
          globalSetup: ['test/support/seed-banner.ts'],
          setupFiles: ['test/support/unit-setup.ts', 'test/support/seed.ts'],
        },
      },
      { extends: true, test: { name: 'emulator', ...emulatorTier } },
      {
        extends: true,
        test: {
          name: 'types',
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: ['test/**/*.test-d.ts'],
            tsconfig: './tsconfig.json',
          },
        },
      },
    ],
  },
});
