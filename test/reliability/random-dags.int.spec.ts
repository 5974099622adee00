/**
 * Seeded random DAGs (the core suite's generator: nested Parallels, Conditions, Waits, retries,
 * catches, timeouts, Fail steps) × seeded fault schedules, run through the real store on the
 * emulator: transactions aborted before commit, crashes after commit, dispatches that fail
 * transiently, throw or fail terminally, signals delivered in random order with duplicates by two
 * workers. Every run must keep every invariant AND end the way its flow and its step outcomes say it
 * must (support/expected-outcome.ts): SUCCEEDED with exactly the expected step table, or FAILED
 * naming a step whose failure ends the flow.
 *
 * Reproducible: the seeds are fixed; `FIRESTEP_TEST_SEED=<n>` runs seed n alone. Each test prints
 * its seed and the command that replays it. Nothing is written to the tree.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutionEvent } from '../../engine/core/index.ts';
import { definitionHash } from '../../engine/flow/hash.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import { validateFlow } from '../../engine/flow/validate.ts';
import { ExecutionStore, type StoreFaults } from '../../engine/store/index.ts';
import { arbitraryFlow } from '../core/random-flows.ts';
import { testFirestore } from '../support/firestore.ts';
import { FaultyDispatcher } from './support/dispatcher.ts';
import { type AttemptFate, expectedOutcome } from './support/expected-outcome.ts';
import { faultyFirestore } from './support/faulty-firestore.ts';
import { assertInvariants, StatusWatch } from './support/invariants.ts';
import { prng, World } from './support/world.ts';

const FIXED_SEEDS = [11, 22, 33, 44, 55, 66, 77, 88];
const override = process.env.FIRESTEP_TEST_SEED;
if (override !== undefined && override !== '' && !Number.isSafeInteger(Number(override)))
  throw new Error(`FIRESTEP_TEST_SEED must be an integer, not ${JSON.stringify(override)}`);
/** The fixed seeds, or the one seed FIRESTEP_TEST_SEED names. */
const SEEDS = override !== undefined && override !== '' ? [Number(override)] : FIXED_SEEDS;
const repro = (seed: number) =>
  `FIRESTEP_TEST_SEED=${seed} npx vitest run --project emulator test/reliability/random-dags.int.spec.ts`;

const t = testFirestore('rel-random');
afterAll(() => t.cleanup());

function flowFor(seed: number): FlowDefinition {
  const [raw] = fc.sample(arbitraryFlow, { seed, numRuns: 1 });
  const check = validateFlow(raw);
  if (check.flow === undefined)
    throw new Error(`seed ${seed}: generated flow is invalid: ${JSON.stringify(check.errors)}`);
  return { id: `rand-${seed}`, flow: check.flow, hash: definitionHash(check.flow) };
}

/** Outcome of (path, attempt): a stable pseudo-random function of the seed, 25% failures. */
function outcomes(seed: number) {
  return (path: string, attempt: number) => {
    let h = seed;
    for (const c of `${path}#${attempt}`) h = Math.imul(h ^ c.charCodeAt(0), 0x9e3779b1);
    return prng(h)() < 0.25 ? ('failed' as const) : ('succeeded' as const);
  };
}

