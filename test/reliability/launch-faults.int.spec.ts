/**
 * Launch faults at the dispatcher: the real store, the real adapters' dispatcher and launchers, and
 * the protocol fakes answering 429/500/502/503/504, resetting connections, answering after the
 * client gave up, or saying 409 "already exists". Every fault must be retried with backoff (or the
 * existing work adopted), and each step attempt must start at most one piece of work.
 */
import { createServer, type Server } from 'node:http';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudFunctionLauncher } from '../../adapters/cloud-function/launcher.ts';
import { DataflowLauncher } from '../../adapters/dataflow/launcher.ts';
import { createDispatcher } from '../../adapters/dispatcher.ts';
import {
  type FakeDataflow,
  type FakeFunctionHost,
  startFakeDataflow,
  startFakeFunctionHost,
} from '../../adapters/fakes/index.ts';
import { HttpLauncher } from '../../adapters/http/launcher.ts';
import type { TimerCommand } from '../../engine/core/index.ts';
import { cloudFunction, dataflowFlex, defineFlow, http, task } from '../../engine/flow/index.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { testFirestore } from '../support/firestore.ts';
import { assertInvariants } from './support/invariants.ts';

const t = testFirestore('rel-launch');
let host: FakeFunctionHost;
let df: FakeDataflow;
let endpoint: {
  url: string;
  server: Server;
  requests: number;
  jobs: Set<string>;
  resets: number;
  slow: number;
};
let store: ExecutionStore;
let now = Date.now();
const advance = () => (now += 10 * 60_000);
const secret = 'reliability-callback-secret';

beforeAll(async () => {
  host = await startFakeFunctionHost();
  df = await startFakeDataflow({ defaultBehavior: { outcome: 'lag' } });
  endpoint = await startFlakyEndpoint();
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'local', expiry_date: Date.now() + 3_600_000 });
  const context = { secret, replyTo: {} };
  const dispatcher = createDispatcher({
    launchers: [
      new CloudFunctionLauncher({
        context,
        mode: 'direct',
        ignoreTargetUrl: true,
        acceptTimeoutMs: 300,
        urlFor: (target, l) => host.functionUrl({ name: target.name, project: l.project, region: l.region }),
      }),
      new DataflowLauncher({ context, rootUrl: df.url, auth, requestTimeoutMs: 500 }),
      new HttpLauncher({ context, requestTimeoutMs: 400 }),
    ],
    timers: { schedule: async (_c: TimerCommand) => {} },
  });
  store = new ExecutionStore({ db: t.db, dispatcher, clock: () => new Date(now) });
});
afterAll(async () => {
  await host.close();
  await df.close();
  await new Promise<void>((r) => endpoint.server.close(() => r()));
  await t.cleanup();
});

/**
 * An HTTP endpoint that resets the first connections, answers the next one after the client's
 * deadline (having done the work), then answers at once. It dedupes work by the firestep token the
 * launch carries, as the docs tell Http targets to.
 */
async function startFlakyEndpoint() {
  const state = { requests: 0, jobs: new Set<string>(), resets: 2, slow: 1 };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      state.requests++;
      if (state.resets > 0) {
        state.resets--;
        req.socket.destroy();
        return;
      }
      const token = (JSON.parse(body) as { firestep?: { token?: string } }).firestep?.token ?? '';
      state.jobs.add(token);
      const answer = () => {
        if (!res.destroyed)
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ jobs: state.jobs.size }));
      };
      if (state.slow > 0) {
        state.slow--;
        setTimeout(answer, 1500);
      } else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return Object.assign(state, { url: `http://127.0.0.1:${port}/work`, server });
}

/** Sweep (moving the clock past every backoff) until the outbox is empty. */
async function settle(executionId: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if ((await store.listPendingCommands(executionId)).length === 0) return;
    advance();
    await store.sweepPending();
  }
  throw new Error(`outbox of ${executionId} did not settle`);
}

const cfFlow = (name: string) =>
  defineFlow({
    id: `rel-cf-${name}`,
    start: 'Call',
    steps: { Call: task(cloudFunction(name, { project_id: 'p', region: 'europe-west1' }), { end: true }) },
  });
const dfFlow = (name: string) =>
  defineFlow({
    id: `rel-df-${name}`,
    start: 'Job',
    steps: {
      Job: task(
        dataflowFlex(name, { project_id: 'p', region: 'europe-west4', container_gcs_path: 'gs://b/s.json' }),
        { parameters: { temp_location: 'gs://b/t' }, end: true },
      ),
    },
  });

