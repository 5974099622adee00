/**
 * Trigger routes of `firestepApi` over HTTP on the Firestore emulator: a Cloud Scheduler call, an
 * Eventarc storage CloudEvent (binary and structured mode) and a Pub/Sub push, each in its real
 * wire format, each delivered more than once (also concurrently): exactly one execution per event.
 */
import * as functions from '@google-cloud/functions-framework';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cloudFunction,
  defineFlow,
  gcsTrigger,
  pubsubTrigger,
  scheduleTrigger,
  task,
} from '../../engine/flow/index.ts';
import { createApiHandler } from '../../functions/api/handler.ts';
import { FlowRegistry } from '../../runtime/registry/registry.ts';
import { type Harness, idToken, serve, startHarness, testPushAuth } from '../functions/support.ts';

const TRIGGERS_SA = 'firestep-triggers@test.iam.gserviceaccount.com';
const API_URL = 'https://api.example';

const landing = defineFlow({
  id: 'landing',
  start: 'Load',
  steps: {
    Load: task(cloudFunction('trig-load', { project_id: 'p', region: 'europe-west1' }), {
      parameters: { trigger: '$.trigger', mode: '$.input.mode ?? "delta"' },
      end: true,
    }),
  },
  triggers: [
    scheduleTrigger('0 2 * * *', { input: { mode: 'full' } }),
    gcsTrigger('acme-landing', { prefix: 'orders/', suffix: '.csv' }),
    pubsubTrigger('orders-ready'),
  ],
});

let h: Harness;
let api: { url: string; close(): Promise<void> };
const token = () => `Bearer ${idToken({ aud: API_URL, email: TRIGGERS_SA })}`;

beforeAll(async () => {
  h = await startHarness({ registry: FlowRegistry.of([landing]), prefix: 'triggers' });
  const timerAuth = testPushAuth(`${API_URL}/v1/timers`, 'tasks@test.iam.gserviceaccount.com');
  functions.http(
    'firestepApiTriggers',
    createApiHandler(async () => h.runtime, timerAuth, testPushAuth(API_URL, TRIGGERS_SA)),
  );
  api = await serve('firestepApiTriggers');
});

afterAll(async () => {
  await api?.close();
  await h?.close();
});

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: token(), ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function executionsOfLanding(): Promise<string[]> {
  const list = await h.runtime.store.listExecutions({ flowId: 'landing', limit: 1000 });
  return list.map((e) => e.executionId).sort();
}

async function startedEvent(executionId: string) {
  const events = await h.runtime.store.readEvents(executionId);
  return events[0];
}

describe('Cloud Scheduler → POST /v1/flows/{flow}/triggers/{i}:schedule', () => {
  it('given a tick, when the scheduler calls twice, then one execution records the tick and the launch reads it', async () => {
    const headers = {
      'x-cloudscheduler-scheduletime': '2026-01-05T02:00:00Z',
      'x-cloudscheduler-jobname': 'j',
    };
    const first = await post('/v1/flows/landing/triggers/0:schedule', {}, headers);
    const retry = await post('/v1/flows/landing/triggers/0:schedule', {}, headers);

    expect(first).toMatchObject({
      status: 201,
      body: { executionId: 'landing~schedule-0-20260105T020000Z', created: true },
    });
    expect(retry).toMatchObject({
      status: 200,
      body: { executionId: first.body.executionId, created: false },
    });
    expect(await startedEvent(first.body.executionId as string)).toMatchObject({
      type: 'ExecutionStarted',
      input: { mode: 'full' },
      trigger: { kind: 'schedule', scheduled_time: '2026-01-05T02:00:00.000Z' },
    });
  });

  it('given no tick, when called, then 400 with a one-line reason and nothing starts', async () => {
    const before = await executionsOfLanding();
    const res = await post('/v1/flows/landing/triggers/0:schedule', {});
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'scheduled_time' });
    expect(String((res.body.error as { message: string }).message)).not.toContain('\n');
    expect(await executionsOfLanding()).toEqual(before);
  });
});

