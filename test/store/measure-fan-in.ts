/**
 * Measures (does not assert) the fan-in of a Parallel with many branches on the Firestore emulator:
 * all branch completions arrive at once, spread over several workers (store instances); reports the
 * wall time until the join has fired, the transactions it took and how signals were handled.
 *
 *   FIRESTORE_EMULATOR_HOST=127.0.0.1:8765 npx tsx test/store/measure-fan-in.ts [branches=1000] [workers=10] [logged]
 *
 * With `logged`, the signals are log lines of one running step instead (cheap for the core to
 * decide), which isolates the store's own cost of taking many concurrent signals.
 */
import { Firestore } from '@google-cloud/firestore';
import type { Signal } from '../../engine/core/index.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { fanOutFlow, RecordingDispatcher, succeeded } from './support.ts';

const branches = Number(process.argv[2] ?? 1000);
const workerCount = Number(process.argv[3] ?? 10);
const loggedOnly = process.argv[4] === 'logged';
const host = process.env.FIRESTORE_EMULATOR_HOST;
if (host === undefined) throw new Error('set FIRESTORE_EMULATOR_HOST to a running Firestore emulator');
process.env.METADATA_SERVER_DETECTION = 'none';
process.env.FIRESTEP_LOG ??= 'warn';

const db = new Firestore({ projectId: `measure-fan-in-${Date.now()}`, host, ssl: false });
const dispatcher = new RecordingDispatcher();
const starter = new ExecutionStore({ db, dispatcher });

let t0 = Date.now();
const { executionId } = await starter.startExecution(loggedOnly ? fanOutFlow(1) : fanOutFlow(branches), {
  branches,
});
const startMs = Date.now() - t0;

const workers = Array.from({ length: workerCount }, () => new ExecutionStore({ db, dispatcher }));
const completions: Signal[] = Array.from({ length: branches }, (_, i) =>
  loggedOnly
    ? {
        kind: 'logged',
        path: 'Fan/0/B0',
        attempt: 1,
        lines: [`line ${i}`],
        source: { kind: 'callback', id: `c${i}` },
      }
    : succeeded(`Fan/${i}/B${i}`, 1, { branch: i }),
);
t0 = Date.now();
const results = await Promise.all(
  completions.map((signal, i) => workers[i % workerCount]!.apply(executionId, signal)),
);
const fanInMs = Date.now() - t0;

const head = await starter.getHead(executionId);
const statuses: Record<string, number> = {};
for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
const transactions = workers.reduce((sum, w) => sum + w.stats.transactions, 0);
const queued = workers.reduce((sum, w) => sum + w.stats.signalsQueued, 0);
console.log(
  JSON.stringify({
    signals: loggedOnly ? 'logged' : 'branch completions',
    branches,
    workers: workerCount,
    startAndLaunchMs: startMs,
    fanInMs,
    joinStep: head?.steps.After?.status,
    joinLaunches: dispatcher.launchCounts().get(`${executionId} After#1`),
    succeededBranches: Object.values(head?.steps ?? {}).filter((s) => s.status === 'SUCCEEDED').length,
    transactions,
    signalsQueued: queued,
    statuses,
    lastSeq: head?.lastSeq,
  }),
);
await db.terminate();