describe('Cloud Function launches refused by the platform', () => {
  for (const status of [429, 502, 503, 504]) {
    it(`given the platform answers ${status} twice, when the launch is retried with backoff, then the function runs exactly once and the step is RUNNING`, async () => {
      // given
      const name = `rel-refuse-${status}`;
      host.setBehavior(name, { kind: 'reject', status, times: 2 });

      // when
      const { executionId } = await store.startExecution(cfFlow(name), {});
      await settle(executionId);

      // then
      const { head, events } = await assertInvariants(t.db, executionId, { quiescent: true });
      expect(host.invocations.filter((i) => i.name === name).length).toBe(1);
      expect(head.steps.Call?.status).toBe('RUNNING');
      expect(events.filter((e) => e.type === 'StepLaunched').length).toBe(1);
      const outbox = await t.db.doc(`executions/${executionId}/commands/launch~Call~1`).get();
      expect(outbox.get('attempts')).toBe(3);
      expect(String(outbox.get('lastError.message'))).toContain(`HTTP ${status}`);
    });
  }
});

describe('Dataflow launches that fail, are lost, or collide', () => {
  const cases: Array<{
    name: string;
    behavior: Parameters<FakeDataflow['setBehavior']>[1];
    adopted: boolean;
    dispatches?: number;
  }> = [
    {
      name: 'rel-df-429',
      behavior: { outcome: 'lag', launchErrors: [{ status: 429, retryAfterSeconds: 1 }] },
      adopted: false,
    },
    {
      name: 'rel-df-500',
      behavior: { outcome: 'lag', launchErrors: [{ status: 500 }, { status: 500 }] },
      adopted: false,
    },
    { name: 'rel-df-503', behavior: { outcome: 'lag', launchErrors: [{ status: 503 }] }, adopted: false },
    { name: 'rel-df-504', behavior: { outcome: 'lag', launchErrors: [{ status: 504 }] }, adopted: false },
    {
      name: 'rel-df-lost',
      behavior: { outcome: 'lag', launchErrors: [{ status: 503, afterCreate: true }] },
      adopted: true,
    },
    {
      name: 'rel-df-409',
      behavior: { outcome: 'lag', launchErrors: [{ status: 409, afterCreate: true }] },
      adopted: true,
      dispatches: 1,
    },
    { name: 'rel-df-slow', behavior: { outcome: 'lag', launchLatencyMs: 1500 }, adopted: true },
  ];
  for (const c of cases) {
    it(`${c.name}: the launch is retried${c.adopted ? ' and the job already created is adopted' : ''}; exactly one job exists for the attempt`, async () => {
      // given
      df.setBehavior(c.name, c.behavior);

      // when
      const { executionId } = await store.startExecution(dfFlow(c.name), {});
      await settle(executionId);

      // then
      const { head } = await assertInvariants(t.db, executionId, { quiescent: true });
      const jobs = [...df.jobs.values()].filter((j) => j.job.name.startsWith(c.name));
      expect(jobs.length).toBe(1);
      expect(head.steps.Job?.status).toBe('RUNNING');
      expect(head.steps.Job?.receipt?.jobId).toBe(jobs[0]?.job.id);
      expect(Boolean(head.steps.Job?.receipt?.adopted)).toBe(c.adopted);
      const outbox = await t.db.doc(`executions/${executionId}/commands/launch~Job~1`).get();
      // a 409 is resolved inside the same dispatch (list by name → adopt); the others need another one
      if (c.dispatches !== undefined) expect(outbox.get('attempts')).toBe(c.dispatches);
      else expect(outbox.get('attempts')).toBeGreaterThanOrEqual(2);
    });
  }
});

describe('an Http endpoint that resets connections, then answers after the deadline', () => {
  it('given 2 resets and 1 late answer, when the launch is retried, then the work is done once (deduped by the firestep token) and the step succeeds with its answer', async () => {
    // when
    const { executionId } = await store.startExecution(
      defineFlow({
        id: 'rel-http-flaky',
        start: 'Post',
        steps: { Post: task(http(endpoint.url, { method: 'POST' }), { end: true }) },
      }),
      {},
    );
    await settle(executionId);

    // then
    const { head } = await assertInvariants(t.db, executionId, { quiescent: true });
    expect(endpoint.requests).toBe(4);
    expect(endpoint.jobs.size).toBe(1);
    expect(head.status).toBe('SUCCEEDED');
    expect(head.output).toEqual({ jobs: 1 });
    const outbox = await t.db.doc(`executions/${executionId}/commands/launch~Post~1`).get();
    expect(outbox.get('attempts')).toBe(4);
  });
});
