/**
 * Test helper: a Firestore client on the emulator, isolated by a project id of its own, so test
 * files running in parallel never see each other's documents.
 */
import { randomUUID } from 'node:crypto';
import { Firestore } from '@google-cloud/firestore';
import { wipeFirestore } from '../../runtime/local/emulators.ts';

export interface TestFirestore {
  db: Firestore;
  projectId: string;
  /** Delete every document of this project and close the client. */
  cleanup(): Promise<void>;
}

/** @example const { db, cleanup } = testFirestore(); afterAll(cleanup); */
export function testFirestore(prefix = 'test'): TestFirestore {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  if (!host) throw new Error('FIRESTORE_EMULATOR_HOST is not set: run tests through vitest (npm test)');
  const projectId = `${prefix}-${randomUUID().slice(0, 8)}`;
  const db = new Firestore({ projectId, host, ssl: false, preferRest: false });
  return {
    db,
    projectId,
    cleanup: async () => {
      await wipeFirestore(host, projectId).catch(() => {});
      await db.terminate();
    },
  };
}
