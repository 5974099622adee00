import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpLauncher } from '../../adapters/http/launcher.ts';
import type { HttpTarget } from '../../engine/flow/model.ts';
import { CONTEXT, closedPort, launchCommand } from './support.ts';

/** A tiny endpoint: path `/status/<code>` answers that code; `/hang` never answers. */
describe('Http launcher against a local endpoint', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body });
        if (req.url === '/hang') return;
        const code = Number(/\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(code === 204 ? '' : JSON.stringify({ echoed: body ? JSON.parse(body).input : null, code }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const target = (path: string, over: Partial<HttpTarget> = {}): HttpTarget => ({
    type: 'Http',
    name: 'partner',
    url: `${base}${path}`,
    ...over,
  });
  const launcher = new HttpLauncher({
    context: CONTEXT,
    env: { PARTNER_TOKEN: 'tok-123' },
    requestTimeoutMs: 10_000,
  });

  it('given sync mode and a 200 JSON answer, then the launch carries the completion with the body as output, trace headers and the resolved input sent', async () => {
    const cmd = launchCommand(target('/status/200'), { executionId: 'e-h1', input: { rows: 3 } });
    const result = await launcher.launch(cmd);
    expect(result).toEqual({
      status: 'launched',
      receipt: { target: 'Http', traceId: cmd.trace.traceId, url: `${base}/status/200`, httpStatus: 200 },
      completion: { outcome: 'succeeded', output: { echoed: { rows: 3 }, code: 200 } },
    });
    const req = seen.find((s) => s.body.includes('e-h1'));
    expect(req?.headers.traceparent).toBe(`00-${cmd.trace.traceId}-${cmd.trace.spanId}-01`);
    expect(JSON.parse(req?.body ?? '{}')).toMatchObject({
      input: { rows: 3 },
      firestep: { executionId: 'e-h1', traceId: cmd.trace.traceId },
    });
  });

  it('given sync mode and a 404, then the step completes failed (not a launch failure, not retried)', async () => {
    const result = await launcher.launch(launchCommand(target('/status/404')));
    expect(result).toMatchObject({
      status: 'launched',
      completion: { outcome: 'failed', error: { kind: 'http', cause: { status: 404 } } },
    });
  });

  it.each([500, 503, 429, 408])('given %i, then the launch is retryable', async (code) => {
    expect((await launcher.launch(launchCommand(target(`/status/${code}`)))).status).toBe('retry');
  });

  it('given no answer before the deadline, then the launch is retryable', async () => {
    const impatient = new HttpLauncher({ context: CONTEXT, requestTimeoutMs: 100 });
    expect(await impatient.launch(launchCommand(target('/hang')))).toMatchObject({
      status: 'retry',
      error: { cause: { network: 'TIMEOUT' } },
    });
  });

  it('given nothing listening, then retryable', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/x`;
    expect((await launcher.launch(launchCommand({ type: 'Http', name: 'down', url }))).status).toBe('retry');
  });

  it('given async mode, then 2xx is accepted without completion and 4xx fails the launch', async () => {
    const ok = await launcher.launch(launchCommand(target('/status/202', { mode: 'async' })));
    expect(ok.status).toBe('launched');
    expect(ok.status === 'launched' && ok.completion).toBeUndefined();
    expect((await launcher.launch(launchCommand(target('/status/400', { mode: 'async' })))).status).toBe(
      'failed',
    );
  });

  it('given bearer auth, then the secret from the named variable is sent; a missing variable fails naming it', async () => {
    await launcher.launch(
      launchCommand(target('/status/200?bearer', { auth: { type: 'bearer', secret_env: 'PARTNER_TOKEN' } })),
    );
    expect(seen.find((s) => s.url.endsWith('?bearer'))?.headers.authorization).toBe('Bearer tok-123');
    const missing = await launcher.launch(
      launchCommand(target('/status/200', { auth: { type: 'bearer', secret_env: 'NOPE_TOKEN' } })),
    );
    expect(missing).toMatchObject({
      status: 'failed',
      error: { message: expect.stringContaining('NOPE_TOKEN') },
    });
  });

  it('given OIDC auth, then the ID token for the audience is sent', async () => {
    const oidc = new HttpLauncher({ context: CONTEXT, idToken: async (aud) => `Bearer id-for-${aud}` });
    await oidc.launch(
      launchCommand(
        target('/status/200?oidc', { auth: { type: 'oidc', audience: 'https://partner.example' } }),
      ),
    );
    expect(seen.find((s) => s.url.endsWith('?oidc'))?.headers.authorization).toBe(
      'Bearer id-for-https://partner.example',
    );
  });

  it('given GET, then no body is sent and an empty 204 completes with null output', async () => {
    const result = await launcher.launch(launchCommand(target('/status/204', { method: 'GET' })));
    expect(result).toMatchObject({ status: 'launched', completion: { outcome: 'succeeded', output: null } });
  });
});
