/**
 * Documents parsed on read: a hand-edited (or foreign, or old) document of each kind the store reads
 * gives STORE_CORRUPT_DOCUMENT naming the document and its first bad field, in one line, and the
 * read changes nothing stored. The engine's push handler acknowledges such a message as a dead
 * letter (200) instead of answering 500 and being redelivered forever.
 */
import type { Firestore } from '@google-cloud/firestore';
import * as functions from '@google-cloud/functions-framework';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceFor } from '../../engine/core/trace.ts';
import { isFirestepError } from '../../engine/errors.ts';
import { cloudFunction, defineFlow, end, task } from '../../engine/flow/index.ts';
import { firestoreCorrelationLookup } from '../../engine/store/correlations.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { enginePushHandler } from '../../functions/engine/push.ts';
import { LOCAL_CALLBACK_SECRET } from '../../runtime/local-config.ts';
import { FlowRegistry } from '../../runtime/registry/registry.ts';
import {
  completionEntry,
  eventually,
  type Harness,
  idToken,
  pushBody,
  serve,
  startHarness,
  testPushAuth,
} from '../functions/support.ts';
import { testFirestore } from '../support/firestore.ts';
import { RecordingDispatcher, succeeded, twoStepFlow } from './support.ts';

process.env.FIRESTEP_LOG ??= 'silent';

/** Every document of an execution (head and subcollections), by path. */
async function dump(db: Firestore, executionId: string): Promise<Record<string, unknown>> {
  const head = db.collection('executions').doc(executionId);
  const out: Record<string, unknown> = { [head.path]: (await head.get()).data() };
  for (const sub of await head.listCollections()) {
    for (const doc of (await sub.get()).docs) out[doc.ref.path] = doc.data();
  }
  return out;
}

/** The rejection of `op`, checked to be STORE_CORRUPT_DOCUMENT about `path` / `field`. */
async function expectCorrupt(op: Promise<unknown>, path: string, field: string): Promise<string> {
  const e = await op.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isFirestepError(e, 'STORE_CORRUPT_DOCUMENT'))
    throw new Error(`expected STORE_CORRUPT_DOCUMENT, got ${e}`);
  expect(e.retryable).toBe(false);
  expect(e.details).toMatchObject({ document: path, field });
  expect(e.message).toContain(path);
  expect(e.message).toContain(`${field}:`);
  expect(e.message).not.toContain('\n');
  return e.message;
}

