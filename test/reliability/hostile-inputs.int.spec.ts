/**
 * Malformed, oversized and forged inputs through the engine's real message path
 * (`handleEngineMessage` → parse → correlate → store) against real executions: one running, one
 * finished. Each input must end as `deadLettered`, `notOurs`, `ignored` or `duplicate` — and no
 * execution may change (head, events, accepted signals, inbox and outbox compared before/after).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATAFLOW_MESSAGES, type LogEntry } from '../../adapters/fakes/index.ts';
import { traceFor } from '../../engine/core/trace.ts';
import { cloudFunction, dataflowFlex, defineFlow, task } from '../../engine/flow/index.ts';
import type { CallbackMessage } from '../../engine/signals/wire/callback.ts';
import { type EngineOutcome, handleEngineMessage } from '../../runtime/handle-message.ts';
import { LOCAL_CALLBACK_SECRET } from '../../runtime/local-config.ts';
import { call, type Served, serveApi, serveEnginePush } from './support/http.ts';
import { assertInvariants } from './support/invariants.ts';
import { endLine, eventually, pushBody, type RelRuntime, startRuntime } from './support/runtime.ts';

const loc = { project_id: 'rel-h', region: 'europe-west1' } as const;
const chain = defineFlow({
  id: 'rel-h-chain',
  start: 'A',
  steps: {
    A: task(cloudFunction('rel-h-a', loc), { next: 'B' }),
    B: task(cloudFunction('rel-h-b', loc), { end: true }),
  },
});
const job = defineFlow({
  id: 'rel-h-job',
  start: 'Job',
  steps: {
    Job: task(
      dataflowFlex('rel-h-failing', {
        project_id: 'rel-h',
        region: 'europe-west4',
        container_gcs_path: 'gs://b/spec.json',
      }),
      {
        parameters: { temp_location: 'gs://b/tmp' },
        end: true,
      },
    ),
  },
});

let r: RelRuntime;
/** A running (A launched, its completion held back) and a finished execution. */
let running: string;
let finished: string;
let endOfA: LogEntry;
let callbackOfA: CallbackMessage;
let finishedCallback: CallbackMessage;
let finishedEndLine: LogEntry;

/** The keyed trace id of a step attempt, as the engine computes it with the deployment secret. */
const traceOf = (executionId: string, path: string, attempt: number) =>
  traceFor(executionId, path, attempt, LOCAL_CALLBACK_SECRET);
/** The trace id anyone can compute from public data (the unkeyed form of executions started before keyed traces). */
const publicTraceOf = (executionId: string, path: string, attempt: number) =>
  traceFor(executionId, path, attempt);

const handle = (raw: unknown) => handleEngineMessage(raw, r.runtime, { via: 'push' });

async function snapshot(executionId: string): Promise<string> {
  const db = r.runtime.db;
  const head = db.collection('executions').doc(executionId);
  const [h, events, signals, inbox, commands] = await Promise.all([
    head.get(),
    head.collection('events').get(),
    head.collection('signals').get(),
    head.collection('inbox').get(),
    head.collection('commands').get(),
  ]);
  return JSON.stringify({
    head: h.data(),
    events: events.docs.map((d) => d.id),
    signals: signals.docs.map((d) => d.id),
    inbox: inbox.docs.map((d) => d.id),
    commands: commands.docs.map((d) => [d.id, d.get('status')]),
  });
}

