/**
 * coldstart: what a fresh engine function instance pays before and while it answers its first
 * message (goal: importing the engine ≤ 300 ms absolute, and compared with importing
 * @google-cloud/firestore alone). Every sample is a fresh Node process, measured from inside it
 * (`performance.now()` around the `import()`), so Node's own start-up is left out of both sides.
 *
 * - **bundle**: `npm run build:functions` into a scratch directory, then plain `node` imports its
 *   `index.js` with `FUNCTION_TARGET=firestepEnginePush`, exactly what Cloud Functions loads.
 *   Baseline: plain `node` importing @google-cloud/firestore.
 * - **tsx source**: `functions/engine/index.ts` under the tsx loader, against @google-cloud/firestore
 *   under the same loader (the loader's per-module cost is in both).
 * - **first push**: the bundle's import plus its first Pub/Sub push (a well-formed Cloud Functions
 *   log line that no launch registered: parse, correlation lookup in the Firestore emulator,
 *   `200 notOurs`), served by the functions framework's own server; the framework's server set-up
 *   between the two is left out. Push authentication is `disabled-local-only` here: a deployed
 *   instance also loads google-auth-library and fetches Google's certificates on its first push.
 *   Baseline: the smallest Firestore-backed push function — it imports Firestore and the framework
 *   and answers each push after reading one document — served and measured the same way.
 *
 * CPU time (`process.cpuUsage`) of the bundle's import is reported too: on a shared machine it
 * moves much less with the load than wall time does.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gen1FinishedText, gen1Line } from '../../adapters/fakes/log-entries.ts';
import { buildFunctions } from '../../scripts/build-functions.ts';
import type { BenchContext } from '../main.ts';
import { type BenchResult, percentile, result } from '../report.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const PROJECT = `bench-coldstart-${randomUUID().slice(0, 8)}`;

// The configuration a deployed engine has (the module validates it and loads flows at import).
const DEPLOYED_ENV: Record<string, string> = {
  FIRESTEP_LOG: 'silent',
  METADATA_SERVER_DETECTION: 'none',
  GOOGLE_CLOUD_PROJECT: PROJECT,
  FIRESTEP_REGION: 'europe-west1',
  FIRESTEP_CALLBACK_SECRET: 'bench-secret-0123456789',
  FIRESTEP_API_URL: 'https://firestep-api-bench.run.app',
  FIRESTEP_SIGNAL_TOPIC: 'firestep-signals',
  FIRESTEP_TASKS_QUEUE: 'firestep',
  FIRESTEP_PUSH_AUDIENCE: 'https://firestep-engine-bench.run.app',
  FIRESTEP_PUSH_SERVICE_ACCOUNT: 'firestep-push@bench-project.iam.gserviceaccount.com',
  FIRESTEP_TASKS_SERVICE_ACCOUNT: 'firestep-tasks@bench-project.iam.gserviceaccount.com',
  FUNCTION_TARGET: 'firestepEnginePush',
};

/** What one fresh process reports (ms). */
interface Sample {
  importMs: number;
  importCpuMs: number;
  /** Import to the first answer, without the framework's server set-up in between. */
  firstMs?: number;
}

/**
 * The baseline function: a push handler that imports Firestore and the functions framework and
 * answers each push after reading one document.
 */
const FIRESTORE_HANDLER = `
const [{ Firestore }, functions] = await Promise.all([
  import('@google-cloud/firestore'),
  import('@google-cloud/functions-framework'),
]);
const db = new Firestore({ projectId: process.env.GOOGLE_CLOUD_PROJECT });
functions.http('firestepEnginePush', async (req, res) => {
  const snap = await db.doc('coldstart/' + req.body.message.messageId).get();
  res.status(200).json({ status: 'notOurs', exists: snap.exists });
});
`;

/**
 * Runs in the child: import the entry (BENCH_ENTRY; `firestore` imports Firestore alone,
 * `firestore-handler` runs {@link FIRESTORE_HANDLER}); with BENCH_PUSH, serve the registered push
 * function with the framework's own server and POST one push (node:http: fetch's first call would
 * load undici inside the measured window).
 */
const IMPORT_THEN_PUSH = `
const entry = process.env.BENCH_ENTRY;
const c0 = process.cpuUsage();
const t0 = performance.now();
if (entry === 'firestore') await import('@google-cloud/firestore');
else if (entry === 'firestore-handler') await (async () => { ${FIRESTORE_HANDLER} })();
else await import(entry);
const importMs = performance.now() - t0;
const cpu = process.cpuUsage(c0);
const out = { importMs, importCpuMs: (cpu.user + cpu.system) / 1000 };
if (process.env.BENCH_PUSH) {
  const { request } = await import('node:http');
  const { getTestServer } = await import('@google-cloud/functions-framework/testing');
  const server = getTestServer('firestepEnginePush');
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const body = process.env.BENCH_PUSH;
  const t1 = performance.now();
  const answer = await new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: server.address().port, method: 'POST', path: '/',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => ok({ status: res.statusCode, text }));
    });
    req.on('error', fail);
    req.end(body);
  });
  out.firstMs = importMs + (performance.now() - t1);
  if (answer.status !== 200 || JSON.parse(answer.text).status !== 'notOurs')
    throw new Error('first push answered ' + answer.status + ' ' + answer.text);
}
process.stdout.write(JSON.stringify(out));
process.exit(0);
`;

