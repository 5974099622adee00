import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startFakeFunctionHost } from '../../adapters/fakes/function-host.ts';
import {
  EndpointError,
  fakeEndpointUrl,
  parseFakeEndpointPath,
  startFakeHttpEndpoint,
} from '../../adapters/fakes/http-endpoint.ts';
import type { LogEntry } from '../../adapters/fakes/log-entries.ts';
import { HttpLauncher } from '../../adapters/http/launcher.ts';
import { localHttpOptions } from '../../adapters/http/local.ts';
import { firestepContext } from '../../adapters/shared/context.ts';
import type { HttpTarget } from '../../engine/flow/model.ts';
import type { CallbackMessage } from '../../engine/signals/wire/callback.ts';
import { CONTEXT, eventually, launchCommand } from './support.ts';

const target = (over: Partial<HttpTarget> = {}): HttpTarget => ({
  type: 'Http',
  name: 'partner',
  url: 'https://partner.example.com/v2/run?x=1',
  ...over,
});

describe('fake endpoint URLs', () => {
  it.each([
    ['https://partner.example.com/v2/run?x=1', 'sync'],
    ['http://10.0.0.7:8080/hook', 'async'],
    ['https://h.example.com', 'sync'],
  ] as const)('given %s in %s mode, when mapped and parsed back, then the URL, name and mode survive', (url, mode) => {
    const mapped = new URL(fakeEndpointUrl('http://127.0.0.1:4100/', target({ url, mode, name: 'a b/c' })));

    expect(mapped.origin).toBe('http://127.0.0.1:4100');
    expect(parseFakeEndpointPath(mapped.pathname, mapped.search)).toEqual({
      mode,
      name: 'a b/c',
      url: new URL(url).href,
    });
  });

  it('given a path the mapping never makes, when parsed, then it is not a route', () => {
    expect(parseFakeEndpointPath('/other/x/https/h', '')).toBeUndefined();
    expect(parseFakeEndpointPath('/sync/%E0%A4%A/https/h', '')).toBeUndefined();
  });
});

