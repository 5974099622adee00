/**
 * infra/firestore.rules against the Firestore emulator: every engine collection is server-only; a
 * user with the custom claim `firestepViewer == true` may read execution heads, their events and
 * definitions, and nothing else; nobody writes through client SDKs.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestContext,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';
import {
  collection,
  collectionGroup,
  deleteDoc,
  doc,
  getDoc,
  getDocs,
  limit,
  query,
  setDoc,
  setLogLevel,
  updateDoc,
} from 'firebase/firestore';
import { afterAll, beforeAll, describe, it } from 'vitest';

const RULES = readFileSync(resolve(import.meta.dirname, '../../infra/firestore.rules'), 'utf8');

/** Every collection the engine writes, with whether a viewer may read it. */
const COLLECTIONS: Array<{ path: string; viewerReads: boolean; why: string }> = [
  { path: 'executions/e1', viewerReads: true, why: 'execution head for the console' },
  { path: 'executions/e1/events/000000000001', viewerReads: true, why: 'event log for the console' },
  { path: 'definitions/abc123', viewerReads: true, why: 'flow definition to draw the DAG' },
  { path: 'executions/e1/signals/log:1', viewerReads: false, why: 'dedupe bookkeeping' },
  { path: 'executions/e1/commands/c1', viewerReads: false, why: 'outbox' },
  { path: 'executions/e1/snapshots/s1', viewerReads: false, why: 'replay cache' },
  { path: 'executions/e1/inbox/i1', viewerReads: false, why: 'fan-in buffer' },
  { path: 'correlations/callback:tok', viewerReads: false, why: 'carries callback tokens' },
  { path: 'chunks/sha256-1', viewerReads: false, why: 'out-of-line payloads' },
  { path: 'leases/sweep', viewerReads: false, why: 'engine coordination' },
  { path: 'deadletters/d1', viewerReads: false, why: 'raw rejected signals' },
  {
    path: 'executions/e1/events/000000000001/notes/n1',
    viewerReads: false,
    why: 'unknown nesting stays closed',
  },
  { path: 'somethingElse/x', viewerReads: false, why: 'unknown collections stay closed' },
];

const parentOf = (path: string) => path.split('/').slice(0, -1).join('/');

function emulatorHostPort(): { host: string; port: number } {
  const value = process.env.FIRESTORE_EMULATOR_HOST;
  if (!value) throw new Error('FIRESTORE_EMULATOR_HOST is not set: run tests through vitest (npm test)');
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at), port: Number(value.slice(at + 1)) };
}

let env: RulesTestEnvironment;

beforeAll(async () => {
  // Denied requests are the point of this suite; the SDK would log each one as an error.
  setLogLevel('silent');
  env = await initializeTestEnvironment({
    projectId: `rules-${randomUUID().slice(0, 8)}`,
    firestore: { ...emulatorHostPort(), rules: RULES },
  });
  await env.withSecurityRulesDisabled(async (admin) => {
    for (const { path } of COLLECTIONS) await setDoc(doc(admin.firestore(), path), { seeded: true });
  });
});

afterAll(async () => {
  await env?.clearFirestore();
  await env?.cleanup();
});

type Actor = { name: string; context: () => RulesTestContext };
const actors = {
  anonymous: { name: 'an unauthenticated client', context: () => env.unauthenticatedContext() },
  user: { name: 'an ordinary signed-in user', context: () => env.authenticatedContext('alice') },
  falseClaim: {
    name: 'a user with firestepViewer=false',
    context: () => env.authenticatedContext('bob', { firestepViewer: false }),
  },
  stringClaim: {
    name: 'a user with firestepViewer="true" (a string)',
    context: () => env.authenticatedContext('carol', { firestepViewer: 'true' }),
  },
  viewer: { name: 'a viewer', context: () => env.authenticatedContext('dave', { firestepViewer: true }) },
} satisfies Record<string, Actor>;

async function expectNoWrites(ctx: RulesTestContext, path: string): Promise<void> {
  const db = ctx.firestore();
  await assertFails(setDoc(doc(db, path), { forged: true }));
  await assertFails(setDoc(doc(db, `${parentOf(path)}/new-${randomUUID().slice(0, 6)}`), { forged: true }));
  await assertFails(updateDoc(doc(db, path), { forged: true }));
  await assertFails(deleteDoc(doc(db, path)));
}

describe.each(COLLECTIONS)('$path ($why)', ({ path, viewerReads }) => {
  for (const actor of [actors.anonymous, actors.user, actors.falseClaim, actors.stringClaim]) {
    it(`given ${actor.name}, when it reads, lists or writes, then every operation is denied`, async () => {
      const db = actor.context().firestore();
      await assertFails(getDoc(doc(db, path)));
      await assertFails(getDocs(query(collection(db, parentOf(path)), limit(5))));
      await expectNoWrites(actor.context(), path);
    });
  }

  if (viewerReads) {
    it('given a viewer, when it reads and lists, then both succeed', async () => {
      const db = actors.viewer.context().firestore();
      await assertSucceeds(getDoc(doc(db, path)));
      await assertSucceeds(getDocs(query(collection(db, parentOf(path)), limit(5))));
    });
  } else {
    it('given a viewer, when it reads or lists, then both are denied', async () => {
      const db = actors.viewer.context().firestore();
      await assertFails(getDoc(doc(db, path)));
      await assertFails(getDocs(query(collection(db, parentOf(path)), limit(5))));
    });
  }

  it('given a viewer, when it creates, updates or deletes, then every write is denied', async () => {
    await expectNoWrites(actors.viewer.context(), path);
  });
});

describe('collection-group queries', () => {
  it.each([
    'events',
    'commands',
    'signals',
    'inbox',
    'snapshots',
  ])('given a viewer, when it queries the %s collection group across executions, then it is denied', async (group) => {
    const db = actors.viewer.context().firestore();
    await assertFails(getDocs(query(collectionGroup(db, group), limit(5))));
  });
});