function sample(vars: Record<string, string>, opts: { tsx?: boolean } = {}): Sample {
  const env: Record<string, string | undefined> = { ...process.env, ...DEPLOYED_ENV, ...vars };
  delete env.K_SERVICE; // disabled-local-only push auth is refused on Cloud Run
  const child = spawnSync(
    process.execPath,
    [...(opts.tsx ? ['--import', 'tsx'] : []), '--input-type=module', '-e', IMPORT_THEN_PUSH],
    { cwd: ROOT, encoding: 'utf8', env },
  );
  try {
    if (child.status !== 0) throw new Error(`exit ${child.status}`);
    return JSON.parse(child.stdout) as Sample;
  } catch (e) {
    throw new Error(`coldstart sample failed (${(e as Error).message}): ${child.stderr.slice(0, 2000)}`);
  }
}

/** A well-formed gen1 completion line of a function no firestep launch registered. */
function notOursPush(): string {
  const entry = gen1Line(
    {
      project: PROJECT,
      region: 'europe-west1',
      functionName: 'someone-elses-function',
      executionId: 'exec-coldstart',
      trace: { traceId: 'c'.repeat(32) },
      at: new Date(),
      insertId: `coldstart-${randomUUID()}`,
    },
    gen1FinishedText(42, { statusCode: 200 }),
  );
  return JSON.stringify({
    message: {
      data: Buffer.from(JSON.stringify(entry)).toString('base64'),
      messageId: `coldstart-${randomUUID()}`,
      publishTime: new Date().toISOString(),
    },
    subscription: `projects/${PROJECT}/subscriptions/firestep-signals-push`,
  });
}

const p50 = (xs: number[]) => percentile(xs, 50);

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const n = ctx.quick ? 3 : 7;
  const scratch = join(ROOT, 'dist', `.bench-coldstart-${randomUUID().slice(0, 8)}`);
  try {
    // One flow, as a small deployment has: the sample DAG in a flows directory of its own.
    const flowsDir = join(scratch, 'flows');
    await mkdir(flowsDir, { recursive: true });
    await copyFile(join(ROOT, 'examples/sample-dag.json'), join(flowsDir, 'sample-dag.json'));
    DEPLOYED_ENV.FIRESTEP_FLOWS_DIR = flowsDir;
    ctx.note('coldstart: building the functions bundle (npm run build:functions)');
    const built = await buildFunctions({ outDir: join(scratch, 'functions'), flowsDir });
    const bundleEntry = join(built.outDir, 'index.js');
    const sourceEntry = join(ROOT, 'functions/engine/index.ts');
    const s = {
      bundle: [] as Sample[],
      firestore: [] as Sample[],
      source: [] as Sample[],
      firestoreTsx: [] as Sample[],
      push: [] as Sample[],
      firstRead: [] as Sample[],
    };
    for (let i = 0; i < n; i++) {
      // Interleaved, so a change in the machine's load hits both sides of each ratio alike.
      ctx.note(`coldstart: round ${i + 1}/${n}`);
      s.firestore.push(sample({ BENCH_ENTRY: 'firestore' }));
      s.bundle.push(sample({ BENCH_ENTRY: bundleEntry }));
      s.firestoreTsx.push(sample({ BENCH_ENTRY: 'firestore' }, { tsx: true }));
      s.source.push(sample({ BENCH_ENTRY: sourceEntry }, { tsx: true }));
      s.firstRead.push(sample({ BENCH_ENTRY: 'firestore-handler', BENCH_PUSH: notOursPush() }));
      s.push.push(
        sample({ BENCH_ENTRY: bundleEntry, BENCH_PUSH: notOursPush(), FIRESTEP_AUTH: 'disabled-local-only' }),
      );
    }
    const wall = (xs: Sample[]) => p50(xs.map((x) => x.importMs));
    const cpu = (xs: Sample[]) => p50(xs.map((x) => x.importCpuMs));
    const first = (xs: Sample[]) => p50(xs.map((x) => x.firstMs ?? Number.NaN));
    return [
      result(
        'coldstart',
        'bundle: import engine (p50)',
        wall(s.bundle),
        'ms',
        n,
        wall(s.firestore),
        '≤ 300 ms',
      ),
      result('coldstart', 'bundle: import engine, CPU (p50)', cpu(s.bundle), 'ms', n, cpu(s.firestore)),
      result('coldstart', 'tsx source: import engine (p50)', wall(s.source), 'ms', n, wall(s.firestoreTsx)),
      result(
        'coldstart',
        'bundle: import + first push (p50)',
        first(s.push),
        'ms',
        n,
        first(s.firstRead),
        'report',
      ),
    ];
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