beforeAll(async () => {
  r = await startRuntime([chain, job]);
  r.dataflow.setBehavior('rel-h-failing', { outcome: 'fail', failCause: 'injected worker failure' });
  const store = r.runtime.store;

  finished = (await store.startExecution(chain, { case: 'finished' })).executionId;
  for (const path of ['A', 'B']) {
    const cb = await eventually(() => r.callbacks.find((c) => c.executionId === finished && c.path === path));
    expect((await handle(cb)).status).toBe('applied');
    if (path === 'A') finishedCallback = cb;
  }
  finishedEndLine = await eventually(() => endLine(r.entries, traceOf(finished, 'B', 1).traceId));
  expect((await store.getHead(finished))?.status).toBe('SUCCEEDED');

  running = (await store.startExecution(chain, { case: 'running' })).executionId;
  endOfA = await eventually(() => endLine(r.entries, traceOf(running, 'A', 1).traceId));
  callbackOfA = await eventually(() => r.callbacks.find((c) => c.executionId === running && c.path === 'A'));
}, 60_000);
afterAll(() => r.close());

// --- builders of hostile inputs, from the genuine messages of the running execution ---
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const withText = (e: LogEntry, text: string): LogEntry => ({ ...clone(e), textPayload: text });
const withTrace = (e: LogEntry, traceId: string | undefined): LogEntry => {
  const c = clone(e) as LogEntry & { trace?: string };
  if (traceId === undefined) delete c.trace;
  else c.trace = `projects/rel-h/traces/${traceId}`;
  return c;
};
const asFunction = (e: LogEntry, name: string): LogEntry => {
  const c = clone(e) as { resource: { labels: Record<string, string> } };
  c.resource.labels.function_name = name;
  return c as unknown as LogEntry;
};
const padded = (e: LogEntry, totalBytes: number): LogEntry => {
  const base = JSON.stringify({ ...e, labels: { ...(e.labels ?? {}), pad: '' } }).length;
  return { ...clone(e), labels: { ...(e.labels ?? {}), pad: 'x'.repeat(Math.max(0, totalBytes - base)) } };
};
const timer = (
  executionId: string,
  path: string,
  attempt: number,
  kind: 'retry' | 'wait' | 'timeout',
  commandId?: string,
) => ({
  kind: 'firestep.timer',
  executionId,
  path,
  attempt,
  timer: kind,
  commandId: commandId ?? `timer-${kind}~${encodeURIComponent(path)}~${attempt}`,
});
const FORGED_TOKEN = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const KIB = 1024;

type Expected = EngineOutcome['status'];
interface Hostile {
  name: string;
  raw: () => unknown;
  expect: Expected | Expected[];
}

