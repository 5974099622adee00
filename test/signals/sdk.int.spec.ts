/**
 * The callback SDK end to end: users' functions hosted by the real functions-framework, reporting to
 * a real local HTTP server (and to the Pub/Sub emulator), whose messages the real ingest pipeline
 * correlates on the Firestore emulator.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Firestore } from '@google-cloud/firestore';
import * as ff from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signalKey } from '../../engine/core/signals.ts';
import { type IngestOutcome, ingest } from '../../engine/signals/ingest.ts';
import { CallbackMessageSchema, type FirestepContext } from '../../engine/signals/wire/callback.ts';
import { withFirestep, withFirestepEvent } from '../../sdk/index.ts';
import { testFirestore } from '../support/firestore.ts';
import { gen1End, pushBody } from './fixtures.ts';
import { deps, type Recorder, register, target } from './support.ts';

process.env.FIRESTEP_LOG = 'silent';
const { db, cleanup } = testFirestore('signals-sdk');

// ─── the callback receiver: a real HTTP server ──────────────────────────────────────────────────────
const received: unknown[] = [];
const authHeaders: Array<string | undefined> = [];
let script: number[] = [];
let onCallback: ((body: unknown) => Promise<number>) | undefined;
let receiver: Server;
let receiverUrl = '';

// ─── users' functions, hosted by functions-framework ────────────────────────────────────────────────
let runs = 0;
ff.http(
  'countRows',
  withFirestep<{ table: string }>(
    async ({ input, log, metadata }) => {
      runs++;
      log(`counting ${input.table}`);
      metadata({ table: input.table });
      return { rows: 3 };
    },
    { backoffMs: 1, headers: async () => new Headers({ authorization: 'Bearer id-token-for-api' }) },
  ),
);
ff.http(
  'failing',
  withFirestep(
    async ({ log }) => {
      log('about to fail');
      throw new TypeError('bad table name');
    },
    { backoffMs: 1 },
  ),
);
ff.http(
  'huge',
  withFirestep(async () => ({ blob: 'x'.repeat(300_000) })),
);
const eventInputs: unknown[] = [];
ff.cloudEvent(
  'onMessage',
  withFirestepEvent(async ({ input }) => {
    eventInputs.push(input);
    return { seen: true };
  }),
);
const servers: Record<string, string> = {};
const started: Server[] = [];

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  started.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      const parsed = JSON.parse(body) as unknown;
      received.push(parsed);
      authHeaders.push(req.headers.authorization);
      const status = script.shift() ?? (onCallback ? await onCallback(parsed) : 200);
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  receiverUrl = `${await listen(receiver)}/callback`;
  for (const name of ['countRows', 'failing', 'huge', 'onMessage'])
    servers[name] = await listen(getTestServer(name));
});
afterAll(async () => {
  await Promise.all(started.map((s) => new Promise<void>((r) => s.close(() => r()))));
  await cleanup();
});
beforeEach(() => {
  received.length = 0;
  script = [];
  onCallback = undefined;
  runs = 0;
});

const TOKEN = 'sdk-token-exec-sdk-count-1-xxxxxxxx';
const TRACE = '5dd5dd5dd5dd5dd5dd5dd5dd5dd5dd51';
function context(replyTo: FirestepContext['replyTo'] = { url: receiverUrl }): FirestepContext {
  return {
    executionId: 'exec-sdk',
    step: 'Count',
    path: 'Count',
    attempt: 1,
    token: TOKEN,
    traceId: TRACE,
    replyTo,
  };
}
async function call(fn: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${servers[fn]}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: `00-${TRACE}-00f067aa0ba902b7-01` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('withFirestep (HTTP functions)', () => {
  it('runs the handler with the input and reports output, lines and metadata before answering 200', async () => {
    const res = await call('countRows', { input: { table: 'orders' }, firestep: context() });
    expect(res).toEqual({ status: 200, json: { rows: 3 } });
    expect(received).toHaveLength(1);
    const message = CallbackMessageSchema.parse(received[0]);
    expect(message).toMatchObject({
      kind: 'firestep.callback',
      token: TOKEN,
      executionId: 'exec-sdk',
      path: 'Count',
      attempt: 1,
      outcome: 'succeeded',
      output: { rows: 3 },
      lines: ['counting orders'],
      metadata: { table: 'orders' },
    });
    expect(authHeaders.at(-1)).toBe('Bearer id-token-for-api');
  });

  it('reports a thrown error by name and message, and answers 500', async () => {
    const res = await call('failing', { input: null, firestep: context() });
    expect(res).toEqual({ status: 500, json: { error: { name: 'TypeError', message: 'bad table name' } } });
    expect(CallbackMessageSchema.parse(received[0])).toMatchObject({
      outcome: 'failed',
      error: { name: 'TypeError', message: 'bad table name' },
      lines: ['about to fail'],
    });
  });

  it('retries the callback on 5xx with the same callback id', async () => {
    script = [503, 502];
    const res = await call('countRows', { input: { table: 't' }, firestep: context() });
    expect(res.status).toBe(200);
    expect(received).toHaveLength(3);
    const ids = received.map((m) => (m as { id: string }).id);
    expect(new Set(ids).size).toBe(1);
  });

  it('does not retry a 4xx refusal; the function still answers with its outcome', async () => {
    script = [403];
    const res = await call('countRows', { input: { table: 't' }, firestep: context() });
    expect(res).toEqual({ status: 200, json: { rows: 3 } });
    expect(received).toHaveLength(1);
  });

  it('takes the rest of the body as input when a hand-made call has firestep but no input field', async () => {
    const res = await call('countRows', { table: 'flat', firestep: context() });
    expect(res.status).toBe(200);
    expect(CallbackMessageSchema.parse(received[0])).toMatchObject({
      lines: ['counting flat'],
      metadata: { table: 'flat' },
    });
  });

  it('without a firestep context the function just runs (called directly)', async () => {
    const res = await call('countRows', { table: 'direct' });
    expect(res).toEqual({ status: 200, json: { rows: 3 } });
    expect(received).toEqual([]);
    expect(runs).toBe(1);
  });

  it('refuses an invalid firestep context with 400 without running the handler', async () => {
    const res = await call('countRows', { table: 't', firestep: { executionId: 'e' } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { name: 'FirestepContextInvalid' } });
    expect(runs).toBe(0);
    expect(received).toEqual([]);
  });

  it('turns an output too large for a signal into a States.DataLimitExceeded failure', async () => {
    const res = await call('huge', { input: {}, firestep: context() });
    expect(res.status).toBe(500);
    expect(CallbackMessageSchema.parse(received[0])).toMatchObject({
      outcome: 'failed',
      error: { name: 'States.DataLimitExceeded', message: expect.stringContaining('Cloud Storage') },
    });
  });
});

describe('withFirestepEvent (Pub/Sub CloudEvent functions)', () => {
  const attributes = {
    firestep_execution: 'exec-sdk',
    firestep_step: 'Count',
    firestep_path: 'Count',
    firestep_attempt: '1',
    firestep_token: TOKEN,
    firestep_trace: TRACE,
  };

  it('reads the context from attributes and the input from the message data', async () => {
    const body = pushBody({ file: 'a.csv' });
    (body.message as { attributes: Record<string, string> }).attributes = {
      ...attributes,
      firestep_reply_url: receiverUrl,
    };
    const res = await fetch(`${servers.onMessage}/projects/acme-data/topics/launch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(204);
    expect(eventInputs.at(-1)).toEqual({ file: 'a.csv' });
    expect(CallbackMessageSchema.parse(received[0])).toMatchObject({
      outcome: 'succeeded',
      output: { seen: true },
      path: 'Count',
    });
  });

  it('publishes to replyTo.topic on the Pub/Sub emulator; ingest accepts what arrives there', async () => {
    const pubsub = new PubSub({ projectId: 'firestep-test' });
    const name = `sdk-replies-${randomUUID().slice(0, 8)}`;
    const [topic] = await pubsub.createTopic(name);
    const [sub] = await topic.createSubscription(`${name}-sub`);
    try {
      const body = pushBody({ file: 'b.csv' });
      (body.message as { attributes: Record<string, string> }).attributes = {
        ...attributes,
        firestep_reply_topic: topic.name,
      };
      const res = await fetch(`${servers.onMessage}/projects/acme-data/topics/launch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(204);
      const [pulled] = await new Promise<[{ data: Buffer; id: string }]>((resolve, reject) => {
        sub.once('message', (m) => {
          m.ack();
          resolve([m]);
        });
        sub.once('error', reject);
      });
      await sub.close();
      await register(db, { kind: 'callback', value: TOKEN }, target('exec-sdk', 'Count'));
      const rec = dedupingStore(db, 'topic');
      const out = await ingest(
        { message: { data: pulled.data.toString('base64'), messageId: pulled.id } },
        deps(db, rec),
      );
      expect(out).toMatchObject({ status: 'applied', kind: 'callback', executionId: 'exec-sdk' });
    } finally {
      await sub.delete().catch(() => {});
      await topic.delete().catch(() => {});
      await pubsub.close();
    }
  });
});

/**
 * Dedupe as the store does it (DESIGN §6): one document per accepted signal key at
 * `executions/{id}/signals/{key}`, written with `create`, so a second report of the same completion
 * is a duplicate. (The Firestore store is another area's work; this mirrors its documented contract.)
 */
