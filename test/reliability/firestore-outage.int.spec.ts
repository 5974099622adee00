/**
 * Issue 13 item 8: a Firestore outage must fail fast. The engine's Firestore client talks to the
 * emulator through a TCP proxy (FIRESTORE_EMULATOR_HOST points at it for this file) that the test
 * turns into a black hole — connections accepted and never answered, the way a partition looks to
 * a client — or into a backend that resets every connection. During the cut the engine push handler
 * and the API answer a retryable 503 within their request budget (1.5 s here) instead of blocking
 * for ~90 s; after the cut heals the redelivered message applies exactly once and the log and head
 * are intact. Nothing here measures time: the budget is bounded by the vitest timeout only.
 */
import * as functions from '@google-cloud/functions-framework';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { traceFor } from '../../engine/core/trace.ts';
import { cloudFunction, defineFlow, end, task } from '../../engine/flow/index.ts';
import { createApiHandler } from '../../functions/api/handler.ts';
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
import { type BlackHoleProxy, startBlackHoleProxy } from './support/blackhole-proxy.ts';

const BUDGET_MS = 1500;

const chain = defineFlow({
  id: 'outage-chain',
  start: 'A',
  steps: {
    A: task(cloudFunction('fn-a', { project_id: 'p', region: 'europe-west1' }), { next: 'B' }),
    B: task(cloudFunction('fn-b', { project_id: 'p', region: 'europe-west1' }), { next: 'Done' }),
    Done: end(),
  },
});

const emulatorHost = process.env.FIRESTORE_EMULATOR_HOST;
let proxy: BlackHoleProxy;
let h: Harness;
let push: { url: string; close(): Promise<void> };
let api: { url: string; close(): Promise<void> };

beforeAll(async () => {
  if (!emulatorHost) throw new Error('FIRESTORE_EMULATOR_HOST is not set: run through vitest');
  proxy = await startBlackHoleProxy(emulatorHost);
  process.env.FIRESTORE_EMULATOR_HOST = proxy.host;
  h = await startHarness({ registry: FlowRegistry.of([chain]), prefix: 'rel-outage' });
  const getRuntime = async () => h.runtime;
  functions.http(
    'outageEnginePush',
    enginePushHandler(getRuntime, testPushAuth(), h.projectId, { budgetMs: BUDGET_MS }),
  );
  functions.http(
    'outageApi',
    createApiHandler(getRuntime, testPushAuth(), testPushAuth(), { budgetMs: BUDGET_MS }),
  );
  push = await serve('outageEnginePush');
  api = await serve('outageApi');
}, 60_000);

afterAll(async () => {
  proxy?.heal();
  await push?.close();
  await api?.close();
  await h?.close();
  await proxy?.close();
  process.env.FIRESTORE_EMULATOR_HOST = emulatorHost;
});

function postPush(body: unknown): Promise<Response> {
  return fetch(`${push.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken()}` },
    body: JSON.stringify(body),
  });
}

/** Start the chain and wait until A's completion line was written and its receipt recorded. */
async function startChain() {
  const { executionId } = await h.runtime.store.startExecution(chain, { n: Math.random() });
  const trace = traceFor(executionId, 'A', 1, LOCAL_CALLBACK_SECRET).traceId;
  const entryA = await eventually(() => completionEntry(h.entries, trace));
  await eventually(async () => (await h.runtime.store.getHead(executionId))?.steps.A?.receipt);
  return { executionId, entryA };
}

/** Pub/Sub after the cut: redeliver until acknowledged (a reconnecting client may 503 once more). */
async function redeliverUntilAcked(body: unknown): Promise<{ status: string }> {
  for (let i = 0; ; i++) {
    const res = await postPush(body);
    if (res.status === 200) return (await res.json()) as { status: string };
    expect(res.status, 'a redelivery during recovery is retryable, never a 4xx or 500').toBe(503);
    if (i >= 60) throw new Error('the push never succeeded after the cut healed');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The warning lines the functions write to stderr while `run` runs. */
async function stderrLines<T>(run: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const previous = process.env.FIRESTEP_LOG;
  process.env.FIRESTEP_LOG = 'warning';
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  try {
    return { value: await run(), lines };
  } finally {
    spy.mockRestore();
    process.env.FIRESTEP_LOG = previous;
  }
}

async function assertAppliedOnce(executionId: string): Promise<void> {
  const events = await h.runtime.store.readEvents(executionId, { afterSeq: 0, limit: 1000 });
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events.filter((e) => e.type === 'StepSucceeded' && e.path === 'A')).toHaveLength(1);
  const head = await h.runtime.store.getHead(executionId);
  expect(head?.lastSeq).toBe(events.length);
  expect(head?.steps.A?.status).toBe('SUCCEEDED');
  expect(head?.steps.B?.status).toBe('RUNNING');
}

describe('Firestore outage: a black hole between the engine and Firestore', () => {
  it('given a launched step, when its completion is pushed during the cut, then 503 STORE_UNAVAILABLE with Retry-After and one JSON log line without a stack; after the heal the redelivery applies exactly once', async () => {
    // given
    const { executionId, entryA } = await startChain();
    const body = pushBody(entryA, 'outage-push-1');

    // when
    proxy.cut();
    const { value: res, lines } = await stderrLines(() => postPush(body));

    // then
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ error: { code: 'STORE_UNAVAILABLE' } });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ severity: 'WARNING', via: 'push', transient: true });
    expect(lines[0]).toContain('STORE_UNAVAILABLE');
    expect(lines[0]).not.toMatch(/\n\s+at |"stack"/);

    // when the cut heals, Pub/Sub redelivers
    proxy.heal();
    const outcome = await redeliverUntilAcked(body);

    // then: applied (or found applied by the abandoned attempt) — exactly once either way
    expect(['applied', 'duplicate']).toContain(outcome.status);
    await assertAppliedOnce(executionId);
    expect((await redeliverUntilAcked(body)).status).toBe('duplicate');
  }, 60_000);

  it('given an execution, when the API is asked for it during the cut, then 503 STORE_UNAVAILABLE with Retry-After; after the heal it answers 200', async () => {
    // given
    const { executionId } = await h.runtime.store.startExecution(chain, { n: Math.random() });

    // when
    proxy.cut();
    const res = await fetch(`${api.url}/v1/executions/${encodeURIComponent(executionId)}`);

    // then
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ error: { code: 'STORE_UNAVAILABLE' } });

    // when healed
    proxy.heal();
    const after = await eventually(async () => {
      const r = await fetch(`${api.url}/v1/executions/${encodeURIComponent(executionId)}`);
      return r.status === 200 ? r : false;
    }, 30_000);
    expect(await after.json()).toMatchObject({ executionId, status: 'RUNNING' });
  }, 60_000);

  it('given a launched step, when Firestore resets every connection while its completion is pushed, then a retryable 503; after the heal the redelivery applies exactly once', async () => {
    // given
    const { executionId, entryA } = await startChain();
    const body = pushBody(entryA, 'outage-reset-1');

    // when
    proxy.refuse();
    const res = await postPush(body);

    // then
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'STORE_UNAVAILABLE' } });

    // when healed
    proxy.heal();
    expect(['applied', 'duplicate']).toContain((await redeliverUntilAcked(body)).status);
    await assertAppliedOnce(executionId);
  }, 60_000);
});
