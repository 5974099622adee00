import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCloudTasks } from '../../adapters/fakes/cloud-tasks.ts';
import { startFakeDataflow } from '../../adapters/fakes/dataflow.ts';
import { startFakeFunctionHost } from '../../adapters/fakes/function-host.ts';
import type { LogEntry } from '../../adapters/fakes/log-entries.ts';
import { contextAttributes, firestepContext } from '../../adapters/shared/context.ts';
import { parseTraceHeaders, traceHeaders } from '../../engine/signals/wire/trace-headers.ts';
import { CONTEXT, eventually, launchCommand } from './support.ts';

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('fake Dataflow REST details', () => {
  it("given an invalid job name, then 400 in Google's error format; given list filters, then only matching jobs", async () => {
    const fake = await startFakeDataflow({ defaultBehavior: { outcome: 'lag' } });
    try {
      const bad = await post(`${fake.url}v1b3/projects/p/locations/r/flexTemplates:launch`, {
        launchParameter: { jobName: 'Bad_Name', containerSpecGcsPath: 'gs://b/t' },
      });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
      await post(`${fake.url}v1b3/projects/p/locations/r/flexTemplates:launch`, {
        launchParameter: { jobName: 'a-job', containerSpecGcsPath: 'gs://b/t' },
      });
      const listed = await (
        await fetch(`${fake.url}v1b3/projects/p/locations/r/jobs?filter=TERMINATED`)
      ).json();
      expect(listed).toEqual({});
      const active = await (
        await fetch(`${fake.url}v1b3/projects/p/locations/r/jobs?filter=ACTIVE&name=a-job`)
      ).json();
      expect(active.jobs).toHaveLength(1);
      expect((await fetch(`${fake.url}v1b3/projects/p/locations/r/jobs/nope`)).status).toBe(404);
    } finally {
      await fake.close();
    }
  });
});

describe('fake function host details', () => {
  it('given a Pub/Sub push body with context attributes, then the function runs with the decoded input, logs with the message id and calls back', async () => {
    const entries: LogEntry[] = [];
    const host = await startFakeFunctionHost({ onLogEntry: (e) => entries.push(e), onCallback: () => {} });
    try {
      const cmd = launchCommand(
        { type: 'CloudFunction', name: 'onmsg', trigger: 'pubsub', topic: 't' },
        { executionId: 'e-push', input: { f: 'x.csv' } },
      );
      const attributes = contextAttributes(firestepContext(CONTEXT, cmd));
      const res = await post(`${host.url}/pubsub/p/us-central1/onmsg`, {
        message: {
          data: Buffer.from(JSON.stringify({ f: 'x.csv' })).toString('base64'),
          attributes,
          messageId: '4242',
        },
        subscription: 'projects/p/subscriptions/s',
      });
      expect(res.status).toBe(200);
      await eventually(() => entries.length === 2);
      expect(entries[1]).toMatchObject({
        labels: { execution_id: '4242' },
        resource: { labels: { function_name: 'onmsg' } },
      });
      expect(host.callbacks).toEqual([
        expect.objectContaining({ executionId: 'e-push', outcome: 'succeeded', output: { f: 'x.csv' } }),
      ]);
    } finally {
      await host.close();
    }
  });

  it('given a plain body without firestep context, then the body is the input and no callback is made; malformed JSON → 400', async () => {
    const host = await startFakeFunctionHost();
    try {
      const res = await post(`${host.url}/p/r/plain`, { a: 1 });
      expect(await res.json()).toEqual({ a: 1 });
      expect(host.callbacks).toEqual([]);
      const bad = await fetch(`${host.url}/p/r/plain`, { method: 'POST', body: '{nope' });
      expect(bad.status).toBe(400);
    } finally {
      await host.close();
    }
  });

  it('given a callback URL in the context and no in-process sink, then the SDK callback is POSTed there', async () => {
    const got: unknown[] = [];
    const sink: Server = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => {
        b += c;
      });
      req.on('end', () => {
        got.push(JSON.parse(b));
        res.end();
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
    const addr = sink.address();
    const replyUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/v1/callbacks`;
    const host = await startFakeFunctionHost();
    try {
      const cmd = launchCommand({ type: 'CloudFunction', name: 'cb' }, { executionId: 'e-cburl' });
      await post(
        `${host.url}/p/r/cb`,
        { input: 1, firestep: firestepContext({ ...CONTEXT, replyTo: { url: replyUrl } }, cmd) },
        traceHeaders(cmd.trace),
      );
      await eventually(() => got.length === 1);
      expect(got[0]).toMatchObject({
        kind: 'firestep.callback',
        executionId: 'e-cburl',
        outcome: 'succeeded',
        output: 1,
      });
    } finally {
      await host.close();
      sink.closeAllConnections();
      sink.close();
    }
  });
});

describe('fake Cloud Tasks details', () => {
  let target: Server;
  let url: string;
  let answers: number[] = [];
  let hits = 0;
  beforeAll(async () => {
    target = createServer((_req, res) => {
      hits += 1;
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    const addr = target.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/t`;
  });
  afterAll(() => {
    target.closeAllConnections();
    target.close();
  });

  it('given a task whose target answers 500 then 200, then it is redelivered until delivered; a duplicate name is 409', async () => {
    const fake = await startFakeCloudTasks({ retryDelayMs: 5 });
    try {
      answers = [500];
      hits = 0;
      const q = `${fake.url}/v2/projects/p/locations/l/queues/q/tasks`;
      const body = {
        task: { name: 'projects/p/locations/l/queues/q/tasks/one', httpRequest: { url, httpMethod: 1 } },
      };
      expect((await post(q, body)).status).toBe(200);
      expect(await (await post(q, body)).json()).toMatchObject({
        error: { code: 409, status: 'ALREADY_EXISTS' },
      });
      await eventually(
        () => fake.tasks.get('projects/p/locations/l/queues/q/tasks/one')?.state === 'delivered',
      );
      expect(fake.tasks.get('projects/p/locations/l/queues/q/tasks/one')?.attempts).toEqual([500, 200]);
      expect(hits).toBe(2);
      const badName = await post(q, {
        task: { name: 'projects/p/locations/l/queues/q/tasks/bad name!', httpRequest: { url } },
      });
      expect(badName.status).toBe(400);
    } finally {
      await fake.close();
    }
  });
});

describe('trace headers', () => {
  it('given a trace, then both headers round-trip through the parser; X-Cloud-Trace-Context alone is enough', () => {
    const trace = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
    const h = traceHeaders(trace);
    expect(h['X-Cloud-Trace-Context']).toBe('4bf92f3577b34da6a3ce929d0e0e4736/67667974448284343;o=1');
    expect(parseTraceHeaders({ traceparent: h.traceparent })).toEqual(trace);
    expect(parseTraceHeaders({ 'x-cloud-trace-context': h['X-Cloud-Trace-Context'] })).toEqual(trace);
    expect(parseTraceHeaders({ traceparent: 'garbage' })).toBeUndefined();
  });
});
