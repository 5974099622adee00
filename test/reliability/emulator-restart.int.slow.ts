/**
 * The Firestore backend goes away mid-flow. A separate emulator is started for this file (the
 * shared one is never touched), stopped while an execution is running, and replaced by a fresh one.
 *
 * The emulator keeps its data in memory, so a restart loses everything: this is an outage followed
 * by a new, empty database — not a durable restart (production Firestore is durable; nothing is
 * lost there). What the test pins down is the engine's side of an outage: every operation fails
 * with an error the functions treat as transient (Pub/Sub redelivers, nothing is acknowledged and
 * nothing is dead-lettered), and the same code resumes cleanly on the new backend.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestDeps } from '../../engine/signals/ingest.ts';
import { firestoreDeadLetters } from '../../engine/store/dead-letters.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { handleEngineMessage } from '../../runtime/handle-message.ts';
import { ensureEmulator, type RunningEmulator } from '../../runtime/local/emulators.ts';
import { isTransient } from '../../runtime/transient.ts';
import { FaultyDispatcher } from './support/dispatcher.ts';
import { chainFlow, succeeded } from './support/flows.ts';
import { assertInvariants } from './support/invariants.ts';
import { World } from './support/world.ts';

// Same fallback as test/support/global-setup.ts: Google's jar next to the repository, if present.
const JAR = resolve(import.meta.dirname, '../../../shared/emulators/cloud-firestore-emulator.jar');
const fallbackJar = existsSync(JAR) ? JAR : undefined;

let emulator: RunningEmulator | undefined;
let replacement: RunningEmulator | undefined;
const clients: Firestore[] = [];

/**
 * A client on `host`. FIRESTORE_EMULATOR_HOST (the shared emulator) always wins over the `host`
 * setting, and it is only read when the client is constructed: swap it for that moment.
 */
function client(host: string): Firestore {
  const shared = process.env.FIRESTORE_EMULATOR_HOST;
  process.env.FIRESTORE_EMULATOR_HOST = host;
  try {
    const db = new Firestore({ projectId: 'rel-restart', host, ssl: false, preferRest: false });
    clients.push(db);
    return db;
  } finally {
    process.env.FIRESTORE_EMULATOR_HOST = shared;
  }
}

function ingestDeps(db: Firestore, store: ExecutionStore): { ingestDeps: IngestDeps } {
  return {
    ingestDeps: {
      lookup: { lookup: (key) => store.lookupCorrelation(key) },
      apply: (id, signal) => store.apply(id, signal),
      deadLetters: firestoreDeadLetters(db),
    },
  };
}

/** Wait until nothing answers on `host` any more (stop() gives the JVM a few seconds to exit). */
async function untilDown(host: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const up = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(500) }).then(
      () => true,
      () => false,
    );
    if (!up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the emulator on ${host} is still answering after stop()`);
}

beforeAll(async () => {
  emulator = await ensureEmulator('firestore', { fresh: true, fallbackJar, timeoutMs: 90_000 });
}, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((db) => db.terminate().catch(() => undefined)));
  await emulator?.stop();
  await replacement?.stop();
});

describe('Firestore emulator stopped mid-flow, then replaced', () => {
  it('given a running execution, when the emulator dies, then signals fail transiently (to be redelivered); on a fresh emulator new executions run cleanly', async () => {
    // given: A done, B running
    const db = client(emulator!.host);
    const dispatcher = new FaultyDispatcher();
    const store = new ExecutionStore({ db, dispatcher });
    const { executionId } = await store.startExecution(chainFlow, {});
    await store.apply(executionId, succeeded('A'));
    expect((await store.getHead(executionId))?.steps.B?.status).toBe('RUNNING');

    // when: the backend goes away
    await emulator!.stop();
    await untilDown(emulator!.host);
    const applyError = await store.apply(executionId, succeeded('B')).catch((e: unknown) => e);
    const timerMessage = {
      kind: 'firestep.timer',
      executionId,
      path: 'B',
      attempt: 1,
      timer: 'timeout',
      commandId: 'timer-timeout~B~1',
    };
    const ingestError = await handleEngineMessage(timerMessage, ingestDeps(db, store)).catch(
      (e: unknown) => e,
    );

    // then: transient — the push answers 5xx and Pub/Sub redelivers; nothing is dead-lettered
    expect(applyError).toBeInstanceOf(Error);
    expect(isTransient(applyError), `apply error: ${String(applyError)}`).toBe(true);
    expect(isTransient(ingestError), `ingest error: ${String(ingestError)}`).toBe(true);

    // when: a fresh (empty) emulator replaces it
    replacement = await ensureEmulator('firestore', { fresh: true, fallbackJar, timeoutMs: 90_000 });
    const fresh = client(replacement.host);
    const dispatcher2 = new FaultyDispatcher();
    const store2 = new ExecutionStore({ db: fresh, dispatcher: dispatcher2 });

    // then: the lost execution is reported as not found (not half-there), and new ones run to the end
    const lost = await handleEngineMessage(timerMessage, ingestDeps(fresh, store2));
    expect(lost.status).toBe('deadLettered');
    const world = new World(dispatcher2);
    const next = await store2.startExecution(chainFlow, { after: 'restart' });
    await world.run(next.executionId, [store2]);
    const { head } = await assertInvariants(fresh, next.executionId, {
      launches: dispatcher2,
      quiescent: true,
    });
    expect(head.status).toBe('SUCCEEDED');
  }, 180_000);
});