async function runSeed(seed: number): Promise<string> {
  const outcomeOf = outcomes(seed);
  const random = prng(seed);
  let now = Date.parse('2026-01-01T00:00:00.000Z');
  const clock = () => new Date(now);
  const dispatcher = new FaultyDispatcher();
  dispatcher.idempotent = true;
  dispatcher.plan = (command, previous) => {
    if (previous >= 3) return 'ok';
    const r = random();
    if (command.kind === 'launch' && previous === 0 && r < 0.03) return 'failed';
    return r < 0.15 ? 'retry' : r < 0.2 ? 'throw' : 'ok';
  };
  const faulty = faultyFirestore(t.db, { abortProbability: 0.1, random });
  let crashes = 0;
  const faults: StoreFaults = {
    afterCommit: () => {
      if (random() < 0.05) {
        crashes++;
        throw Object.assign(new Error('injected crash after commit'), { code: 14 });
      }
    },
  };
  // One dispatch at a time: the PRNG is then consumed in the same order on every run, so a seed
  // replays the same schedule (concurrency itself is covered by delivery.int.spec.ts).
  const stores = [
    new ExecutionStore({ db: faulty.db, dispatcher, clock, faults, dispatchConcurrency: 1 }),
    new ExecutionStore({ db: faulty.db, dispatcher, clock, dispatchConcurrency: 1 }),
  ];
  const world = new World(dispatcher, { outcomeOf, random, duplicateProbability: 0.2 });
  const def = flowFor(seed);
  const flag = random() < 0.5;
  let executionId: string | undefined;
  for (let i = 0; executionId === undefined && i < 20; i++) {
    executionId = await stores[0]!.startExecution(def, { flag }, { name: `seed-${seed}` }).then(
      (r) => r.executionId,
      () => undefined,
    );
  }
  if (executionId === undefined) throw new Error('could not start');

  await world.run(executionId, stores, { advanceClock: () => (now += 10 * 60_000) });

  const watch = new StatusWatch();
  const { head, events } = await assertInvariants(t.db, executionId, {
    launches: dispatcher,
    quiescent: true,
    watch,
  });

  // The fate of each attempt: a terminal launch failure the dispatcher injected, a timeout (its timer
  // may legitimately beat a completion delayed by injected dispatch retries), or the world's outcome.
  const launchFailed = new Set(
    dispatcher.calls.flatMap(({ command, fault }) =>
      command.kind === 'launch' && command.executionId === executionId && fault === 'failed'
        ? [`${command.path}#${command.attempt}`]
        : [],
    ),
  );
  const timedOut = new Set(
    events.flatMap((e) => (e.type === 'StepTimedOut' ? [`${e.path}#${e.attempt}`] : [])),
  );
  const fateOf = (path: string, attempt: number): AttemptFate => {
    const key = `${path}#${attempt}`;
    if (launchFailed.has(key)) return 'launchFailed';
    if (timedOut.has(key)) return 'timedOut';
    return outcomeOf(path, attempt);
  };
  const expected = expectedOutcome(def.flow, { of: fateOf, flag });
  const where = `seed ${seed} (replay: ${repro(seed)})`;
  expect(head.status, `${where}: terminal status`).toBe(expected.status);
  if (expected.status === 'SUCCEEDED') {
    const table = Object.fromEntries(
      Object.entries(head.steps).map(([path, row]) => [path, { status: row.status, attempt: row.attempt }]),
    );
    expect(table, `${where}: step table`).toEqual(expected.steps);
  } else {
    const failed = events.filter(
      (e): e is Extract<ExecutionEvent, { type: 'ExecutionFailed' }> => e.type === 'ExecutionFailed',
    );
    expect(failed, `${where}: one ExecutionFailed event`).toHaveLength(1);
    expect(expected.failingSteps, `${where}: the step named by ExecutionFailed`).toContain(failed[0]?.path);
    for (const path of Object.keys(head.steps))
      expect(expected.reachable, `${where}: step ${path} ran but cannot be reached`).toContain(path);
  }
  // one more round of every late signal: nothing may change any more
  for (const { signal } of world.deliveries.slice(-5))
    await stores[1]!.apply(executionId, signal).catch(() => undefined);
  await assertInvariants(t.db, executionId, { launches: dispatcher, quiescent: true, watch });
  return `${head.status} as expected${expected.status === 'FAILED' ? ` (failed at ${expected.failingSteps.join(' | ')})` : ''} after ${world.deliveries.length} deliveries, ${faulty.stats.aborted} aborts, ${crashes} crashes, ${dispatcher.adopted} adopted re-dispatches`;
}

describe('random DAGs × fault schedules', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: ends as its flow and step outcomes say, with every invariant intact`, async () => {
      console.log(`random DAG seed ${seed} (replay: ${repro(seed)})`);
      console.log(`seed ${seed}: ${await runSeed(seed)}`);
    });
  }
});
