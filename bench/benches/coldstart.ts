/**
 * coldstart: time to import the engine function module in a fresh Node process, against importing
 * @google-cloud/firestore alone (goal: ≤ 300 ms absolute as well). Both run under the same tsx
 * loader, so the loader's own start-up cancels out of the ratio; the absolute figure is the
 * engine's import as a deployed TypeScript source would pay it.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { BenchContext } from '../main.ts';
import { percentile, result } from '../report.ts';

const ROOT = resolve(import.meta.dirname, '../..');

// The configuration a deployed engine has (the module validates it and loads flows at import).
const DEPLOYED_ENV = {
  FIRESTEP_LOG: 'silent',
  GOOGLE_CLOUD_PROJECT: 'bench-project',
  FIRESTEP_REGION: 'europe-west1',
  FIRESTEP_CALLBACK_SECRET: 'bench-secret-0123456789',
  FIRESTEP_API_URL: 'https://firestep-api-bench.run.app',
  FIRESTEP_SIGNAL_TOPIC: 'firestep-signals',
  FIRESTEP_TASKS_QUEUE: 'firestep',
  FIRESTEP_PUSH_AUDIENCE: 'https://firestep-engine-bench.run.app',
  FIRESTEP_PUSH_SERVICE_ACCOUNT: 'firestep-push@bench-project.iam.gserviceaccount.com',
  FIRESTEP_TASKS_SERVICE_ACCOUNT: 'firestep-tasks@bench-project.iam.gserviceaccount.com',
  FIRESTEP_FLOWS_DIR: resolve(ROOT, 'flows'),
};

function importMillis(specifier: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...DEPLOYED_ENV },
  });
  const ms = Number.parseFloat(child.stdout);
  if (child.status !== 0 || Number.isNaN(ms)) {
    throw new Error(`importing ${specifier} failed: ${child.stderr.slice(0, 2000)}`);
  }
  return ms;
}

export async function run(ctx: BenchContext) {
  const n = ctx.quick ? 3 : 7;
  const engine: number[] = [];
  const firestore: number[] = [];
  for (let i = 0; i < n; i++) {
    firestore.push(importMillis('@google-cloud/firestore'));
    engine.push(importMillis(resolve(ROOT, 'functions/engine/index.ts')));
  }
  return [
    result('coldstart', 'import engine function (p50)', percentile(engine, 50), 'ms', n, percentile(firestore, 50), '≤ 300 ms'),
  ];
}