describe('fake HTTP endpoint through the Http launcher (local options)', () => {
  it('given a sync POST with a bearer secret that is not set, when launched, then the fake gets method, trace, placeholder token and body, and its echo is the output', async () => {
    const endpoint = await startFakeHttpEndpoint();
    try {
      const launcher = new HttpLauncher({ context: CONTEXT, env: {}, ...localHttpOptions(endpoint.url) });
      const cmd = launchCommand(target({ auth: { type: 'bearer', secret_env: 'PARTNER_TOKEN' } }), {
        input: { day: 3 },
      });

      const result = await launcher.launch(cmd);

      expect(result).toMatchObject({
        status: 'launched',
        receipt: { target: 'Http', url: 'https://partner.example.com/v2/run?x=1', httpStatus: 200 },
        completion: {
          outcome: 'succeeded',
          output: {
            target: 'partner',
            method: 'POST',
            url: 'https://partner.example.com/v2/run?x=1',
            input: { day: 3 },
          },
        },
      });
      const [call] = endpoint.calls;
      expect(call?.headers.authorization).toBe('Bearer firestep-local-partner_token');
      expect(call?.trace?.traceId).toBe(cmd.trace.traceId);
      expect(call?.context).toEqual(firestepContext(CONTEXT, cmd));
    } finally {
      await endpoint.close();
    }
  });

  it('given a sync GET with oidc, when launched, then no body is sent and the Authorization header is an unsigned token for the URL', async () => {
    const endpoint = await startFakeHttpEndpoint();
    try {
      const launcher = new HttpLauncher({ context: CONTEXT, ...localHttpOptions(endpoint.url) });

      const result = await launcher.launch(launchCommand(target({ method: 'GET', auth: { type: 'oidc' } })));

      expect(result).toMatchObject({
        completion: { outcome: 'succeeded', output: { method: 'GET', input: null } },
      });
      const token = String(endpoint.calls[0]?.headers.authorization).replace(/^Bearer /, '');
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
      expect(claims).toEqual({ iss: 'firestep-local', aud: target().url, sub: 'firestep-local' });
      expect(endpoint.calls[0]?.body).toBeUndefined();
    } finally {
      await endpoint.close();
    }
  });

  it('given a failing sync endpoint, when launched, then the step fails with the status (422), while a 503 is a transient launch fault', async () => {
    const endpoint = await startFakeHttpEndpoint();
    try {
      const launcher = new HttpLauncher({ context: CONTEXT, ...localHttpOptions(endpoint.url) });
      endpoint.setBehavior('partner', { kind: 'fail', message: 'no such sku' });
      endpoint.setBehavior('flaky', {
        kind: 'handler',
        run: () => {
          throw new EndpointError(503, 'try later');
        },
      });

      const failed = await launcher.launch(launchCommand(target()));
      const flaky = await launcher.launch(launchCommand(target({ name: 'flaky' })));

      expect(failed).toMatchObject({
        completion: {
          outcome: 'failed',
          error: {
            name: 'States.TaskFailed',
            kind: 'http',
            cause: { status: 422, body: { error: 'no such sku' } },
          },
        },
      });
      expect(flaky).toMatchObject({ status: 'retry', error: { cause: { status: 503 } } });
    } finally {
      await endpoint.close();
    }
  });

  it('given an async endpoint, when launched, then it is accepted with 202 and the output (or a thrown error) comes back as a callback', async () => {
    const callbacks: CallbackMessage[] = [];
    const endpoint = await startFakeHttpEndpoint({ onCallback: (m) => void callbacks.push(m) });
    try {
      const launcher = new HttpLauncher({ context: CONTEXT, ...localHttpOptions(endpoint.url) });
      endpoint.setBehavior('broken', {
        kind: 'handler',
        run: () => {
          throw new Error('disk full');
        },
      });
      const ok = launchCommand(target({ mode: 'async' }), { executionId: 'e-ok' });
      const bad = launchCommand(target({ mode: 'async', name: 'broken' }), { executionId: 'e-bad' });

      const accepted = await launcher.launch(ok);
      await launcher.launch(bad);
      await eventually(() => callbacks.length === 2);

      expect(accepted).toEqual({ status: 'launched', receipt: expect.objectContaining({ httpStatus: 202 }) });
      const token = (cmd: typeof ok) => firestepContext(CONTEXT, cmd).token;
      expect(callbacks.find((c) => c.executionId === 'e-ok')).toMatchObject({
        kind: 'firestep.callback',
        token: token(ok),
        outcome: 'succeeded',
        output: { target: 'partner', input: { n: 1 } },
      });
      expect(callbacks.find((c) => c.executionId === 'e-bad')).toMatchObject({
        token: token(bad),
        outcome: 'failed',
        error: { name: 'States.TaskFailed', message: 'disk full' },
      });
    } finally {
      await endpoint.close();
    }
  });

  it('given an async endpoint and no in-process callback, when launched, then the callback is POSTed to replyTo.url', async () => {
    const received: unknown[] = [];
    const api = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.end('{}');
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const port = (api.address() as { port: number }).port;
    const endpoint = await startFakeHttpEndpoint();
    try {
      const context = { secret: CONTEXT.secret, replyTo: { url: `http://127.0.0.1:${port}/v1/callbacks` } };
      const launcher = new HttpLauncher({ context, ...localHttpOptions(endpoint.url) });

      await launcher.launch(launchCommand(target({ mode: 'async' })));
      await eventually(() => received.length === 1);

      expect(received[0]).toMatchObject({ kind: 'firestep.callback', outcome: 'succeeded', path: 'Step1' });
    } finally {
      await endpoint.close();
      await new Promise((r) => api.close(r));
    }
  });

  it('given an async GET (no body, so no context to reply with), when launched, then the endpoint refuses it with a message saying why', async () => {
    const endpoint = await startFakeHttpEndpoint();
    try {
      const launcher = new HttpLauncher({ context: CONTEXT, ...localHttpOptions(endpoint.url) });

      const result = await launcher.launch(launchCommand(target({ mode: 'async', method: 'GET' })));

      expect(result).toMatchObject({
        status: 'failed',
        error: { message: expect.stringContaining('use POST or PUT') },
      });
      expect(endpoint.callbacks).toEqual([]);
    } finally {
      await endpoint.close();
    }
  });

  it('given malformed JSON, an unknown path, or a lagging endpoint that is closed, then 400, 404, and a dropped connection', async () => {
    const endpoint = await startFakeHttpEndpoint({ defaultBehavior: { kind: 'lag' } });
    const url = fakeEndpointUrl(endpoint.url, target());
    const bad = await fetch(url, { method: 'POST', body: '{not json' });
    const unknown = await fetch(`${endpoint.url}/nowhere`, { method: 'POST', body: '{}' });
    const hanging = fetch(url, { method: 'POST', body: '{}' });
    await eventually(() => endpoint.calls.length === 1);

    await endpoint.close();

    expect(bad.status).toBe(400);
    expect(unknown.status).toBe(404);
    await expect(hanging).rejects.toThrow();
    expect(endpoint.calls[0]?.status).toBeUndefined();
  });
});

describe('fake function host: callback before the platform log line', () => {
  it('given a callback whose delivery is slow, when the function finishes, then it answers but writes its end-of-execution line only after the delivery completed', async () => {
    const entries: LogEntry[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const delivered: string[] = [];
    const host = await startFakeFunctionHost({
      onLogEntry: (e) => entries.push(e),
      onCallback: async () => {
        await gate;
        delivered.push('callback');
      },
    });
    try {
      const cmd = launchCommand({ type: 'CloudFunction', name: 'fn' }, { input: { a: 1 } });
      const res = await fetch(host.functionUrl({ name: 'fn', project: 'p', region: 'us-central1' }), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: { a: 1 }, firestep: firestepContext(CONTEXT, cmd) }),
      });
      const finishedLines = () => entries.filter((e) => String(e.textPayload ?? '').includes('finished'));

      expect(res.status).toBe(200);
      expect(host.callbacks).toHaveLength(1);
      expect(finishedLines()).toEqual([]);
      release();
      await eventually(() => finishedLines().length === 1);
      expect(delivered).toEqual(['callback']);
    } finally {
      release();
      await host.close();
    }
  });
});
