/**
 * `npm run test:reliability`: the reliability suite, plus its slow part that `npm test` leaves out
 * (`*.slow.ts`: the Firestore outage, where each client call against a dead emulator retries for
 * ~45 s before it fails). Same setup as the root config's emulator tier.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import base, { emulatorTier } from '../../vitest.config.ts';

export default defineConfig({
  root: resolve(import.meta.dirname, '../..'),
  test: {
    testTimeout: 480_000,
    hookTimeout: base.test?.hookTimeout,
    pool: base.test?.pool,
    globalSetup: emulatorTier.globalSetup,
    setupFiles: emulatorTier.setupFiles,
    include: ['test/reliability/**/*.spec.ts', 'test/reliability/**/*.slow.ts'],
  },
});
