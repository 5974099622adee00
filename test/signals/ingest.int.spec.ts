import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FirestepError } from '../../engine/errors.ts';
import { ingest } from '../../engine/signals/ingest.ts';
import { testFirestore } from '../support/firestore.ts';
import { fixture, gen1End, pushBody } from './fixtures.ts';
import { deps, recorder, register, target } from './support.ts';

const { db, cleanup } = testFirestore('signals-ingest');
afterAll(cleanup);
process.env.FIRESTEP_LOG = 'silent';

const TRACE_A = 'aaaaaaaaaaaaaaaa0000000000000001';
const TRACE_B = 'bbbbbbbbbbbbbbbb0000000000000001';
const TRACE_STEP2 = 'aaaaaaaaaaaaaaaa0000000000000002';
const TOKEN = 'tok-exec-a-load-attempt-1-xxxxxxxx';
const TOKEN_MISSING_EXEC = 'tok-exec-gone-load-attempt-1-xxxxx';

beforeAll(async () => {
  await Promise.all([
    register(db, { kind: 'trace', value: TRACE_A }, target('exec-a', 'Load')),
    register(db, { kind: 'trace', value: TRACE_B }, target('exec-b', 'Load')),
    register(db, { kind: 'trace', value: TRACE_STEP2 }, target('exec-a', 'Par/1/LoadAgain')),
    register(db, { kind: 'callback', value: TOKEN }, target('exec-a', 'Load')),
    register(db, { kind: 'callback', value: TOKEN_MISSING_EXEC }, target('exec-gone', 'Load')),
    register(
      db,
      { kind: 'trace', value: 'cccccccccccccccc0000000000000001' },
      target('exec-stale', 'Load', 1),
    ),
    register(
      db,
      { kind: 'dataflowJobName', value: 'firestep-e9f8e7d6-load-1' },
      target('exec-df', 'Transform', 1, {
        targetType: 'Dataflow',
        projectId: 'acme-data',
        region: 'europe-west1',
      }),
    ),
    register(
      db,
      { kind: 'dataflowJob', value: '2026-11-23_03_30_56-9773037660972565699' },
      target('exec-df2', 'Transform', 1, {
        targetType: 'Dataflow',
        projectId: 'acme-data',
        region: 'europe-west1',
      }),
    ),
  ]);
});

function callback(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'firestep.callback',
    id: `cb-${Math.random().toString(36).slice(2)}`,
    token: TOKEN,
    executionId: 'exec-a',
    path: 'Load',
    attempt: 1,
    outcome: 'succeeded',
    output: { rows: 3 },
    ...overrides,
  };
}