describe('Eventarc storage CloudEvent → …/triggers/{i}:gcs', () => {
  const object = (name: string) => ({
    bucket: 'acme-landing',
    name,
    generation: '1767578400123456',
    metageneration: '1',
    contentType: 'text/csv',
    size: '1024',
    timeCreated: '2026-01-05T02:00:00.123Z',
    updated: '2026-01-05T02:00:00.123Z',
  });
  const binary = (id: string, name: string) => ({
    'ce-id': id,
    'ce-specversion': '1.0',
    'ce-type': 'google.cloud.storage.object.v1.finalized',
    'ce-source': '//storage.googleapis.com/projects/_/buckets/acme-landing',
    'ce-subject': `objects/${name}`,
    'ce-time': '2026-01-05T02:00:00.123Z',
  });

  it('given a finalized object redelivered (binary mode), then one execution with the object as $.trigger', async () => {
    const name = 'orders/2026-01-05.csv';
    const replies = await Promise.all(
      [1, 2, 3].map(() => post('/v1/flows/landing/triggers/1:gcs', object(name), binary('9001', name))),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    const ids = new Set(replies.map((r) => r.body.executionId));
    expect([...ids]).toEqual(['landing~gcs-1-9001']);
    expect(await startedEvent('landing~gcs-1-9001')).toMatchObject({
      trigger: {
        kind: 'gcs',
        bucket: 'acme-landing',
        name,
        generation: '1767578400123456',
        event_id: '9001',
      },
      source: { kind: 'eventarc', id: '9001' },
    });
  });

  it('given a structured-mode CloudEvent, then it starts like a binary one', async () => {
    const name = 'orders/2026-01-06.csv';
    const envelope = {
      specversion: '1.0',
      id: '9002',
      type: 'google.cloud.storage.object.v1.finalized',
      source: '//storage.googleapis.com/projects/_/buckets/acme-landing',
      subject: `objects/${name}`,
      data: object(name),
    };
    const res = await post('/v1/flows/landing/triggers/1:gcs', envelope, {
      'content-type': 'application/cloudevents+json',
    });
    expect(res).toMatchObject({ status: 201, body: { executionId: 'landing~gcs-1-9002' } });
  });

  it('given objects the prefix/suffix do not match, then they are acknowledged and nothing starts', async () => {
    const before = await executionsOfLanding();
    for (const [id, name] of [
      ['9101', 'orders/readme.txt'],
      ['9102', 'refunds/2026-01-05.csv'],
    ] as const) {
      const res = await post('/v1/flows/landing/triggers/1:gcs', object(name), binary(id, name));
      expect(res.status).toBe(200);
      expect(res.body.ignored).toContain(name);
    }
    expect(await executionsOfLanding()).toEqual(before);
  });

  it('given malformed events, then 400 naming what is wrong', async () => {
    const wrongType = await post('/v1/flows/landing/triggers/1:gcs', object('orders/x.csv'), {
      ...binary('9201', 'orders/x.csv'),
      'ce-type': 'google.cloud.storage.object.v1.deleted',
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error).toMatchObject({ field: 'ce-type' });
    const noId = await post('/v1/flows/landing/triggers/1:gcs', object('orders/x.csv'));
    expect(noId.status).toBe(400);
    const noObject = await post(
      '/v1/flows/landing/triggers/1:gcs',
      { bucket: 'acme-landing' },
      binary('9202', 'x'),
    );
    expect(noObject.body.error).toMatchObject({ field: 'data' });
  });
});

describe('Pub/Sub push → …/triggers/{i}:pubsub', () => {
  const push = (messageId: string, data: string) => ({
    message: {
      data: Buffer.from(data).toString('base64'),
      attributes: { origin: 'orders-service' },
      messageId,
      message_id: messageId,
      publishTime: '2026-01-05T02:00:00.000Z',
      publish_time: '2026-01-05T02:00:00.000Z',
    },
    subscription: 'projects/p/subscriptions/firestep-landing-2',
  });

  it('given one message pushed five times at once, then exactly one execution, with data decoded', async () => {
    const replies = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        post('/v1/flows/landing/triggers/2:pubsub', push('7001', '{"day":"2026-01-05"}')),
      ),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(4);
    expect(new Set(replies.map((r) => r.body.executionId))).toEqual(new Set(['landing~pubsub-2-7001']));
    expect(await startedEvent('landing~pubsub-2-7001')).toMatchObject({
      input: {},
      trigger: {
        kind: 'pubsub',
        message_id: '7001',
        data: { day: '2026-01-05' },
        attributes: { origin: 'orders-service' },
      },
    });
  });

  it('given a different message, then a second execution; a text body stays text', async () => {
    const res = await post('/v1/flows/landing/triggers/2:pubsub', push('7002', 'go'));
    expect(res.status).toBe(201);
    expect(await startedEvent('landing~pubsub-2-7002')).toMatchObject({ trigger: { data: 'go' } });
  });

  it('given malformed pushes, wrong routes or no token, then 4xx and nothing starts', async () => {
    const before = await executionsOfLanding();
    expect((await post('/v1/flows/landing/triggers/2:pubsub', { hello: 1 })).status).toBe(400);
    expect((await post('/v1/flows/landing/triggers/2:pubsub', { message: { data: 'e30=' } })).status).toBe(
      400,
    );
    expect((await post('/v1/flows/landing/triggers/0:pubsub', push('7003', 'x'))).body.error).toMatchObject({
      code: 'TRIGGER_NOT_FOUND',
    });
    expect((await post('/v1/flows/nope/triggers/2:pubsub', push('7004', 'x'))).status).toBe(404);
    expect(
      (await post('/v1/flows/landing/triggers/2:pubsub', push('7005', 'x'), { authorization: '' })).status,
    ).toBe(401);
    const stranger = `Bearer ${idToken({ aud: API_URL, email: 'someone@else.example' })}`;
    expect(
      (await post('/v1/flows/landing/triggers/2:pubsub', push('7006', 'x'), { authorization: stranger }))
        .status,
    ).toBe(403);
    expect(await executionsOfLanding()).toEqual(before);
  });
});