function dedupingStore(fs: Firestore, prefix: string): Recorder {
  const applied: Recorder['applied'] = [];
  return {
    applied,
    async apply(executionId, signal) {
      const key = signalKey(signal).replaceAll('/', '%2F');
      try {
        await fs
          .doc(`${prefix}-executions/${executionId}/signals/${key}`)
          .create({ kind: signal.kind, source: signal.source });
      } catch (e) {
        if ((e as { code?: number }).code === 6) return { status: 'duplicate' };
        throw e;
      }
      applied.push({ executionId, signal });
      return { status: 'applied' };
    },
  };
}

describe('a callback and the log line of the same attempt make one completion', () => {
  it('callback first, then the end-of-execution line: two business keys, #succeeded with the output and #ended without (the store’s decide keeps one success, see callback-store.int.spec.ts)', async () => {
    // given the attempt's keys, registered as the store does in the launch transaction
    await register(db, { kind: 'callback', value: TOKEN }, target('exec-sdk', 'Count'));
    await register(db, { kind: 'trace', value: TRACE }, target('exec-sdk', 'Count'));
    const store = dedupingStore(db, 'e2e');
    const outcomes: IngestOutcome[] = [];
    onCallback = async (body) => {
      outcomes.push(await ingest(body, deps(db, store)));
      return 200;
    };
    // when the wrapped function runs (its callback is ingested before it answers)…
    const res = await call('countRows', { input: { table: 'orders' }, firestep: context() });
    expect(res.status).toBe(200);
    // …and the platform's end line for the same trace arrives later through the log sink
    outcomes.push(await ingest(pushBody(gen1End(TRACE, { status: 200 })), deps(db, store)));
    // then both pass the key dedupe: the callback (lines + output) and the line (no output, platform)
    expect(outcomes.map((o) => o.status)).toEqual(['applied', 'applied']);
    const completed = store.applied.filter((a) => a.signal.kind === 'completed');
    expect(completed.map((c) => c.signal)).toMatchObject([
      { outcome: 'succeeded', output: { rows: 3 }, source: { kind: 'callback' } },
      { outcome: 'succeeded', output: null, platform: true, source: { kind: 'log' } },
    ]);
    const keys = (await db.collection('e2e-executions/exec-sdk/signals').listDocuments()).map((d) => d.id);
    expect(keys.filter((k) => /#(succeeded|ended)$/.test(k)).sort()).toEqual([
      'Count#1#ended',
      'Count#1#succeeded',
    ]);
  });
});
