/**
 * `firestepApi` over HTTP: the real store on the Firestore emulator, launches against the fake
 * function host, the fakes' log entries and callbacks delivered by the test.
 */
import * as functions from '@google-cloud/functions-framework';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandId } from '../../engine/core/commands.ts';
import { traceFor } from '../../engine/core/trace.ts';
import { cloudFunction, defineFlow, end, task, wait } from '../../engine/flow/index.ts';
import { createApiHandler } from '../../functions/api/handler.ts';
import { handleEngineMessage } from '../../runtime/handle-message.ts';
import { LOCAL_CALLBACK_SECRET } from '../../runtime/local-config.ts';
import { FlowRegistry } from '../../runtime/registry/registry.ts';
import {
  completionEntry,
  eventually,
  type Harness,
  idToken,
  serve,
  startHarness,
  testPushAuth,
} from './support.ts';

const fn = (name: string) => cloudFunction(name, { project_id: 'p', region: 'europe-west1' });
const chain = defineFlow({
  id: 'chain',
  start: 'A',
  steps: { A: task(fn('api-a'), { next: 'B' }), B: task(fn('api-b'), { next: 'Done' }), Done: end() },
});
const pause = defineFlow({
  id: 'pause',
  start: 'Pause',
  steps: { Pause: wait(3600, { next: 'Done' }), Done: end() },
});
const flaky = defineFlow({
  id: 'flaky',
  start: 'Work',
  steps: { Work: task(fn('api-flaky'), { end: true }) },
});

const TIMER_SA = 'firestep-tasks@test.iam.gserviceaccount.com';
let h: Harness;
let api: { url: string; close(): Promise<void> };

beforeAll(async () => {
  h = await startHarness({ registry: FlowRegistry.of([chain, pause, flaky]), prefix: 'api' });
  const timerAuth = testPushAuth('https://api.example/v1/timers', TIMER_SA);
  functions.http(
    'firestepApi',
    createApiHandler(async () => h.runtime, timerAuth),
  );
  api = await serve('firestepApi');
});

afterAll(async () => {
  await api?.close();
  await h?.close();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

async function start(flowId: string, input: unknown = {}): Promise<string> {
  const res = await call('POST', '/v1/executions', { flowId, input });
  expect(res.status).toBe(201);
  return res.body.executionId as string;
}

/** Deliver the fake host's completion line of (execution, path) through the engine's message path. */
async function complete(executionId: string, path: string, attempt = 1): Promise<void> {
  const entry = await eventually(() =>
    completionEntry(h.entries, traceFor(executionId, path, attempt, LOCAL_CALLBACK_SECRET).traceId),
  );
  await handleEngineMessage(entry, h.runtime, { via: 'test' });
}

describe('POST /v1/executions', () => {
  it('given a known flow, when started, then 201 with the execution id, RUNNING and a Location', async () => {
    const res = await call('POST', '/v1/executions', { flowId: 'chain', input: { day: '2024-05-01' } });

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      created: true,
      status: 'RUNNING',
      flowId: 'chain',
      definitionHash: chain.hash,
    });
    expect(res.headers.get('location')).toBe(
      `/v1/executions/${encodeURIComponent(res.body.executionId as string)}`,
    );
  });

  it('given a name, when started twice with the same input, then the second answers 200 with the same execution', async () => {
    const first = await call('POST', '/v1/executions', {
      flowId: 'chain',
      input: { n: 1 },
      name: 'nightly-2024-05-01',
    });
    const second = await call('POST', '/v1/executions', {
      flowId: 'chain',
      input: { n: 1 },
      name: 'nightly-2024-05-01',
    });

    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ executionId: first.body.executionId, created: false });
  });

  it('given a name already used with another input, when started, then 409 EXECUTION_CONFLICT', async () => {
    await call('POST', '/v1/executions', { flowId: 'chain', input: { n: 1 }, name: 'conflicting' });
    const res = await call('POST', '/v1/executions', {
      flowId: 'chain',
      input: { n: 2 },
      name: 'conflicting',
    });

    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'EXECUTION_CONFLICT' } });
  });

  it('given an unknown flow, when started, then 404 naming the field and the flows that exist', async () => {
    const res = await call('POST', '/v1/executions', { flowId: 'chian' });

    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'FLOW_NOT_FOUND', field: 'flowId' } });
    expect((res.body.error as { message: string }).message).toContain('chain, flaky, pause');
  });

  it.each([
    ['no body', 'body', undefined],
    ['no flowId', 'flowId', { input: {} }],
    ['a numeric flowId', 'flowId', { flowId: 7 }],
    ['a name with a slash', 'name', { flowId: 'chain', name: 'a/b' }],
    ['an unknown field', 'body', { flowId: 'chain', inputs: {} }],
  ])('given %s, when started, then 400 naming %s', async (_what, field, body) => {
    const res = await call('POST', '/v1/executions', body);

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'INVALID_ARGUMENT', field } });
  });

  it('given a body that is not JSON, when started, then 415', async () => {
    const res = await call('POST', '/v1/executions', 'flowId=chain', {
      'content-type': 'application/x-www-form-urlencoded',
    });

    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
  });

  it('given malformed JSON, when started, then 400 (answered by the functions framework)', async () => {
    const res = await call('POST', '/v1/executions', '{"flowId": ', { 'content-type': 'application/json' });

    expect(res.status).toBe(400);
  });
});

