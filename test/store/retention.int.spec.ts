/**
 * Retention: with `retentionDays`, a head that reaches a terminal status gets `expireAt` (a Firestore
 * Timestamp: terminal time + retention) for a Firestore TTL policy; running heads and stores
 * without the option never carry it.
 */
import { Timestamp } from '@google-cloud/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import { isFirestepError } from '../../engine/errors.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { loadRuntimeConfig } from '../../runtime/config.ts';
import { testFirestore } from '../support/firestore.ts';
import { failed, manualClock, RecordingDispatcher, succeeded, twoStepFlow } from './support.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('retention (expireAt for Firestore TTL)', () => {
  const t = testFirestore('store-retention');
  afterAll(() => t.cleanup());

  it('given retentionDays 7, when an execution runs and then succeeds, then the finished head carries expireAt = finish time + 7 days, and so does every event (none before it finished)', async () => {
    // given
    const time = manualClock('2026-03-01T10:00:00.000Z');
    const store = new ExecutionStore({
      db: t.db,
      dispatcher: new RecordingDispatcher(),
      clock: time.clock,
      retentionDays: 7,
    });
    const { executionId } = await store.startExecution(twoStepFlow(), {});
    await store.apply(executionId, succeeded('A', 1));
    const running = await t.db.doc(`executions/${executionId}`).get();

    // when
    time.advance(60_000);
    await store.apply(executionId, succeeded('B', 1));

    // then
    expect(running.get('expireAt')).toBeUndefined();
    const stored = await t.db.doc(`executions/${executionId}`).get();
    const expireAt = stored.get('expireAt') as unknown;
    expect(expireAt).toBeInstanceOf(Timestamp);
    const head = await store.getHead(executionId);
    expect(head?.status).toBe('SUCCEEDED');
    expect((expireAt as Timestamp).toMillis()).toBe(Date.parse(head?.updatedAt ?? '') + 7 * DAY_MS);
    expect(head?.expireAt).toBe('2026-03-08T10:01:00.000Z');
    const events = await t.db.collection(`executions/${executionId}/events`).get();
    expect(events.size).toBeGreaterThan(0);
    for (const doc of events.docs)
      expect((doc.get('expireAt') as Timestamp).toMillis()).toBe((expireAt as Timestamp).toMillis());
  });

  it('given retentionDays 0.5, when an execution fails, then its head expires 12 hours after the failure', async () => {
    // given
    const time = manualClock('2026-03-01T10:00:00.000Z');
    const store = new ExecutionStore({
      db: t.db,
      dispatcher: new RecordingDispatcher(),
      clock: time.clock,
      retentionDays: 0.5,
    });
    const { executionId } = await store.startExecution(twoStepFlow('fails'), {});

    // when
    await store.apply(executionId, failed('A', 1));

    // then
    const head = await store.getHead(executionId);
    expect(head?.status).toBe('FAILED');
    expect(head?.expireAt).toBe(new Date(Date.parse(head?.updatedAt ?? '') + DAY_MS / 2).toISOString());
  });

  it('given no retentionDays, when an execution finishes, then the head has no expireAt', async () => {
    // given
    const store = new ExecutionStore({ db: t.db, dispatcher: new RecordingDispatcher() });
    const { executionId } = await store.startExecution(twoStepFlow('kept'), {});

    // when
    await store.apply(executionId, succeeded('A', 1));
    await store.apply(executionId, succeeded('B', 1));

    // then
    expect((await store.getHead(executionId))?.status).toBe('SUCCEEDED');
    expect((await t.db.doc(`executions/${executionId}`).get()).get('expireAt')).toBeUndefined();
  });

  it.each([
    0,
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ])('given retentionDays %s, when a store is created, then it refuses with a CONFIG error naming the option', (days) => {
    // when
    const attempt = () =>
      new ExecutionStore({ db: t.db, dispatcher: new RecordingDispatcher(), retentionDays: days });

    // then
    expect(attempt).toThrow(/retentionDays/);
    try {
      attempt();
    } catch (e) {
      expect(isFirestepError(e, 'CONFIG')).toBe(true);
    }
  });
});

describe('FIRESTEP_RETENTION_DAYS', () => {
  const VALID = {
    GOOGLE_CLOUD_PROJECT: 'my-project',
    FIRESTEP_REGION: 'europe-west1',
    FIRESTEP_CALLBACK_SECRET: 'a-secret-of-24-characters',
    FIRESTEP_API_URL: 'https://firestep-api-xyz.run.app/',
    FIRESTEP_SIGNAL_TOPIC: 'projects/my-project/topics/firestep-signals',
    FIRESTEP_TASKS_QUEUE: 'projects/my-project/locations/europe-west1/queues/firestep',
  };

  it('given FIRESTEP_RETENTION_DAYS=30, when the runtime config loads, then retentionDays is 30; unset or empty, it is absent', () => {
    expect(loadRuntimeConfig({ ...VALID, FIRESTEP_RETENTION_DAYS: '30' }).retentionDays).toBe(30);
    expect(loadRuntimeConfig(VALID)).not.toHaveProperty('retentionDays');
    expect(loadRuntimeConfig({ ...VALID, FIRESTEP_RETENTION_DAYS: '' })).not.toHaveProperty('retentionDays');
  });

  it.each([
    '0',
    '-3',
    'forever',
  ])('given FIRESTEP_RETENTION_DAYS=%s, when the runtime config loads, then a CONFIG error names the variable', (value) => {
    let error: unknown;
    try {
      loadRuntimeConfig({ ...VALID, FIRESTEP_RETENTION_DAYS: value });
    } catch (e) {
      error = e;
    }
    expect(isFirestepError(error, 'CONFIG')).toBe(true);
    expect(String((error as Error).message)).toMatch(/FIRESTEP_RETENTION_DAYS/);
  });
});