const HOSTILE: Hostile[] = [
  // envelopes and encodings
  {
    name: 'push body whose data is not base64',
    raw: () => ({ message: { data: '!!!not base64***', messageId: 'h1' } }),
    expect: 'deadLettered',
  },
  {
    name: 'push body whose data is base64 of text',
    raw: () => pushBody('Function execution took 5 ms', 'h2'),
    expect: 'deadLettered',
  },
  {
    name: 'push body whose data is a JSON array',
    raw: () => pushBody([endOfA], 'h3'),
    expect: 'deadLettered',
  },
  {
    name: 'push body without message',
    raw: () => ({ subscription: 'projects/x/subscriptions/y' }),
    expect: 'deadLettered',
  },
  {
    name: 'push body without data',
    raw: () => ({ message: { messageId: 'h4' } }),
    expect: ['deadLettered', 'ignored'],
  },
  { name: 'empty string', raw: () => '', expect: 'deadLettered' },
  {
    name: 'the genuine end line, truncated',
    raw: () => JSON.stringify(endOfA).slice(0, 80),
    expect: 'deadLettered',
  },
  {
    name: 'invalid UTF-8 bytes',
    raw: () => new Uint8Array([0xff, 0xfe, 0x7b, 0x80]),
    expect: 'deadLettered',
  },
  { name: 'a number', raw: () => 42, expect: 'deadLettered' },
  { name: 'null', raw: () => null, expect: 'deadLettered' },
  {
    name: 'the genuine end line nested in 5 push envelopes',
    raw: () => [1, 2, 3, 4, 5].reduce<unknown>((p, i) => pushBody(p, `n${i}`), endOfA),
    expect: 'deadLettered',
  },
  // size limits (a LogEntry is at most 256 KiB)
  {
    name: 'the genuine end line padded over 256 KiB',
    raw: () => padded(endOfA, 256 * KIB + 512),
    expect: 'deadLettered',
  },
  {
    name: 'the genuine end line padded over 256 KiB, in a push body',
    raw: () => pushBody(padded(endOfA, 256 * KIB + 512), 'h5'),
    expect: 'deadLettered',
  },
  {
    name: 'an end line of an unknown trace at 255 KiB',
    raw: () => padded(withTrace(endOfA, 'f'.repeat(32)), 255 * KIB),
    expect: 'notOurs',
  },
  { name: 'a 1 MiB push body', raw: () => pushBody('x'.repeat(1024 * KIB), 'h6'), expect: 'deadLettered' },
  // wrong schema
  {
    name: 'LogEntry with a numeric resource.type',
    raw: () => ({ ...clone(endOfA), resource: { type: 7 } }),
    expect: 'deadLettered',
  },
  {
    name: 'LogEntry without resource',
    raw: () => ({ ...clone(endOfA), resource: undefined }),
    expect: 'deadLettered',
  },
  {
    name: 'callback with a string attempt',
    raw: () => ({ ...callbackOfA, attempt: '1' }),
    expect: 'deadLettered',
  },
  {
    name: 'callback with an unknown outcome',
    raw: () => ({ ...callbackOfA, outcome: 'maybe' }),
    expect: 'deadLettered',
  },
  {
    name: 'callback with a short token',
    raw: () => ({ ...callbackOfA, token: 'short' }),
    expect: 'deadLettered',
  },
  {
    name: 'failed callback without error',
    raw: () => ({ ...callbackOfA, outcome: 'failed', output: undefined }),
    expect: ['deadLettered', 'ignored'],
  },
  {
    name: 'timer with a mismatched command id',
    raw: () => timer(running, 'A', 1, 'timeout', 'launch~A~1'),
    expect: 'deadLettered',
  },
  {
    name: 'unknown firestep message kind',
    raw: () => ({ ...callbackOfA, kind: 'firestep.nope' }),
    expect: 'deadLettered',
  },
  {
    name: 'CloudEvent without id',
    raw: () => ({
      specversion: '1.0',
      type: 'google.cloud.dataflow.job.v1beta3.statusChanged',
      source: 'x',
      data: {},
    }),
    expect: 'deadLettered',
  },
  // forged or misdirected
  {
    name: 'callback with a forged token',
    raw: () => ({ ...callbackOfA, token: FORGED_TOKEN }),
    expect: 'deadLettered',
  },
  {
    name: 'callback of the running execution claiming the finished one',
    raw: () => ({ ...callbackOfA, executionId: finished }),
    expect: 'deadLettered',
  },
  {
    name: 'callback with A’s token claiming step B',
    raw: () => ({ ...callbackOfA, path: 'B' }),
    expect: 'deadLettered',
  },
  {
    name: 'callback with A’s token claiming attempt 2',
    raw: () => ({ ...callbackOfA, attempt: 2 }),
    expect: 'deadLettered',
  },
  {
    name: 'callback for an execution that does not exist',
    raw: () => ({ ...callbackOfA, executionId: 'no-such-execution' }),
    expect: 'deadLettered',
  },
  {
    name: 'end line with the trace of an attempt never launched',
    raw: () => withTrace(endOfA, traceOf(running, 'A', 2).traceId),
    expect: 'notOurs',
  },
  {
    name: 'end line with the trace of a step not started',
    raw: () => withTrace(endOfA, traceOf(running, 'B', 1).traceId),
    expect: 'notOurs',
  },
  {
    name: 'A’s success line forged with the trace id computed from public data (sha256 of execution, path, attempt)',
    raw: () => withTrace(endOfA, publicTraceOf(running, 'A', 1).traceId),
    expect: 'notOurs',
  },
  {
    name: 'a status-500 line for A forged with the trace id computed from public data, in a push body',
    raw: () =>
      pushBody(
        withText(
          withTrace(endOfA, publicTraceOf(running, 'A', 1).traceId),
          'Function execution took 5 ms, finished with status code: 500',
        ),
        'forged-500',
      ),
    expect: 'notOurs',
  },
  {
    name: 'end line of an unknown trace',
    raw: () => withTrace(endOfA, '0123456789abcdef0123456789abcdef'),
    expect: 'notOurs',
  },
  {
    name: 'end line without a trace',
    raw: () => withTrace(endOfA, undefined),
    expect: ['notOurs', 'ignored'],
  },
  {
    name: 'Dataflow "Workflow failed." of an unknown job',
    raw: () => ({
      ...jobMessage('2026-01-01_00_00_00-1', 'unknown-job'),
      textPayload: DATAFLOW_MESSAGES.workflowFailed('x'),
    }),
    expect: 'notOurs',
  },
  {
    name: 'Eventarc statusChanged DONE of an unknown job',
    raw: () => statusChanged('2026-01-01_00_00_00-2', 'JOB_STATE_DONE'),
    expect: ['notOurs', 'deadLettered'],
  },
  {
    name: 'a timeout timer for A’s current attempt published on the signal topic (not via the timer endpoint)',
    raw: () => pushBody(timer(running, 'A', 1, 'timeout'), 'forged-timer'),
    expect: ['deadLettered', 'notOurs'],
  },
  // finished executions, stale attempts, unknown executions
  // Its callbacks finished it; the end line (no output) has its own dedupe key since issue 13 item 5,
  // so it reaches decide, which ignores it: the execution is over.
  {
    name: 'the finished execution’s end line, after its callbacks',
    raw: () => finishedEndLine,
    expect: 'ignored',
  },
  {
    name: 'the finished execution’s callback, redelivered',
    raw: () => finishedCallback,
    expect: 'duplicate',
  },
  {
    name: 'a failure end line for the finished execution',
    raw: () => withText(finishedEndLine, 'Function execution took 5 ms, finished with status code: 500'),
    expect: 'ignored',
  },
  {
    name: 'a timeout timer of the finished execution',
    raw: () => timer(finished, 'B', 1, 'timeout'),
    expect: 'ignored',
  },
  {
    name: 'a retry timer for a stale attempt',
    raw: () => timer(running, 'A', 5, 'retry'),
    expect: 'ignored',
  },
  {
    name: 'a timeout timer for a stale attempt',
    raw: () => timer(running, 'A', 7, 'timeout'),
    expect: 'ignored',
  },
  { name: 'a wait timer for a Task step', raw: () => timer(running, 'A', 1, 'wait'), expect: 'ignored' },
  { name: 'a timer of a step not started', raw: () => timer(running, 'B', 1, 'timeout'), expect: 'ignored' },
  {
    name: 'a timer of an execution that does not exist',
    raw: () => timer('no-such-execution', 'A', 1, 'timeout'),
    expect: 'deadLettered',
  },
  // the engine's own entries, and noise
  {
    name: 'the engine’s own end line carrying A’s trace',
    raw: () => asFunction(endOfA, 'firestep-engine'),
    expect: 'ignored',
  },
  {
    name: 'the API function’s own end line carrying A’s trace',
    raw: () => asFunction(endOfA, 'firestep-api'),
    expect: 'ignored',
  },
  {
    name: '"Function execution started" of A',
    raw: () => withText(endOfA, 'Function execution started'),
    expect: 'ignored',
  },
  {
    name: 'user code printing "Workflow failed." in a function log',
    raw: () => withText(endOfA, 'Workflow failed. Causes: not really'),
    expect: 'ignored',
  },
  {
    name: 'a storage CloudEvent whose object has no bucket',
    raw: () => ({
      specversion: '1.0',
      id: 'st-1',
      type: 'google.cloud.storage.object.v1.finalized',
      source: '//storage.googleapis.com/projects/_/buckets/b',
      time: '2026-11-23T10:00:00Z',
      data: { name: 'o' },
    }),
    expect: 'deadLettered',
  },
];