describe('ingest: correlation on the emulator', () => {
  it('two executions running the same function at once each get their own completion', async () => {
    // given two attempts of the same function "load-orders", launched by two executions with their own traces
    const rec = recorder();
    const d = deps(db, rec);
    // when both end lines arrive concurrently (one failing)
    const [a, b] = await Promise.all([
      ingest(pushBody(gen1End(TRACE_A, { status: 200 }), 'm-a'), d),
      ingest(pushBody(gen1End(TRACE_B, { status: 500 }), 'm-b'), d),
    ]);
    // then each signal went to the right execution, and only there
    expect(a).toMatchObject({ status: 'applied', executionId: 'exec-a', kind: 'cloudFunction' });
    expect(b).toMatchObject({ status: 'applied', executionId: 'exec-b' });
    const byExec = Object.fromEntries(rec.applied.map((x) => [x.executionId, x.signal]));
    expect(byExec['exec-a']).toMatchObject({
      kind: 'completed',
      outcome: 'succeeded',
      path: 'Load',
      attempt: 1,
    });
    expect(byExec['exec-b']).toMatchObject({
      kind: 'completed',
      outcome: 'failed',
      path: 'Load',
      attempt: 1,
    });
    expect(rec.applied).toHaveLength(2);
  });

  it('one function used by two steps of one execution completes the right step', async () => {
    const rec = recorder();
    await ingest(gen1End(TRACE_STEP2), deps(db, rec));
    expect(rec.applied).toEqual([
      {
        executionId: 'exec-a',
        signal: expect.objectContaining({ path: 'Par/1/LoadAgain', outcome: 'succeeded' }),
      },
    ]);
  });

  it('a valid callback applies its log lines, then its completion', async () => {
    const rec = recorder();
    const out = await ingest(callback({ lines: ['hello'], metadata: { n: 1 } }), deps(db, rec));
    expect(out).toMatchObject({ status: 'applied', executionId: 'exec-a', kind: 'callback' });
    expect(rec.applied.map((x) => x.signal.kind)).toEqual(['logged', 'completed']);
    expect(rec.applied[1]?.signal).toMatchObject({ outcome: 'succeeded', output: { rows: 3 } });
  });

  it('a Dataflow launcher failure without job id correlates by the deterministic job name', async () => {
    const rec = recorder();
    const out = await ingest(fixture('dataflow-job-messages', 3), deps(db, rec));
    expect(out).toMatchObject({ status: 'applied', executionId: 'exec-df' });
    expect(rec.applied[0]?.signal).toMatchObject({
      outcome: 'failed',
      path: 'Transform',
      error: { kind: 'job' },
    });
  });

  it('an Eventarc DONE is applied without asking the Dataflow API; RUNNING is ignored', async () => {
    const rec = recorder();
    const noApi = {
      getJob: async () => {
        throw new Error('jobs.get must not be called for an authoritative event');
      },
    };
    expect(await ingest(fixture('eventarc-dataflow', 0), deps(db, rec, { dataflow: noApi }))).toMatchObject({
      status: 'applied',
      executionId: 'exec-df2',
    });
    expect(await ingest(fixture('eventarc-dataflow', 5), deps(db, rec, { dataflow: noApi }))).toMatchObject({
      status: 'ignored',
      reason: expect.stringContaining('JOB_STATE_RUNNING'),
    });
    expect(rec.applied).toHaveLength(1);
  });

  it("passes the store's duplicate answer through (a log line after the callback)", async () => {
    const rec = recorder({ answer: 'duplicate' });
    expect(await ingest(gen1End(TRACE_A), deps(db, rec))).toMatchObject({
      status: 'duplicate',
      executionId: 'exec-a',
    });
  });

  it("reports the store's reason when it ignores a signal (e.g. the attempt already ended)", async () => {
    const store = {
      ...deps(db, recorder()),
      apply: async () => ({
        status: 'ignored',
        ignored: { code: 'ALREADY_TERMINAL', message: 'Load#1 already SUCCEEDED' },
      }),
    };
    expect(await ingest(gen1End(TRACE_A), store)).toEqual({
      status: 'ignored',
      kind: 'cloudFunction',
      executionId: 'exec-a',
      reason: 'ALREADY_TERMINAL: Load#1 already SUCCEEDED',
    });
  });

  it('throws (so Pub/Sub redelivers) when the correlation store is unavailable', async () => {
    const rec = recorder();
    const down = {
      lookup: async () => {
        throw new FirestepError('STORE_UNAVAILABLE', 'Firestore unavailable', { retryable: true });
      },
    };
    await expect(ingest(gen1End(TRACE_A), deps(db, rec, { lookup: down }))).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      retryable: true,
    });
    expect(rec.applied).toHaveLength(0);
  });
});

describe('ingest: faults on the way', () => {
  it('a corrupt correlation document is dead-lettered, not redelivered forever', async () => {
    await db
      .collection('correlations')
      .doc('trace:dddddddddddddddd0000000000000001')
      .set({ executionId: 'exec-x' });
    const rec = recorder();
    const out = await ingest(gen1End('dddddddddddddddd0000000000000001'), deps(db, rec));
    expect(out).toMatchObject({
      status: 'deadLettered',
      reason: expect.stringMatching(
        /^STORE_CORRUPT_DOCUMENT: corrupt correlation document correlations\/trace:d+0+1: step: /,
      ),
    });
    expect(rec.applied).toEqual([]);
  });

  it('a terminal store refusal is dead-lettered; a retryable one or an unknown error is thrown', async () => {
    const refuse = (e: unknown) => ({ ...deps(db, recorder()), apply: async () => Promise.reject(e) });
    expect(
      await ingest(
        gen1End(TRACE_A),
        refuse(new FirestepError('DEFINITION_MISMATCH', 'pinned to another hash')),
      ),
    ).toMatchObject({
      status: 'deadLettered',
      executionId: 'exec-a',
      reason: 'DEFINITION_MISMATCH: pinned to another hash',
    });
    await expect(
      ingest(gen1End(TRACE_A), refuse(new FirestepError('STORE_UNAVAILABLE', 'x', { retryable: true }))),
    ).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    const grpc = Object.assign(new Error('14 UNAVAILABLE: connection reset'), { code: 14 });
    await expect(ingest(gen1End(TRACE_A), refuse(grpc))).rejects.toBe(grpc);
  });

  it('writes one structured "signal not ours" line with the correlation fields', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    process.env.FIRESTEP_LOG = 'info';
    try {
      await ingest(gen1End('eeeeeeeeeeeeeeee0000000000000001'), deps(db, recorder()));
    } finally {
      process.env.FIRESTEP_LOG = 'silent';
      spy.mockRestore();
    }
    const notOurs = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.message === 'signal not ours');
    expect(notOurs).toEqual([
      expect.objectContaining({
        severity: 'INFO',
        kind: 'cloudFunction',
        outcome: 'succeeded',
        trace: 'eeeeeeeeeeeeeeee0000000000000001',
        function: 'load-orders',
        reason: 'no launch registered trace eeeeeeeeeeeeeeee0000000000000001',
      }),
    ]);
  });
});