describe('reading executions', () => {
  it('given an execution, when its head is read (also under a deployment prefix), then 200 with status and steps', async () => {
    const id = await start('chain', { n: 3 });

    const res = await call('GET', `/firestep-api/v1/executions/${encodeURIComponent(id)}`);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ executionId: id, flowId: 'chain', status: 'RUNNING', input: { n: 3 } });
  });

  it('given an unknown id, when read, then 404', async () => {
    const res = await call('GET', '/v1/executions/no-such-execution');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'EXECUTION_NOT_FOUND' } });
  });

  it('given executions, when listed by flow and status, then only matching heads come back', async () => {
    const id = await start('pause');

    const res = await call('GET', '/v1/executions?flowId=pause&status=RUNNING&limit=100');

    expect(res.status).toBe(200);
    const executions = res.body.executions as Array<{ executionId: string; flowId: string; status: string }>;
    expect(executions.map((e) => e.executionId)).toContain(id);
    expect(executions.every((e) => e.flowId === 'pause' && e.status === 'RUNNING')).toBe(true);
  });

  it.each([
    ['status=DONE', 'status'],
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['order=desc', 'query'],
  ])('given the query %s, when listed, then 400 naming %s', async (query, field) => {
    const res = await call('GET', `/v1/executions?${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { field } });
  });

  it('given an execution with events, when read in pages, then seqs follow each other and nextAfterSeq pages on', async () => {
    const id = await start('chain');
    await complete(id, 'A');
    await eventually(async () => ((await h.runtime.store.getHead(id))?.lastSeq ?? 0) >= 4);

    const page1 = await call('GET', `/v1/executions/${id}/events?limit=2`);
    const page2 = await call(
      'GET',
      `/v1/executions/${id}/events?afterSeq=${page1.body.nextAfterSeq}&limit=2`,
    );

    expect(page1.status).toBe(200);
    const events1 = page1.body.events as Array<{ seq: number; type: string }>;
    expect(events1.map((e) => e.seq)).toEqual([1, 2]);
    expect(events1[0]?.type).toBe('ExecutionStarted');
    expect(page1.body.nextAfterSeq).toBe(2);
    expect((page2.body.events as Array<{ seq: number }>).map((e) => e.seq)).toEqual([3, 4]);
  });

  it('given a wrong method on a known path, when called, then 405 with Allow', async () => {
    const res = await call('DELETE', '/v1/executions/x');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});

describe('cancel and redrive', () => {
  it('given a running execution, when cancelled twice, then CANCELLED and the second call is a no-op 200', async () => {
    const id = await start('pause');

    const first = await call('POST', `/v1/executions/${id}:cancel`, { reason: 'wrong input' });
    const second = await call('POST', `/v1/executions/${id}:cancel`);

    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'CANCELLED', result: 'applied' });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'CANCELLED', result: 'duplicate' });
    const events = await h.runtime.store.readEvents(id);
    expect(events.filter((e) => e.type === 'ExecutionCancelled')).toEqual([
      expect.objectContaining({ reason: 'wrong input' }),
    ]);
  });

  it('given a cancel body with a wrong field type, when cancelled, then 400 naming reason', async () => {
    const id = await start('pause');
    const res = await call('POST', `/v1/executions/${id}:cancel`, { reason: 42 });
    expect(res).toMatchObject({ status: 400, body: { error: { field: 'reason' } } });
  });

  it('given an unknown execution, when cancelled or redriven, then 404', async () => {
    expect((await call('POST', '/v1/executions/nope:cancel')).status).toBe(404);
    expect((await call('POST', '/v1/executions/nope:redrive')).status).toBe(404);
  });

  it('given a failed execution, when redriven, then it runs again from the failed step (attempt 2) and can succeed', async () => {
    h.host.setBehavior('api-flaky', { kind: 'fail', status: 500, message: 'boom' });
    const id = await start('flaky');
    await complete(id, 'Work', 1);
    await eventually(async () => (await h.runtime.store.getHead(id))?.status === 'FAILED');
    expect((await call('POST', `/v1/executions/${id}:cancel`)).status).toBe(409);

    h.host.setBehavior('api-flaky', { kind: 'echo' });
    const res = await call('POST', `/v1/executions/${id}:redrive`);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'RUNNING', result: 'applied' });
    await complete(id, 'Work', 2);
    await eventually(async () => (await h.runtime.store.getHead(id))?.status === 'SUCCEEDED');
  });

  it('given a running execution, when redriven, then 409 (only FAILED executions can be redriven)', async () => {
    const id = await start('pause');
    const res = await call('POST', `/v1/executions/${id}:redrive`);
    expect(res.status).toBe(409);
    expect((res.body.error as { message: string }).message).toContain('only a FAILED execution');
  });
});

describe('POST /v1/callbacks', () => {
  it('given the callback the SDK sent for a step, when posted, then it is applied once; again, it is a duplicate', async () => {
    const id = await start('chain', { via: 'callback' });
    const callback = await eventually(() => h.callbacks.find((c) => c.executionId === id && c.path === 'A'));

    const first = await call('POST', '/v1/callbacks', callback);
    const again = await call('POST', '/v1/callbacks', callback);

    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'applied', kind: 'callback', executionId: id });
    expect(again.body).toMatchObject({ status: 'duplicate' });
    expect((await h.runtime.store.getHead(id))?.steps.A?.status).toBe('SUCCEEDED');
  });

  it('given a callback whose token belongs to another attempt, when posted, then 403 and the execution is unchanged', async () => {
    const id = await start('chain', { via: 'forged' });
    const callback = await eventually(() => h.callbacks.find((c) => c.executionId === id && c.path === 'A'));
    const before = await h.runtime.store.getHead(id);

    const res = await call('POST', '/v1/callbacks', { ...callback, attempt: 2 });

    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: 'CALLBACK_REJECTED' } });
    expect((await h.runtime.store.getHead(id))?.lastSeq).toBe(before?.lastSeq);
  });

  it('given a message that is not a callback, when posted, then 400', async () => {
    const res = await call('POST', '/v1/callbacks', { kind: 'firestep.callback', id: 'x' });
    expect(res.status).toBe(400);
  });
});

describe('POST /v1/timers and /v1/sweep', () => {
  const timerFor = (executionId: string) => ({
    kind: 'firestep.timer',
    executionId,
    path: 'Pause',
    attempt: 1,
    timer: 'wait',
    commandId: commandId('timer-wait', 'Pause', 1),
  });
  const tasksToken = () => `Bearer ${idToken({ aud: 'https://api.example/v1/timers', email: TIMER_SA })}`;

  it('given a waiting execution, when Cloud Tasks delivers its wait timer with an OIDC token, then the Wait ends and the execution succeeds', async () => {
    const id = await start('pause');

    const res = await call('POST', '/v1/timers', timerFor(id), { authorization: tasksToken() });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'applied', kind: 'timer', executionId: id });
    await eventually(async () => (await h.runtime.store.getHead(id))?.status === 'SUCCEEDED');
  });

  it('given a timer without a token or with the push account token, when posted, then 401 / 403 and nothing changes', async () => {
    const id = await start('pause');

    const anonymous = await call('POST', '/v1/timers', timerFor(id));
    const wrongAccount = await call('POST', '/v1/timers', timerFor(id), {
      authorization: `Bearer ${idToken({ aud: 'https://api.example/v1/timers' })}`,
    });

    expect(anonymous.status).toBe(401);
    expect(wrongAccount.status).toBe(403);
    expect((await h.runtime.store.getHead(id))?.status).toBe('RUNNING');
  });

  it('given pending work, when swept, then 200 with the sweep report', async () => {
    const res = await call('POST', '/v1/sweep', {});
    expect(res.status).toBe(200);
    expect(res.body.swept).toMatchObject({
      dispatched: expect.any(Number),
      drained: expect.any(Number),
      failed: expect.any(Number),
    });
  });
});