function jobMessage(jobId: string, jobName: string): LogEntry {
  return {
    logName: 'projects/rel-h/logs/dataflow.googleapis.com%2Fjob-message',
    timestamp: '2026-11-23T10:00:00.000Z',
    receiveTimestamp: '2026-11-23T10:00:00.000Z',
    insertId: `df-${jobId}`,
    resource: {
      type: 'dataflow_step',
      labels: { job_id: jobId, job_name: jobName, project_id: 'rel-h', region: 'europe-west4', step_id: '' },
    },
    severity: 'ERROR',
    labels: {
      'dataflow.googleapis.com/job_id': jobId,
      'dataflow.googleapis.com/job_name': jobName,
      'dataflow.googleapis.com/log_type': 'system',
      'dataflow.googleapis.com/region': 'europe-west4',
    },
  } as LogEntry;
}

function statusChanged(jobId: string, state: string) {
  return {
    specversion: '1.0',
    id: `ev-${jobId}`,
    type: 'google.cloud.dataflow.job.v1beta3.statusChanged',
    source: '//dataflow.googleapis.com/projects/rel-h/locations/europe-west4',
    subject: `jobs/${jobId}`,
    time: '2026-11-23T10:00:00Z',
    datacontenttype: 'application/json',
    data: {
      id: jobId,
      name: 'unknown',
      projectId: 'rel-h',
      location: 'europe-west4',
      currentState: state,
      type: 'JOB_TYPE_BATCH',
    },
  };
}