describe('ingest: dead letters', () => {
  it('stores the raw input and the reason, once per distinct input, counting deliveries', async () => {
    const rec = recorder();
    const raw = '{"insertId": "broken"';
    const first = await ingest(raw, deps(db, rec));
    const second = await ingest(raw, deps(db, rec));
    expect(first).toMatchObject({ status: 'deadLettered', kind: 'rejected' });
    expect(second.deadLetterId).toBe(first.deadLetterId);
    const doc = (
      await db
        .collection('deadletters')
        .doc(first.deadLetterId ?? '-')
        .get()
    ).data();
    expect(doc).toMatchObject({
      raw,
      rawEncoding: 'utf8',
      truncated: false,
      deliveries: 2,
      receivedAt: '2026-11-23T12:00:00.000Z',
      source: { kind: 'direct' },
    });
    expect(doc?.reason).toMatch(/^not JSON/);
  });

  it('truncates a huge raw input safely and keeps its size and hash', async () => {
    const rec = recorder();
    const raw = `{"textPayload":"${'é'.repeat(200_000)}"}`;
    const out = await ingest(raw, deps(db, rec));
    expect(out).toMatchObject({
      status: 'deadLettered',
      reason: expect.stringMatching(/^oversized: 400018 bytes > limit 262144/),
    });
    const doc = (
      await db
        .collection('deadletters')
        .doc(out.deadLetterId ?? '-')
        .get()
    ).data();
    expect(doc).toMatchObject({ truncated: true, rawBytes: 400_018, sha256: out.deadLetterId });
    expect(Buffer.byteLength(String(doc?.raw))).toBeLessThanOrEqual(64 * 1024);
    expect(String(doc?.raw)).not.toContain('\uFFFD');
  });

  it('records the Pub/Sub message id of a dead-lettered push body', async () => {
    const out = await ingest(
      { message: { data: '***', messageId: 'm-77' }, subscription: 'projects/p/subscriptions/s' },
      deps(db, recorder()),
    );
    const doc = (
      await db
        .collection('deadletters')
        .doc(out.deadLetterId ?? '-')
        .get()
    ).data();
    expect(doc?.source).toEqual({ kind: 'pubsub', id: 'm-77', subscription: 'projects/p/subscriptions/s' });
  });
});

// ─── hostile inputs: each asserts the outcome and that nothing was applied ─────────────────────────

const LIMIT = 256 * 1024;
function sized(bytes: number): string {
  const e = fixture('cloud-functions-gen1', 11); // a user's own log line: ignored when small enough
  const base = JSON.stringify({ ...e, textPayload: '' });
  return JSON.stringify({ ...e, textPayload: 'x'.repeat(bytes - Buffer.byteLength(base)) });
}
const circular: Record<string, unknown> = { kind: 'firestep.callback' };
circular.self = circular;
function nested(depth: number): unknown {
  let v: unknown = gen1End(TRACE_A);
  for (let i = 0; i < depth; i++) v = pushBody(v, `n${i}`);
  return v;
}
const wrongResource = fixture('cloud-functions-gen1', 0);
wrongResource.resource = { type: 42 };
const noResource = fixture('cloud-functions-gen1', 0);
delete noResource.resource;
const stringStatus = fixture('cloud-run-requests', 1);
(stringStatus.httpRequest as Record<string, unknown>).status = '500';
const noId = fixture('eventarc-dataflow', 0);
delete noId.id;

