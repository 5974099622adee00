/**
 * Generates the golden event logs in this folder from real runs: the real store on the Firestore
 * emulator, driven by the reliability suite's simulated world (every launch answered, in order).
 * Run it once when a scenario is added — never to "fix" a failing golden test: a golden log that no
 * longer replays means the engine changed the meaning of a stored history.
 *
 *   FIRESTORE_EMULATOR_HOST=127.0.0.1:8765 METADATA_SERVER_DETECTION=none npx tsx test/golden/generate.ts
 *
 * `GOLDEN_ONLY=execution-timeout` writes only the named scenario(s).
 *
 * Writes, per scenario: `<name>.jsonl` (the log, one event per line), `<name>.flow.json` (the pinned
 * definition) and `<name>.head.json` (the head the store held at the end, without store pointers).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import sampleDag from '../../examples/sample-dag.ts';
import type { Signal } from '../../engine/core/index.ts';
import { cloudFunction, defineFlow, task, wait } from '../../engine/flow/index.ts';
import { definitionHash } from '../../engine/flow/hash.ts';
import { loadFlowFromJson } from '../../engine/flow/json-reader.ts';
import type { FlowDefinition, JsonObject } from '../../engine/flow/model.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { FaultyDispatcher } from '../reliability/support/dispatcher.ts';
import { retryCatchFlow } from '../reliability/support/flows.ts';
import { readAll } from '../reliability/support/invariants.ts';
import { type Outcome, World } from '../reliability/support/world.ts';

const HERE = import.meta.dirname;
const NOW = new Date('2026-06-01T12:00:00.000Z');
const api = { kind: 'api' } as const;

const retryWait = defineFlow({
  id: 'golden-retry',
  start: 'Extract',
  steps: {
    Extract: task(cloudFunction('extract', { project_id: 'golden', region: 'europe-west1' }), {
      retry: { max_attempts: 2, interval_seconds: 5, backoff_rate: 2 },
      next: 'Pause',
    }),
    Pause: wait(30, { next: 'Load' }),
    Load: task(cloudFunction('load', { project_id: 'golden', region: 'europe-west1' }), {
      parameters: { from: '$.steps.Extract.output' },
      end: true,
    }),
  },
});
const timedFlow = { ...sampleDag.flow, timeout_seconds: 3600 };
const timedDag: FlowDefinition = { id: 'golden-timed', flow: timedFlow, hash: definitionHash(timedFlow) };
const conditionFlow = loadFlowFromJson(readFileSync(resolve(HERE, '../../examples/condition.json'), 'utf8'), 'golden-condition');

interface Scenario {
  name: string;
  def: FlowDefinition;
  input: JsonObject;
  outcomeOf?: (path: string, attempt: number) => Outcome;
  /** Signals sent by a person (cancel, redrive) once the world has nothing left to deliver. */
  after?: Signal[];
  /** Stop delivering once this many signals went through (to cancel a running execution). */
  stopAfter?: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'sample-success', def: sampleDag, input: { date: '2026-06-01' } },
  { name: 'branch-failure', def: sampleDag, input: { date: '2026-06-01' }, outcomeOf: (p) => (p.endsWith('Branch1') ? 'failed' : 'succeeded') },
  { name: 'retry', def: retryWait, input: {}, outcomeOf: (p, a) => (p === 'Extract' && a < 3 ? 'failed' : 'succeeded') },
  { name: 'catch', def: retryCatchFlow, input: {}, outcomeOf: (p) => (p.endsWith('/Left') ? 'failed' : 'succeeded') },
  { name: 'condition', def: conditionFlow, input: { table: 'orders', mode: 'full' } },
  { name: 'cancel', def: sampleDag, input: {}, stopAfter: 6, after: [{ kind: 'cancel', reason: 'operator stopped the run', source: api }] },
  {
    name: 'execution-timeout',
    def: timedDag,
    input: {},
    stopAfter: 6,
    after: [
      { kind: 'timer', timer: 'execution', path: '$execution', attempt: 1, source: { kind: 'timer', id: 'timer-execution~%24execution~1' } },
    ],
  },
  {
    name: 'redrive',
    def: sampleDag,
    input: {},
    outcomeOf: (p, a) => (p.endsWith('Branch1') && a === 1 ? 'failed' : 'succeeded'),
    after: [{ kind: 'redrive', source: api }],
  },
];

async function generate(db: Firestore, s: Scenario): Promise<void> {
  const dispatcher = new FaultyDispatcher();
  const world = new World(dispatcher, s.outcomeOf ? { outcomeOf: s.outcomeOf } : {});
  const store = new ExecutionStore({ db, dispatcher, clock: () => NOW, snapshotEvery: 5 });
  const { executionId } = await store.startExecution(s.def, s.input, { name: `golden-${s.name}` });
  await world.run(executionId, [store], { maxDeliveries: s.stopAfter ?? 5000 }).catch((e: Error) => {
    if (s.stopAfter === undefined) throw e;
  });
  for (const signal of s.after ?? []) {
    await store.apply(executionId, signal);
    await world.run(executionId, [store]);
  }
  const events = await readAll(store, executionId);
  const { snapshotSeq: _s, definition: _d, ...head } = (await store.getHead(executionId)) ?? {};
  writeFileSync(resolve(HERE, `${s.name}.jsonl`), `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
  writeFileSync(resolve(HERE, `${s.name}.flow.json`), `${JSON.stringify(s.def, null, 2)}\n`);
  writeFileSync(resolve(HERE, `${s.name}.head.json`), `${JSON.stringify(head, null, 2)}\n`);
  console.log(`${s.name}: ${events.length} events, ${String((head as { status?: string }).status)}`);
}

const host = process.env.FIRESTORE_EMULATOR_HOST;
if (!host) throw new Error('set FIRESTORE_EMULATOR_HOST to a running Firestore emulator');
const db = new Firestore({ projectId: `golden-${randomUUID().slice(0, 8)}`, host, ssl: false });
// GOLDEN_ONLY=name,name regenerates only those scenarios (a new one), leaving the others as recorded.
const only = process.env.GOLDEN_ONLY?.split(',');
for (const s of SCENARIOS) if (only === undefined || only.includes(s.name)) await generate(db, s);
await db.terminate();