describe('hostile inputs through handleEngineMessage against real executions', () => {
  it('has at least 40 of them', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(40);
  });

  for (const h of HOSTILE) {
    it(`${h.name} → ${[h.expect].flat().join(' | ')}, and no execution changes`, async () => {
      // given
      const before = [await snapshot(running), await snapshot(finished)];

      // when
      const outcome = await handle(h.raw());

      // then
      expect([h.expect].flat()).toContain(outcome.status);
      if (outcome.status === 'deadLettered') {
        const letter = await r.runtime.db
          .collection('deadletters')
          .doc(outcome.deadLetterId ?? '-')
          .get();
        expect(letter.exists).toBe(true);
        expect(String(letter.get('reason'))).not.toBe('');
      }
      expect([await snapshot(running), await snapshot(finished)]).toEqual(before);
    });
  }

  it('after all of them, the genuine completion of A is still applied once and B is launched', async () => {
    expect((await handle(pushBody(endOfA, 'genuine-1'))).status).toBe('applied');
    // A does not wait for its callback: the callback's output, after the end line, is recorded as
    // LateOutputRejected (issue 13 item 5), once, and changes nothing else.
    expect((await handle(callbackOfA)).status).toBe('applied');
    expect((await handle(callbackOfA)).status).toBe('duplicate');
    const { head, events } = await assertInvariants(r.runtime.db, running);
    expect(events.filter((e) => e.type === 'LateOutputRejected')).toMatchObject([{ path: 'A', attempt: 1 }]);
    expect(head.steps.A?.status).toBe('SUCCEEDED');
    expect(head.steps.B?.status).toMatch(/LAUNCHING|RUNNING/);
    await assertInvariants(r.runtime.db, finished);
  });
});

