/**
 * vitest globalSetup: one Firestore and one Pub/Sub emulator for the whole run (found or started by
 * the same code `run --local` uses). Each test file isolates itself with its own project id.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureEmulator, type RunningEmulator } from '../../runtime/local/emulators.ts';

// Developer workspaces keep Google's emulator jars next to the repository (../shared/emulators);
// .ci/run also exports the env vars. Product code never looks here.
const SHARED = resolve(import.meta.dirname, '../../../shared/emulators');
const FALLBACK = {
  firestore: resolve(SHARED, 'cloud-firestore-emulator.jar'),
  pubsub: resolve(SHARED, 'pubsub/lib/cloud-pubsub-emulator-0.8.20-all.jar'),
};

let running: RunningEmulator[] = [];

export async function setup(project: TestProject): Promise<void> {
  process.env.METADATA_SERVER_DETECTION = 'none';
  const [fs, ps] = await Promise.all([
    ensureEmulator('firestore', {
      fallbackJar: existsSync(FALLBACK.firestore) ? FALLBACK.firestore : undefined,
    }),
    ensureEmulator('pubsub', { fallbackJar: existsSync(FALLBACK.pubsub) ? FALLBACK.pubsub : undefined }),
  ]);
  running = [fs, ps];
  process.env.FIRESTORE_EMULATOR_HOST = fs.host;
  process.env.PUBSUB_EMULATOR_HOST = ps.host;
  project.provide('firestoreHost', fs.host);
  project.provide('pubsubHost', ps.host);
}

export async function teardown(): Promise<void> {
  await Promise.all(running.map((e) => e.stop()));
}

declare module 'vitest' {
  export interface ProvidedContext {
    firestoreHost: string;
    pubsubHost: string;
  }
}