const HOSTILE: Array<{ name: string; raw: unknown; status: string; reason?: RegExp }> = [
  {
    name: 'truncated JSON text',
    raw: '{"message": {"data": "e30="',
    status: 'deadLettered',
    reason: /^not JSON/,
  },
  { name: 'empty string', raw: '', status: 'deadLettered', reason: /empty payload/ },
  { name: 'JSON array', raw: '[1,2,3]', status: 'deadLettered', reason: /got an array/ },
  { name: 'JSON number', raw: 42, status: 'deadLettered', reason: /got number/ },
  { name: 'null', raw: null, status: 'deadLettered', reason: /got null/ },
  {
    name: 'invalid UTF-8 bytes',
    raw: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    status: 'deadLettered',
    reason: /UTF-8/,
  },
  {
    name: 'push body with bad base64',
    raw: { message: { data: 'not*base64!', messageId: '1' } },
    status: 'deadLettered',
    reason: /not base64/,
  },
  {
    name: 'push body whose data is not JSON',
    raw: pushBody('Function execution took 3 ms'),
    status: 'deadLettered',
    reason: /not JSON/,
  },
  {
    name: 'push body without data',
    raw: { message: { messageId: '2' }, subscription: 's' },
    status: 'deadLettered',
    reason: /without data/,
  },
  {
    name: 'push body with wrong attribute types',
    raw: { message: { data: 'e30=', attributes: { a: 1 } } },
    status: 'deadLettered',
    reason: /attributes/,
  },
  {
    name: 'message that is a string',
    raw: { message: 'hello' },
    status: 'deadLettered',
    reason: /not a LogEntry/,
  },
  {
    name: 'LogEntry with a numeric resource.type',
    raw: wrongResource,
    status: 'deadLettered',
    reason: /resource\.type/,
  },
  { name: 'LogEntry without resource', raw: noResource, status: 'deadLettered', reason: /resource/ },
  {
    name: 'request log with a string status',
    raw: stringStatus,
    status: 'deadLettered',
    reason: /httpRequest\.status/,
  },
  {
    name: 'payload over 256 KiB',
    raw: sized(LIMIT + 1),
    status: 'deadLettered',
    reason: /oversized: 262145 bytes/,
  },
  { name: 'payload at exactly 256 KiB (a user log line)', raw: sized(LIMIT), status: 'ignored' },
  {
    name: '256 KiB entry inside a push body (base64 makes it ~342 KiB)',
    raw: pushBody(JSON.parse(sized(LIMIT))),
    status: 'ignored',
  },
  {
    name: 'push body carrying 256 KiB + 1',
    raw: pushBody(JSON.parse(sized(LIMIT + 1))),
    status: 'deadLettered',
    reason: /oversized: 262145 bytes > limit 262144/,
  },
  {
    name: 'push body far over the envelope limit',
    raw: { message: { data: 'A'.repeat(500_000) } },
    status: 'deadLettered',
    reason: /\(envelope\)/,
  },
  { name: 'circular object', raw: circular, status: 'deadLettered', reason: /not JSON-serializable/ },
  { name: 'envelopes nested 5 deep', raw: nested(5), status: 'deadLettered', reason: /nested too deep/ },
  {
    name: 'forged callback token',
    raw: callback({ token: 'guessed-token-0000000000000000' }),
    status: 'deadLettered',
    reason: /token matches no launched attempt/,
  },
  {
    name: 'callback token of exec-a claiming exec-b',
    raw: callback({ executionId: 'exec-b' }),
    status: 'deadLettered',
    reason: /claims exec-b/,
  },
  {
    name: 'callback replayed for another attempt',
    raw: callback({ attempt: 2 }),
    status: 'deadLettered',
    reason: /claims exec-a\/Load#2/,
  },
  {
    name: 'callback for another step with a valid token',
    raw: callback({ path: 'Publish' }),
    status: 'deadLettered',
    reason: /claims exec-a\/Publish#1/,
  },
  {
    name: 'callback with a short token',
    raw: callback({ token: 'short' }),
    status: 'deadLettered',
    reason: /token/,
  },
  {
    name: 'failed callback without error',
    raw: callback({ outcome: 'failed', output: undefined }),
    status: 'deadLettered',
    reason: /without error/,
  },
  {
    name: 'callback with an unknown outcome',
    raw: callback({ outcome: 'maybe' }),
    status: 'deadLettered',
    reason: /outcome/,
  },
  {
    name: 'callback for an execution that does not exist',
    raw: callback({ token: TOKEN_MISSING_EXEC, executionId: 'exec-gone' }),
    status: 'deadLettered',
    reason: /EXECUTION_NOT_FOUND/,
  },
  {
    name: 'timer with a mismatched command id',
    raw: fixture('callbacks-timers', 5),
    status: 'deadLettered',
    reason: /does not match/,
  },
  {
    name: 'unknown firestep kind',
    raw: { kind: 'firestep.launch', executionId: 'exec-a' },
    status: 'deadLettered',
    reason: /unknown firestep message kind/,
  },
  { name: 'CloudEvent without id', raw: noId, status: 'deadLettered', reason: /CloudEvent: id/ },
  {
    name: 'statusChanged without a Job payload',
    raw: fixture('eventarc-dataflow', 11),
    status: 'deadLettered',
    reason: /payload\.id/,
  },
  {
    name: 'Dataflow message without job labels',
    raw: fixture('dataflow-job-messages', 7),
    status: 'deadLettered',
    reason: /job_id or job_name/,
  },
  {
    name: "the engine's own end line",
    raw: fixture('cloud-functions-gen1', 12),
    status: 'ignored',
    reason: /own function/,
  },
  {
    name: "the API function's own end line",
    raw: fixture('cloud-functions-gen1', 13),
    status: 'ignored',
    reason: /own function/,
  },
  {
    name: "the engine's own Cloud Run request log",
    raw: fixture('cloud-run-requests', 4),
    status: 'ignored',
    reason: /own service/,
  },
  {
    name: 'user code printing "Workflow failed." in worker logs',
    raw: fixture('dataflow-job-messages', 6),
    status: 'ignored',
    reason: /not the Dataflow job-message log/,
  },
  { name: '"Function execution started"', raw: fixture('cloud-functions-gen1', 10), status: 'ignored' },
  {
    name: 'autoscaling message',
    raw: fixture('dataflow-job-messages', 4),
    status: 'ignored',
    reason: /autoscaling/,
  },
  {
    name: 'end line of an unknown trace',
    raw: gen1End('ffffffffffffffff0000000000000009'),
    status: 'notOurs',
    reason: /no launch registered trace/,
  },
  {
    name: 'end line without a trace',
    raw: fixture('cloud-functions-gen1', 14),
    status: 'notOurs',
    reason: /no trace/,
  },
  {
    name: 'job message of an unknown job',
    raw: fixture('dataflow-job-messages', 1),
    status: 'notOurs',
    reason: /no launch registered Dataflow job/,
  },
  {
    name: 'end line for a stale attempt',
    raw: gen1End('cccccccccccccccc0000000000000001'),
    status: 'ignored',
    reason: /STALE_ATTEMPT/,
  },
  {
    name: 'a storage CloudEvent for an object no Wait waits for',
    raw: fixture('pubsub-envelopes', 5),
    status: 'notOurs',
    reason: /no Wait is waiting for gs:\/\/acme-data-landing\/orders\/2026-11-23\.csv/,
  },
];

describe('ingest: hostile inputs', () => {
  it('has at least 25 of them', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(25);
  });
  for (const h of HOSTILE) {
    it(`${h.name} → ${h.status}, nothing applied`, async () => {
      const rec = recorder({ missing: ['exec-gone'], stale: ['exec-stale'] });
      const out = await ingest(h.raw, deps(db, rec));
      expect(out.status).toBe(h.status);
      if (h.reason) expect(out.reason).toMatch(h.reason);
      expect(rec.applied).toEqual([]);
      if (out.status === 'deadLettered') {
        const doc = await db
          .collection('deadletters')
          .doc(out.deadLetterId ?? '-')
          .get();
        expect(doc.data()?.reason).toBe(out.reason);
      }
    });
  }
});
