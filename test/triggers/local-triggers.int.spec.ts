/**
 * Triggers under `firestep dev` (issue 18 item 7), on the emulators: a schedule fires on the local
 * clock (shifted so the next minute is near; the test never waits for wall-clock time), an object
 * written to the fake Cloud Storage starts the flow's gcs trigger through the API route in binary
 * CloudEvent mode, and the dev API takes structured CloudEvents and Pub/Sub push envelopes as the
 * deployed one does. Every event is delivered more than once: one execution per event.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fire } from '../../cli/commands/triggers.ts';
import { devLand } from '../../cli/local/dev-client.ts';
import type { Io } from '../../cli/render/colors.ts';
import { type DevServer, startDevServer } from '../../console/dev-server.ts';
import { namedExecutionId } from '../../engine/store/index.ts';
import { eventually } from '../support/eventually.ts';

const FLOW = {
  triggers: [
    { schedule: '* * * * *', time_zone: 'Europe/Amsterdam', input: { mode: 'full' } },
    { gcs: { bucket: 'acme-landing', prefix: 'orders/', suffix: '.csv' } },
    { pubsub: { topic: 'orders-ready' } },
  ],
  start: 'Load',
  steps: {
    Load: {
      type: 'Task',
      target_type: 'CloudFunction',
      target_name: 'local-trig-load',
      project_id: 'p',
      region: 'europe-west1',
      parameters: { trigger: '$.trigger', mode: '$.input.mode ?? "delta"' },
      end: true,
    },
  },
};

let dir: string;
let server: DevServer;
let offsetMs = 0;
let api: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firestep-local-triggers-'));
  await mkdir(join(dir, 'flows'));
  await writeFile(join(dir, 'flows', 'orders.json'), JSON.stringify(FLOW));
  server = await startDevServer({
    flowsDirs: [join(dir, 'flows')],
    port: 0,
    projectId: `local-trig-${randomUUID().slice(0, 8)}`,
    functionMs: 20,
    infoPath: join(dir, 'dev.json'),
    triggerClock: () => new Date(Date.now() + offsetMs),
  });
  api = server.info.apiUrl;
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const head = (id: string) => server.dev.runtime.store.getHead(id);
const finished = (id: string) =>
  eventually(async () => {
    const h = await head(id);
    return h !== undefined && h.status !== 'RUNNING' && h;
  });
async function executionsOf(flowId: string): Promise<string[]> {
  const snap = await server.dev.runtime.db.collection('executions').where('flowId', '==', flowId).get();
  return snap.docs.map((d) => d.id).sort();
}
const launchedInput = async (id: string) => {
  const events = await server.dev.runtime.store.readEvents(id);
  const launched = events.find((e) => e.type === 'StepLaunched');
  return launched?.type === 'StepLaunched' ? launched.input : undefined;
};

describe('schedules on the local clock', () => {
  it('given an every-minute schedule, when the local clock reaches the tick, then one execution is named after it and the next tick is armed', async () => {
    const now = Date.now();
    const tick = new Date(Math.ceil((now + 1000) / 60_000) * 60_000);
    offsetMs = tick.getTime() - 300 - now;
    server.triggers.rearm();
    expect(server.triggers.armed().get('orders#0')).toBe(tick.toISOString());

    const name = `schedule-0-${tick.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
    const id = namedExecutionId('orders', name);
    expect((await finished(id)).status).toBe('SUCCEEDED');
    expect(await launchedInput(id)).toEqual({
      trigger: { kind: 'schedule', scheduled_time: tick.toISOString() },
      mode: 'full',
    });
    const next = new Date(tick.getTime() + 60_000).toISOString();
    await eventually(() => server.triggers.armed().get('orders#0') === next);

    // The scheduler retrying the same tick (late, after the run finished) starts nothing new.
    const again = await fetch(`${api}/flows/orders/triggers/0:schedule`, {
      method: 'POST',
      headers: { 'x-cloudscheduler-scheduletime': tick.toISOString() },
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ executionId: id, created: false });
    expect((await executionsOf('orders')).filter((e) => e.includes('schedule-0'))).toEqual([id]);
  });
});

describe('a storage event from the fake Cloud Storage', () => {
  it('given an object written to a watched prefix, when it lands, then its finalized event starts one execution; the same event again starts none', async () => {
    const landed = await devLand(server.info, 'gs://acme-landing/orders/2026-01-05.csv', 'id,qty\n1,2\n');
    expect(landed.deliveries).toHaveLength(1);
    const [first] = landed.deliveries;
    expect(first).toMatchObject({ flowId: 'orders', index: 1, status: 201, created: true });
    const id = first?.executionId as string;
    expect((await finished(id)).status).toBe('SUCCEEDED');
    expect(await launchedInput(id)).toEqual({
      trigger: {
        kind: 'gcs',
        bucket: 'acme-landing',
        name: 'orders/2026-01-05.csv',
        generation: landed.generation,
        event_id: landed.eventId,
      },
      mode: 'delta',
    });

    // Eventarc redelivering the same CloudEvent (same ce-id), binary mode: the same execution.
    const object = server.dev.env.fakes.storage.objects.get('acme-landing/orders/2026-01-05.csv');
    const redelivered = await Promise.all(
      [1, 2, 3].map(() =>
        fetch(`${api}/flows/orders/triggers/1:gcs`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'ce-specversion': '1.0',
            'ce-id': landed.eventId,
            'ce-type': 'google.cloud.storage.object.v1.finalized',
            'ce-source': '//storage.googleapis.com/projects/_/buckets/acme-landing',
            'ce-subject': 'objects/orders/2026-01-05.csv',
            'ce-time': object?.updated ?? '',
          },
          body: JSON.stringify(object),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { executionId?: string } })),
      ),
    );
    expect(redelivered.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(redelivered.map((r) => r.body.executionId))).toEqual(new Set([id]));
  });

  it('given the same object written again, then a new generation is a new event and a new execution', async () => {
    const a = await devLand(server.info, 'gs://acme-landing/orders/again.csv', 'v1');
    const b = await devLand(server.info, 'gs://acme-landing/orders/again.csv', 'v2');
    expect(a.eventId).not.toBe(b.eventId);
    expect(a.deliveries[0]?.executionId).not.toBe(b.deliveries[0]?.executionId);
    expect(b.deliveries[0]?.created).toBe(true);
  });

  it('given objects outside the prefix/suffix or another bucket, when they land, then nothing starts', async () => {
    const before = await executionsOf('orders');
    for (const uri of [
      'gs://acme-landing/orders/readme.txt',
      'gs://acme-landing/returns/1.csv',
      'gs://other-bucket/orders/1.csv',
    ]) {
      expect((await devLand(server.info, uri, '')).deliveries).toEqual([]);
    }
    expect(await executionsOf('orders')).toEqual(before);
  });

  it('given a structured-mode CloudEvent posted twice and a forged event type, then one execution and a 400', async () => {
    const event = {
      specversion: '1.0',
      id: `structured-${randomUUID()}`,
      type: 'google.cloud.storage.object.v1.finalized',
      source: '//storage.googleapis.com/projects/_/buckets/acme-landing',
      subject: 'objects/orders/structured.csv',
      time: '2026-01-05T01:00:00Z',
      datacontenttype: 'application/json',
      data: { bucket: 'acme-landing', name: 'orders/structured.csv', generation: '7' },
    };
    const post = (body: unknown) =>
      fetch(`${api}/flows/orders/triggers/1:gcs`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify(body),
      });
    const first = await post(event);
    const second = await post(event);
    expect([first.status, second.status]).toEqual([201, 200]);
    const ids = [
      (await first.json()) as { executionId: string },
      (await second.json()) as { executionId: string },
    ];
    expect(ids[0]?.executionId).toBe(ids[1]?.executionId);

    const forged = await post({ ...event, id: 'forged-1', type: 'google.cloud.storage.object.v1.deleted' });
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: { message: string } }).error.message).toMatch(/finalized/);
    expect((await executionsOf('orders')).some((e) => e.includes('forged'))).toBe(false);
  });
});

describe('a Pub/Sub push to the dev API', () => {
  it('given one push envelope delivered three times at once, then one execution with the data decoded', async () => {
    const body = {
      message: {
        data: Buffer.from(JSON.stringify({ day: '2026-01-05' })).toString('base64'),
        attributes: { origin: 'test' },
        messageId: `m-${randomUUID().slice(0, 8)}`,
        publishTime: '2026-01-05T01:00:00.000Z',
      },
      subscription: 'projects/firestep-local/subscriptions/orders-ready-push',
    };
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        fetch(`${api}/flows/orders/triggers/2:pubsub`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { executionId: string } })),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 201]);
    const id = answers[0]?.body.executionId as string;
    expect(new Set(answers.map((a) => a.body.executionId))).toEqual(new Set([id]));
    expect((await finished(id)).status).toBe('SUCCEEDED');
    expect(await launchedInput(id)).toMatchObject({
      trigger: { kind: 'pubsub', message_id: body.message.messageId, data: { day: '2026-01-05' } },
    });
  });
});

describe('triggers fire --gcs', () => {
  const io = (): Io => {
    const sink = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
    return { stdout: sink, stderr: sink } as unknown as Io;
  };
  const flowFile = () => join(dir, 'flows', 'orders.json');

  it('given an object no trigger watches, or no --local, or both --at and --gcs, then a one-line CONFIG error and nothing lands', async () => {
    const before = server.dev.env.fakes.storage.objects.size;
    await expect(fire(flowFile(), { gcs: 'gs://acme-landing/x.txt', local: true }, io())).rejects.toThrow(
      /no gcs trigger of flow "orders" matches gs:\/\/acme-landing\/x\.txt \(it watches gs:\/\/acme-landing\/orders\/\*\.csv\)/,
    );
    await expect(fire(flowFile(), { gcs: 'gs://acme-landing/orders/1.csv' }, io())).rejects.toThrow(
      /add --local/,
    );
    await expect(
      fire(
        flowFile(),
        { gcs: 'gs://acme-landing/orders/1.csv', at: '2026-01-01T00:00:00Z', local: true },
        io(),
      ),
    ).rejects.toThrow(/exactly one of --at/);
    expect(server.dev.env.fakes.storage.objects.size).toBe(before);
  });
});