describe('documents parsed on read', () => {
  const t = testFirestore('store-corrupt');
  afterAll(() => t.cleanup());

  /** A two-step execution whose first step is launched (events 1..2, snapshot 1, a DONE command). */
  async function started() {
    const dispatcher = new RecordingDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await store.startExecution(twoStepFlow(), { n: 1 });
    const head = t.db.collection('executions').doc(executionId);
    /** A store with empty caches, as another worker (or a restarted one) is. */
    const fresh = () => new ExecutionStore({ db: t.db, dispatcher });
    return { store, fresh, dispatcher, executionId, head };
  }

  it('given a head whose lastSeq was hand-edited to text, when a signal is applied and the head read, then STORE_CORRUPT_DOCUMENT names executions/{id} and lastSeq, and nothing is written', async () => {
    const { fresh, executionId, head } = await started();
    await head.update({ lastSeq: 'seven' });
    const before = await dump(t.db, executionId);

    const message = await expectCorrupt(fresh().apply(executionId, succeeded('A', 1)), head.path, 'lastSeq');
    await expectCorrupt(fresh().getHead(executionId), head.path, 'lastSeq');
    await expectCorrupt(fresh().loadState(executionId), head.path, 'lastSeq');

    expect(message).toMatch(/^corrupt head document executions\/[^ ]+: lastSeq: .*expected number/);
    expect(await dump(t.db, executionId)).toEqual(before);
  });

  it('given a head without its step table, when it is read or listed, then the error names steps', async () => {
    const { store, executionId, head } = await started();
    await head.update({ steps: null, flowId: 'corrupt-listing' });

    await expectCorrupt(store.getHead(executionId), head.path, 'steps');
    await expectCorrupt(store.listExecutions({ flowId: 'corrupt-listing' }), head.path, 'steps');
  });

  it('given an event whose type was renamed, when the log is read or replayed, then the error names the event document and type', async () => {
    const { fresh, executionId, head } = await started();
    const event = head.collection('events').doc('0000000002');
    await event.update({ type: 'StepExploded' });
    const before = await dump(t.db, executionId);

    await expectCorrupt(fresh().readEvents(executionId), event.path, 'type');
    await expectCorrupt(fresh().apply(executionId, succeeded('A', 1)), event.path, 'type');

    expect(await dump(t.db, executionId)).toEqual(before);
  });

  it('given an event without its receipt, or with a seq that is not its id, then the error names the field', async () => {
    const { fresh, executionId, head } = await started();
    const event = head.collection('events').doc('0000000002');
    const original = (await event.get()).data() ?? {};
    const { receipt: _receipt, ...withoutReceipt } = original;
    await event.set(withoutReceipt);
    await expectCorrupt(fresh().readEvents(executionId), event.path, 'receipt');

    await event.set({ ...original, seq: 3 });
    await expectCorrupt(fresh().loadState(executionId), event.path, 'seq');
  });

  it('given a snapshot whose state is not JSON, or lacks the machine, when the state is loaded, then the error names the snapshot and field', async () => {
    const { fresh, executionId, head } = await started();
    const snapshot = head.collection('snapshots').doc('0000000001');
    const original = (await snapshot.get()).data() ?? {};
    await snapshot.update({ state: '{"executionId": ' });
    const before = await dump(t.db, executionId);

    await expectCorrupt(fresh().apply(executionId, succeeded('A', 1)), snapshot.path, 'state');
    expect(await dump(t.db, executionId)).toEqual(before);

    const { machine: _machine, ...state } = JSON.parse(original.state as string) as Record<string, unknown>;
    await snapshot.update({ state: JSON.stringify(state) });
    await expectCorrupt(fresh().loadState(executionId), snapshot.path, 'state.machine');
  });

  it('given a pending outbox command without its trace context, when the outbox is swept or listed, then it is left alone (not dispatched, not rewritten) and the listing names command.trace', async () => {
    const { store, dispatcher, executionId, head } = await started();
    const done = (await head.collection('commands').doc('launch~A~1').get()).data() ?? {};
    const { trace: _trace, ...command } = done.command as Record<string, unknown>;
    const ref = head.collection('commands').doc('launch~B~1');
    await ref.set({
      ...done,
      command: { ...command, id: 'launch~B~1', step: 'B', path: 'B' },
      commandId: 'launch~B~1',
      path: 'B',
      status: 'PENDING',
      attempts: 0,
      nextAttemptAt: '2000-01-01T00:00:00.000Z',
    });
    const calls = dispatcher.calls.length;
    const before = await dump(t.db, executionId);

    await store.drain(executionId);
    await store.sweepPending();

    expect(dispatcher.calls.length).toBe(calls);
    expect(await dump(t.db, executionId)).toEqual(before);
    await expectCorrupt(store.listPendingCommands(executionId), ref.path, 'command.trace');
  });

  it('given a queued inbox entry whose signal has no attempt, when the inbox is drained, then it is moved as stored to rejected/ with the coded error and the log is unchanged', async () => {
    const { store, executionId, head } = await started();
    const entry = {
      signal: { kind: 'completed', outcome: 'succeeded', path: 'A', output: 1, source: { kind: 'log' } },
      sortKey: '2026-01-01T00:00:00.000Z~0000000001',
      queuedAt: '2026-01-01T00:00:00.000Z',
    };
    const inbox = head.collection('inbox').doc('A%231%23succeeded');
    await inbox.set(entry);
    const events = await store.readEvents(executionId);
    const headBefore = (await head.get()).data();

    await store.drain(executionId);

    expect((await inbox.get()).exists).toBe(false);
    const rejected = (await head.collection('rejected').doc(inbox.id).get()).data();
    expect(rejected).toMatchObject(entry);
    expect(rejected?.error.code).toBe('STORE_CORRUPT_DOCUMENT');
    expect(rejected?.error.message).toContain(`${inbox.path}: signal.attempt:`);
    expect(await store.readEvents(executionId)).toEqual(events);
    expect((await head.get()).data()).toEqual(headBefore);
  });

  it('given a correlation document with attempt 0, when a key is looked up (store or signal port), then the error names correlations/{key} and attempt', async () => {
    const { store, executionId } = await started();
    const key = { kind: 'trace' as const, value: `corrupt-${executionId}` };
    const target = {
      executionId,
      step: 'A',
      path: 'A',
      attempt: 1,
      commandId: 'launch~A~1',
      targetType: 'CloudFunction',
    };
    await store.registerCorrelations(target, [key]);
    expect(await store.lookupCorrelation(key)).toEqual(target);
    const ref = t.db.collection('correlations').doc(`trace:corrupt-${executionId}`);
    expect((await ref.get()).exists).toBe(true);
    await ref.update({ attempt: 0 });

    await expectCorrupt(store.lookupCorrelation(key), ref.path, 'attempt');
    await expectCorrupt(firestoreCorrelationLookup(t.db).lookup(key), ref.path, 'attempt');
  });

  it('given a pinned definition whose flow was edited, when a worker without it cached replays, then the error names definitions/{hash} and flow', async () => {
    const dispatcher = new RecordingDispatcher();
    const def = twoStepFlow('corrupt-definition');
    const { executionId } = await new ExecutionStore({ db: t.db, dispatcher }).startExecution(def, {});
    const ref = t.db.collection('definitions').doc(def.hash);
    await ref.update({ 'flow.start': 'B' });

    await expectCorrupt(
      new ExecutionStore({ db: t.db, dispatcher }).loadState(executionId),
      ref.path,
      'flow',
    );
  });

  it('given an out-of-line payload whose chunk data was replaced by text, when the event is read, then the error names the chunk document and data', async () => {
    const dispatcher = new RecordingDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher, inlineLimitBytes: 2048 });
    const { executionId } = await store.startExecution(twoStepFlow('corrupt-chunk'), {});
    await store.apply(executionId, succeeded('A', 1, { blob: 'x'.repeat(10_000) }));
    const events = await t.db.collection(`executions/${executionId}/events`).get();
    const withChunk = events.docs.find((d) => d.get('type') === 'StepSucceeded');
    const sha256 = withChunk?.get('output')?.$chunks?.sha256 as string;
    const owner = withChunk?.get('output')?.$chunks?.owner as string;
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    // The execution's own chunk (chunks.ts): `{sha256}-{part}~{owner}`.
    const chunk = t.db.collection('chunks').doc(`${sha256}-0~${owner}`);
    await chunk.update({ data: 'not bytes' });

    await expectCorrupt(store.readEvents(executionId), chunk.path, 'data');
  });
});

