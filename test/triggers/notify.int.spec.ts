/**
 * Notifications (flow `notify`, issue 18 item 6) on the Firestore and Pub/Sub emulators: the
 * transaction that ends an execution writes a `notify` command to the outbox; the outbox publishes
 * it (Pub/Sub, with filterable attributes) or POSTs it (a local webhook that verifies the HMAC
 * signature), records `NotificationSent`, and retries a failing webhook until it gives up with a
 * `NotificationFailed` event and a FAILED command. Duplicated terminal signals and repeated sweeps
 * send nothing twice.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../adapters/dispatcher.ts';
import { createNotifier } from '../../adapters/notify/notifier.ts';
import { LocalTimerScheduler } from '../../adapters/timers/local.ts';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import type { NotificationPayload } from '../../engine/core/notify.ts';
import { defineFlow, end, fail, pass, wait } from '../../engine/flow/index.ts';
import type { FlowDefinition, NotifyRule } from '../../engine/flow/model.ts';
import {
  DELIVERY_HEADER,
  notificationKey,
  SIGNATURE_HEADER,
  verifyNotification,
} from '../../engine/signals/wire/notification.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { eventually } from '../support/eventually.ts';
import { testFirestore } from '../support/firestore.ts';

process.env.FIRESTEP_LOG ??= 'silent';

const SECRET = 'notify-test-secret';
const KEY = notificationKey(SECRET);

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  verdict: ReturnType<typeof verifyNotification>;
}

/** A webhook receiver: verifies each POST, answers with the next status of its script (then 200). */
async function startReceiver(): Promise<{
  url: string;
  deliveries: Delivery[];
  script(statuses: number[]): void;
  close(): Promise<void>;
}> {
  const deliveries: Delivery[] = [];
  let statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verdict = verifyNotification(KEY, body, req.headers[SIGNATURE_HEADER] as string | undefined);
      deliveries.push({ headers: req.headers, body, verdict });
      res.statusCode = verdict.ok ? (statuses.shift() ?? 200) : 401;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks/firestep`,
    deliveries,
    script: (s) => {
      statuses = [...s];
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const fs = testFirestore('notify');
const pubsub = new PubSub({ projectId: fs.projectId });
let receiver: Awaited<ReturnType<typeof startReceiver>>;
/** The store's clock runs ahead by this much: a backed-off command becomes due without waiting. */
let skewMs = 0;
let store: ExecutionStore;
const timers = new LocalTimerScheduler({ deliver: () => {} });

beforeAll(async () => {
  receiver = await startReceiver();
  await pubsub.createTopic('alerts');
  await pubsub
    .topic('alerts')
    .createSubscription('alerts-failed', { filter: 'attributes.status = "FAILED"' });
  await pubsub.topic('alerts').createSubscription('alerts-all');
  store = new ExecutionStore({
    db: fs.db,
    dispatcher: createDispatcher({
      launchers: [],
      timers,
      notifier: createNotifier({ pubsub, projectId: fs.projectId, secret: SECRET }),
    }),
    clock: () => new Date(Date.now() + skewMs),
    maxDispatchAttempts: 3,
  });
});

afterAll(async () => {
  timers.clear();
  await receiver?.close();
  await pubsub.close();
  await fs.cleanup();
});

function flow(id: string, notify: NotifyRule[], kind: 'fail' | 'succeed' | 'wait'): FlowDefinition {
  if (kind === 'fail')
    return defineFlow({
      id,
      start: 'Check',
      steps: { Check: fail({ error: 'Data.Missing', cause: 'no orders for the day' }) },
      notify,
    });
  if (kind === 'succeed')
    return defineFlow({
      id,
      start: 'Count',
      steps: { Count: pass({ rows: 3 }, { next: 'Done' }), Done: end() },
      notify,
    });
  return defineFlow({ id, start: 'Hold', steps: { Hold: wait(3600, { end: true }) }, notify });
}

const events = (id: string): Promise<ExecutionEvent[]> => store.readEvents(id);
const ofType = async (id: string, type: ExecutionEvent['type']) =>
  (await events(id)).filter((e) => e.type === type);

async function pull(
  subscription: string,
): Promise<Array<{ data: NotificationPayload; attributes: Record<string, string> }>> {
  const messages: Array<{ data: NotificationPayload; attributes: Record<string, string> }> = [];
  const sub = pubsub.subscription(subscription);
  await new Promise<void>((resolve) => {
    const done = setTimeout(resolve, 1500);
    sub.on('message', (m) => {
      m.ack();
      messages.push({ data: JSON.parse(m.data.toString()) as NotificationPayload, attributes: m.attributes });
      done.refresh();
    });
  });
  sub.removeAllListeners('message');
  await sub.close();
  return messages;
}

describe('notify on the emulators', () => {
  it('given a flow that fails, when it ends, then one Pub/Sub message with the documented payload and attributes, and NotificationSent in the log', async () => {
    const def = flow('nightly-fail', [{ on: ['FAILED', 'TIMED_OUT'], pubsub: 'alerts' }], 'fail');
    const { executionId } = await store.startExecution(
      def,
      { day: '2026-01-05' },
      { name: `run-${randomUUID()}` },
    );
    const sent = await eventually(async () => {
      const found = await ofType(executionId, 'NotificationSent');
      return found.length > 0 && found;
    });
    // Sweeps and a redelivered start find nothing more to send.
    await store.sweepPending();
    await store.sweepPending();
    const head = await store.getHead(executionId);
    expect(head?.status).toBe('FAILED');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      rule: 0,
      round: 1,
      channel: { pubsub: 'alerts' },
      commandId: 'notify~0~1',
    });

    const failedOnly = await pull('alerts-failed');
    expect(failedOnly).toHaveLength(1);
    const [message] = failedOnly;
    expect(message?.attributes).toEqual({
      type: 'firestep.execution.finished',
      executionId,
      flowId: 'nightly-fail',
      status: 'FAILED',
      errorName: 'Data.Missing',
    });
    expect(message?.data).toEqual({
      type: 'firestep.execution.finished',
      executionId,
      flowId: 'nightly-fail',
      status: 'FAILED',
      name: head?.name,
      startedAt: head?.startedAt,
      finishedAt: expect.any(String),
      error: expect.objectContaining({ name: 'Data.Missing', message: expect.any(String) }),
      redriveCount: 0,
      hint: `firestep history ${executionId} --project ${fs.projectId}`,
    });
    expect(sent[0]?.type === 'NotificationSent' && sent[0].messageId).toBeTruthy();
    expect((await pull('alerts-all')).map((m) => m.data.executionId)).toEqual([executionId]);
  });

  it('given a succeeding flow whose rules say FAILED only, then nothing is sent; with SUCCEEDED in "on", then a signed webhook POST', async () => {
    const quiet = flow('quiet', [{ on: ['FAILED'], webhook: receiver.url }], 'succeed');
    const q = await store.startExecution(quiet, {});
    expect((await store.getHead(q.executionId))?.status).toBe('SUCCEEDED');
    await store.sweepPending();
    expect(await ofType(q.executionId, 'NotificationSent')).toEqual([]);
    expect(receiver.deliveries.filter((d) => d.body.includes(q.executionId))).toEqual([]);

    const loud = flow('loud', [{ on: ['SUCCEEDED'], webhook: receiver.url }], 'succeed');
    const l = await store.startExecution(loud, {});
    await eventually(async () => (await ofType(l.executionId, 'NotificationSent')).length === 1);
    const mine = receiver.deliveries.filter((d) => d.body.includes(l.executionId));
    expect(mine).toHaveLength(1);
    expect(mine[0]?.verdict).toEqual({ ok: true });
    expect(mine[0]?.headers[DELIVERY_HEADER]).toBe(`${l.executionId}/notify~0~1`);
    expect(JSON.parse(mine[0]?.body ?? '{}')).toMatchObject({ status: 'SUCCEEDED', flowId: 'loud' });
    expect((await ofType(l.executionId, 'NotificationSent'))[0]).toMatchObject({ httpStatus: 200 });
  });

  it('given a webhook answering 500 twice then 200, then it is retried with the same delivery id and sent once', async () => {
    const def = flow('flaky-hook', [{ on: ['FAILED'], webhook: receiver.url }], 'fail');
    receiver.script([500, 503]);
    const { executionId } = await store.startExecution(def, {});
    for (let i = 0; i < 5 && (await ofType(executionId, 'NotificationSent')).length === 0; i++) {
      skewMs += 10 * 60_000;
      await store.sweepPending();
    }
    const mine = receiver.deliveries.filter((d) => d.body.includes(executionId));
    expect(mine.map((d) => d.verdict.ok)).toEqual([true, true, true]);
    expect(new Set(mine.map((d) => d.headers[DELIVERY_HEADER]))).toEqual(
      new Set([`${executionId}/notify~0~1`]),
    );
    expect(await ofType(executionId, 'NotificationSent')).toHaveLength(1);
    expect(await ofType(executionId, 'NotificationFailed')).toEqual([]);
  });

  it('given a webhook that always answers 500, then after the outbox retries a NotificationFailed event and a FAILED command, never silent', async () => {
    const def = flow('dead-hook', [{ on: ['FAILED'], webhook: receiver.url }], 'fail');
    receiver.script(Array(10).fill(500));
    const { executionId } = await store.startExecution(def, {});
    for (let i = 0; i < 6 && (await ofType(executionId, 'NotificationFailed')).length === 0; i++) {
      skewMs += 10 * 60_000;
      await store.sweepPending();
    }
    receiver.script([]);
    const failed = await ofType(executionId, 'NotificationFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      rule: 0,
      channel: { webhook: receiver.url },
      error: {
        name: 'States.NotificationFailed',
        message: expect.stringMatching(/gave up after 3 dispatch attempts.*HTTP 500/),
      },
    });
    expect(receiver.deliveries.filter((d) => d.body.includes(executionId))).toHaveLength(3);
    const command = await fs.db.doc(`executions/${executionId}/commands/notify~0~1`).get();
    expect(command.get('status')).toBe('FAILED');
    // Later sweeps do not try again.
    skewMs += 60 * 60_000;
    await store.sweepPending();
    expect(receiver.deliveries.filter((d) => d.body.includes(executionId))).toHaveLength(3);
  });

  it('given a webhook answering 410, then it fails at once (no retry), recorded as NotificationFailed', async () => {
    const def = flow('gone-hook', [{ on: ['FAILED'], webhook: receiver.url }], 'fail');
    receiver.script([410]);
    const { executionId } = await store.startExecution(def, {});
    await eventually(async () => (await ofType(executionId, 'NotificationFailed')).length === 1);
    expect(receiver.deliveries.filter((d) => d.body.includes(executionId))).toHaveLength(1);
  });

  it('given a cancel delivered twice, then CANCELLED notifies once (rules without CANCELLED stay quiet)', async () => {
    const def = flow(
      'held',
      [
        { on: ['CANCELLED'], webhook: receiver.url },
        { on: ['FAILED'], pubsub: 'alerts' },
      ],
      'wait',
    );
    const { executionId } = await store.startExecution(def, {});
    const cancel = {
      kind: 'cancel' as const,
      reason: 'wrong day',
      source: { kind: 'api' as const, id: 'test' },
    };
    const [a, b] = await Promise.all([store.apply(executionId, cancel), store.apply(executionId, cancel)]);
    expect([a.status, b.status].sort()).toEqual(['applied', 'duplicate']);
    await store.apply(executionId, cancel);
    await eventually(async () => (await ofType(executionId, 'NotificationSent')).length === 1);
    await store.sweepPending();
    const mine = receiver.deliveries.filter((d) => d.body.includes(executionId));
    expect(mine).toHaveLength(1);
    expect(JSON.parse(mine[0]?.body ?? '{}')).toMatchObject({ status: 'CANCELLED', reason: 'wrong day' });
    expect(
      (await ofType(executionId, 'NotificationSent')).map((e) => e.type === 'NotificationSent' && e.rule),
    ).toEqual([0]);
  });

  it('given a forged webhook body or an old signature, then the receiver refuses it', () => {
    const body = JSON.stringify({ status: 'FAILED' });
    const now = new Date();
    const t = Math.floor(now.getTime() / 1000);
    const good = receiver.deliveries.find((d) => d.verdict.ok);
    expect(good).toBeDefined();
    const header = good?.headers[SIGNATURE_HEADER] as string;
    expect(verifyNotification(KEY, `${good?.body} `, header).ok).toBe(false);
    expect(verifyNotification(notificationKey('another-secret'), good?.body ?? '', header).ok).toBe(false);
    expect(verifyNotification(KEY, body, undefined)).toEqual({
      ok: false,
      reason: `no ${SIGNATURE_HEADER} header`,
    });
    expect(verifyNotification(KEY, body, `t=${t - 3600},v1=${'0'.repeat(64)}`, { now }).ok).toBe(false);
  });
});