describe('success claimed while jobs.get says FAILED', () => {
  it('given a Dataflow job that failed, when only its "Worker pool stopped." line arrives (which also ends successful jobs), then the step is recorded FAILED after asking jobs.get — never SUCCEEDED', async () => {
    // given
    const { executionId } = await r.runtime.store.startExecution(job, {});
    const head = await eventually(async () => {
      const h = await r.runtime.store.getHead(executionId);
      return h?.steps.Job?.receipt?.jobId ? h : undefined;
    });
    const jobId = String(head.steps.Job?.receipt?.jobId);
    const stopped = await eventually(() =>
      r.entries.find(
        (e) => e.resource?.labels?.job_id === jobId && e.textPayload === DATAFLOW_MESSAGES.workerPoolStopped,
      ),
    );

    // when
    const outcome = await handle(pushBody(stopped, 'wps-1'));
    const again = await handle(pushBody(stopped, 'wps-2'));

    // then
    expect(outcome.status).toBe('applied');
    expect(again.status).toBe('duplicate');
    const { head: after, events } = await assertInvariants(r.runtime.db, executionId);
    expect(after.status).toBe('FAILED');
    expect(events.some((e) => e.type === 'StepSucceeded')).toBe(false);
  });
});

describe('hostile requests through the deployed HTTP handlers (API function, engine push function)', () => {
  let api: Served;
  let push: Served;
  beforeAll(async () => {
    api = await serveApi(r.runtime);
    push = await serveEnginePush(r.runtime);
  });
  afterAll(async () => {
    await api?.close();
    await push?.close();
  });

  it('given a running step, when a bare timeout timer without any token is posted to POST /v1/callbacks (the route that skips OIDC), then it is refused 4xx and dead-lettered, and nothing changes', async () => {
    // given
    const before = await snapshot(running);

    // when
    const res = await call(api.url, 'POST', '/v1/callbacks', timer(running, 'A', 1, 'timeout'));

    // then
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(JSON.stringify(res.body)).toMatch(/accepts only callback/);
    expect(await snapshot(running)).toEqual(before);
  });

  it('given a running step, when a log line of A is posted to POST /v1/callbacks, then it is refused 4xx and nothing changes', async () => {
    const before = await snapshot(running);
    const res = await call(api.url, 'POST', '/v1/callbacks', endOfA);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await snapshot(running)).toEqual(before);
  });

  it('given a genuine callback, when it is posted to POST /v1/timers without a token, then it is refused 401 (the timer route never takes callbacks unauthenticated)', async () => {
    const before = await snapshot(running);
    const res = await call(api.url, 'POST', '/v1/timers', callbackOfA);
    expect(res.status).toBe(401);
    expect(await snapshot(running)).toEqual(before);
  });

  const ODD_IDS = ['__x__', 'a%2Fb', '%2F', '.', '%2E', '..', '%2E%2E', '__name__', `x${'y'.repeat(1600)}`];
  for (const id of ODD_IDS) {
    for (const [method, suffix] of [
      ['GET', ''],
      ['GET', '/events'],
      ['POST', ':cancel'],
      ['POST', ':redrive'],
    ] as const) {
      // `GET /v1/executions/.` is the path `/v1/executions/` to the server (URL dot-segment rule): a list.
      if (suffix === '' && (id === '.' || id === '%2E')) continue;
      it(`${method} /v1/executions/${id.length > 20 ? `${id.slice(0, 12)}…(${id.length} chars)` : id}${suffix} → 4xx with one line naming the id, never 500`, async () => {
        const res = await call(
          api.url,
          method,
          `/v1/executions/${id}${suffix}`,
          method === 'POST' ? {} : undefined,
        );
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        const error = res.body.error as { message?: string } | undefined;
        expect(error?.message ?? '').not.toMatch(/internal error/);
      });
    }
  }

  it('a push body of JSON nested 100,000 deep → acknowledged as a dead letter (2xx), never a 500 that Pub/Sub redelivers', async () => {
    const depth = 100_000;
    for (const deep of [
      `${'['.repeat(depth)}${']'.repeat(depth)}`,
      `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    ]) {
      const raw = `{"message":{"data":"${Buffer.from(deep).toString('base64')}","messageId":"deep-${deep[0]}"},"subscription":"projects/rel/subscriptions/s"}`;
      const res = await call(push.url, 'POST', '/', raw);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('deadLettered');
    }
  });

  it('a request body that is itself JSON nested 100,000 deep → 4xx or a dead letter, never a 500', async () => {
    const depth = 100_000;
    const deep = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const viaPush = await call(push.url, 'POST', '/', deep);
    expect(viaPush.status).toBeLessThan(500);
    const viaCallback = await call(api.url, 'POST', '/v1/callbacks', deep);
    expect(viaCallback.status).toBeGreaterThanOrEqual(400);
    expect(viaCallback.status).toBeLessThan(500);
  });
});

describe('the CLI against a closed pipe', () => {
  it('given `signals parse` of a large log file piped into `head -1`, when head closes the pipe, then the command ends quietly (no EPIPE stack on stderr)', async () => {
    // given
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { spawnSync } = await import('node:child_process');
    const line = readFileSync('test/fixtures/logs/cloud-functions-gen1.jsonl', 'utf8').split('\n')[0] ?? '';
    const dir = mkdtempSync(join(tmpdir(), 'firestep-epipe-'));
    const big = join(dir, 'big.jsonl');
    writeFileSync(big, `${line}\n`.repeat(20_000));

    // when
    const run = spawnSync('bash', ['-c', `npx tsx cli/main.ts signals parse ${big} | head -1`], {
      encoding: 'utf8',
      timeout: 120_000,
    });

    // then
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/EPIPE|at .*\(.*:\d+:\d+\)|Error:/);
  }, 150_000);
});

describe('the CLI without Google credentials (issue 13 item 9)', () => {
  it.each([
    ['status', '--project', 'foo'],
    ['cancel', 'some-flow~some-name', '--project', 'foo'],
  ])('given no application-default credentials, when `%s … --project foo`, then one line with a hint and exit 1 (no stack)', async (...args) => {
    // given: no ADC file, no metadata server, no emulator
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { spawnSync } = await import('node:child_process');
    const home = mkdtempSync(join(tmpdir(), 'firestep-no-adc-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: home,
      METADATA_SERVER_DETECTION: 'none',
      NO_COLOR: '1',
    };
    for (const name of ['FIRESTORE_EMULATOR_HOST', 'GOOGLE_APPLICATION_CREDENTIALS', 'CLOUDSDK_CONFIG'])
      delete env[name];

    // when
    const run = spawnSync(process.execPath, ['bin/firestep.js', ...args], {
      encoding: 'utf8',
      env,
      timeout: 90_000,
    });

    // then
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no Google credentials .*gcloud auth application-default login/);
    expect(run.stderr).not.toMatch(/at .*\(.*:\d+:\d+\)|googleauth\.js/);
  }, 120_000);
});

describe('a named local run reused with another input (issue 13 item 9)', () => {
  it('given `run --local --name w1` recorded with one input, when run again with a different input, then EXECUTION_CONFLICT in one line, exit 1, and the first record is kept', async () => {
    // given
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join, resolve } = await import('node:path');
    const { spawnSync } = await import('node:child_process');
    const cwd = mkdtempSync(join(tmpdir(), 'firestep-w1-'));
    const bin = resolve('bin/firestep.js');
    const sample = resolve('examples/sample-dag.json');
    const run = (input: string) =>
      spawnSync(process.execPath, [bin, 'run', sample, '--local', '--name', 'w1', '--input', input], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, FIRESTEP_LOG: 'error', NO_COLOR: '1' },
        timeout: 120_000,
      });
    expect(run('{"date": "2024-05-01"}').status).toBe(0);
    const record = join(cwd, '.firestep/runs/sample-dag~w1.head.json');

    // when
    const second = run('{"date": "2024-05-02"}');

    // then
    expect(second.status).toBe(1);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toMatch(
      /EXECUTION_CONFLICT: local run "sample-dag~w1" already ran with a different input/,
    );
    expect(JSON.parse(readFileSync(record, 'utf8')).input).toEqual({ date: '2024-05-01' });
  }, 240_000);
});