const chain = defineFlow({
  id: 'corrupt-chain',
  start: 'A',
  steps: {
    A: task(cloudFunction('fn-a', { project_id: 'p', region: 'europe-west1' }), { next: 'Done' }),
    Done: end(),
  },
});

describe('firestepEnginePush with a corrupt head', () => {
  let h: Harness;
  let push: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    h = await startHarness({ registry: FlowRegistry.of([chain]), prefix: 'corrupt-push' });
    functions.http(
      'firestepEnginePushCorrupt',
      enginePushHandler(async () => h.runtime, testPushAuth(), h.projectId),
    );
    push = await serve('firestepEnginePushCorrupt');
  });

  afterAll(async () => {
    await push?.close();
    await h?.close();
  });

  it('given a launched step whose head was hand-edited, when its completion is pushed twice, then each push is acknowledged (200) as a dead letter naming the document, and the head is untouched', async () => {
    const { executionId } = await h.runtime.store.startExecution(chain, {});
    const trace = traceFor(executionId, 'A', 1, LOCAL_CALLBACK_SECRET).traceId;
    const entry = await eventually(() => completionEntry(h.entries, trace));
    await eventually(async () => (await h.runtime.store.getHead(executionId))?.steps.A?.receipt);
    const db = h.runtime.db;
    const head = db.collection('executions').doc(executionId);
    await head.update({ definitionHash: 42 });
    const before = await dump(db, executionId);

    for (const messageId of ['first', 'redelivered']) {
      const res = await fetch(`${push.url}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken()}` },
        body: JSON.stringify(pushBody(entry, messageId)),
      });
      expect(res.status).toBe(200);
      const outcome = (await res.json()) as { status: string; reason: string; deadLetterId: string };
      expect(outcome.status).toBe('deadLettered');
      expect(outcome.reason).toMatch(
        new RegExp(
          `^STORE_CORRUPT_DOCUMENT: corrupt head document executions/${executionId}: definitionHash:`,
        ),
      );
      const letter = (await db.collection('deadletters').doc(outcome.deadLetterId).get()).data();
      expect(letter?.reason).toBe(outcome.reason);
    }
    expect(await dump(db, executionId)).toEqual(before);
  });
});
