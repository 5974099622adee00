/**
 * Python functions on firestep, end to end: two functions written with sdk/python/firestep.py
 * (examples/python/main.py), served by sdk/python/serve.py in a python3 process, launched by the
 * local engine on the Firestore emulator; their callbacks go to the real API function (`/v1/callbacks`)
 * — the only completion signal here (no log sink) — so the second step's input is the first step's
 * output, carried by the Python helper. Then the helper's own unittest suite runs against that API
 * and the Pub/Sub emulator.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import * as functions from '@google-cloud/functions-framework';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { loadFlowFromJson } from '../../engine/flow/json-reader.ts';
import { createApiHandler } from '../../functions/api/handler.ts';
import { createLocalRuntime } from '../../runtime/create-local-runtime.ts';
import { FlowRegistry } from '../../runtime/registry/registry.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { eventually, serve, testPushAuth } from '../functions/support.ts';
import { testFirestore } from '../support/firestore.ts';

process.env.FIRESTEP_LOG = 'silent';
const fs = testFirestore('python-sdk');
const chain = loadFlowFromJson(readFileSync('examples/python-chain.json', 'utf8'), 'python-chain');

let python: ChildProcess | undefined;
let runtime: Runtime | undefined;
let api: { url: string; close(): Promise<void> };

/** Start `serve.py` on a free port; resolves with its URL (its first stdout line). */
async function servePython(): Promise<string> {
  const child = spawn('python3', ['../../sdk/python/serve.py', 'main', '--port', '0'], {
    cwd: 'examples/python',
    env: { ...process.env, PYTHONPATH: '../../sdk/python', PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  python = child;
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`serve.py exited with ${code}`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { listening: string }).listening));
  });
}

beforeAll(async () => {
  const pythonUrl = await servePython();
  let ready: (r: Runtime) => void = () => {};
  const runtimeReady = new Promise<Runtime>((r) => (ready = r));
  functions.http(
    'firestepApi',
    createApiHandler(() => runtimeReady, testPushAuth('https://api.example/v1/timers')),
  );
  api = await serve('firestepApi');
  runtime = await createLocalRuntime(
    {
      projectId: fs.projectId,
      // Every CloudFunction launch goes to the Python server; this flow has no Dataflow step.
      fakes: { functionHostUrl: pythonUrl, dataflowUrl: 'http://127.0.0.1:9' },
      replyTo: { url: `${api.url}/v1/callbacks` },
    },
    { db: fs.db, registry: FlowRegistry.of([chain]) },
  );
  ready(runtime);
});

afterAll(async () => {
  python?.kill();
  await api?.close();
  await runtime?.close();
  await fs.cleanup();
});

async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return (await res.json()) as Record<string, unknown>;
}

describe('Python functions using firestep.py on the local engine', () => {
  it('given CountRows → Summarize in Python, when run, then Summarize receives CountRows output and the log lines and metadata are in the history', async () => {
    const started = await call('POST', '/v1/executions', {
      flowId: 'python-chain',
      input: { table: 'orders' },
    });
    const id = started.executionId as string;
    const head = await eventually(async () => {
      const h = await call('GET', `/v1/executions/${encodeURIComponent(id)}`);
      return h.status === 'SUCCEEDED' || h.status === 'FAILED' ? h : undefined;
    }, 30_000);
    expect(head).toMatchObject({ status: 'SUCCEEDED', output: { summary: 'orders has 36 rows' } });

    const { events } = (await call('GET', `/v1/executions/${encodeURIComponent(id)}/events`)) as {
      events: ExecutionEvent[];
    };
    const of = (path: string, type: ExecutionEvent['type']) =>
      events.find((e) => e.type === type && 'path' in e && e.path === path) as Record<string, unknown>;
    expect(of('CountRows', 'StepLogged')).toMatchObject({
      lines: ['counting rows of orders'],
      metadata: { table: 'orders', rows: 36 },
    });
    expect(of('CountRows', 'StepSucceeded')).toMatchObject({
      output: { table: 'orders', rows: 36 },
      source: { kind: 'callback' },
    });
    expect(of('Summarize', 'StepLogged')).toMatchObject({
      lines: [`step Summarize, attempt 1 of execution ${id}`],
    });
    expect(of('Summarize', 'StepSucceeded')).toMatchObject({
      output: { summary: 'orders has 36 rows' },
      source: { kind: 'callback' },
    });
  });

  it('given a Python function that raises, when run, then the step fails with the exception name and message', async () => {
    const started = await call('POST', '/v1/executions', { flowId: 'python-chain', input: { table: '' } });
    const id = started.executionId as string;
    const head = await eventually(async () => {
      const h = await call('GET', `/v1/executions/${encodeURIComponent(id)}`);
      return h.status === 'SUCCEEDED' || h.status === 'FAILED' ? h : undefined;
    }, 30_000);
    expect(head.status).toBe('FAILED');
    const { events } = (await call('GET', `/v1/executions/${encodeURIComponent(id)}/events`)) as {
      events: ExecutionEvent[];
    };
    expect(events.find((e) => e.type === 'StepFailed')).toMatchObject({
      path: 'CountRows',
      source: { kind: 'callback' },
      error: { name: 'ValueError', message: 'input.table is empty' },
    });
    expect(events.some((e) => 'path' in e && e.path === 'Summarize')).toBe(false);
  });

  it('passes the Python helper’s own tests (python3 -m unittest) against this API and the Pub/Sub emulator', async () => {
    // Asynchronously: the API the tests call is served by this very process.
    const report = await new Promise<string>((resolve) => {
      execFile(
        'python3',
        ['-m', 'unittest', '-v'],
        {
          cwd: 'sdk/python',
          env: { ...process.env, FIRESTEP_TEST_API_URL: api.url, FIRESTEP_LOG: 'silent' },
          timeout: 120_000,
        },
        (_error, stdout, stderr) => resolve(`${stdout}\n${stderr}`),
      );
    });
    expect(report, report).toMatch(/\nOK\s*$/);
    expect(report).not.toContain('skipped');
    expect(Number(/Ran (\d+) tests/.exec(report)?.[1])).toBeGreaterThanOrEqual(8);
  });
});
