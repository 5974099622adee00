/**
 * `npm run test:reliability`: the reliability suite, plus its slow part that `npm test` leaves out
 * (`*.slow.ts`: the Firestore outage, where each client call against a dead emulator retries for
 * ~45 s before it fails). Same setup as the root config.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.ts';

export default defineConfig({
  ...base,
  root: resolve(import.meta.dirname, '../..'),
  test: {
    ...base.test,
    include: ['test/reliability/**/*.spec.ts', 'test/reliability/**/*.slow.ts'],
    typecheck: { enabled: false },
    testTimeout: 480_000,
  },
});
