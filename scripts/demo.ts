/**
 * `npm run demo`: the reference sample DAG through `firestep run --local`, with the live table, then
 * the commands to inspect the run. Emulators are found as `run --local` finds them (a running one
 * via FIRESTORE_EMULATOR_HOST / PUBSUB_EMULATOR_HOST, gcloud, or FIRESTEP_*_EMULATOR_JAR); on a
 * developer workspace without gcloud this script also points those variables at Google's jars in
 * `../shared/emulators` next to the repository, when they are there. Extra arguments are passed on
 * (e.g. `npm run demo -- --fail Branch1`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const shared = resolve(repo, '../shared/emulators');
const jars = {
  FIRESTEP_FIRESTORE_EMULATOR_JAR: resolve(shared, 'cloud-firestore-emulator.jar'),
  FIRESTEP_PUBSUB_EMULATOR_JAR: resolve(shared, 'pubsub/lib/cloud-pubsub-emulator-0.8.20-all.jar'),
};
const hasGcloud = spawnSync('gcloud', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasGcloud) {
  for (const [name, jar] of Object.entries(jars))
    if (!process.env[name] && existsSync(jar)) process.env[name] = jar;
}
process.env.METADATA_SERVER_DETECTION ??= 'none';

process.chdir(repo);
process.argv = [
  process.argv[0] ?? 'node',
  resolve(repo, 'cli/main.ts'),
  'run',
  'examples/sample-dag.json',
  '--local',
  ...process.argv.slice(2),
];
await import('../cli/main.ts');
