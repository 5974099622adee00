import { afterAll, describe, expect, it } from 'vitest';
import type { FakeHttpEndpoint } from '../../adapters/fakes/http-endpoint.ts';
import { loadFlowFile } from '../../cli/flow-file.ts';
import { runLocal } from '../../cli/local/run-local.ts';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { bufferedIo, e2eScope, eventsOf, seqOf } from './support.ts';

const scope = e2eScope('e2e-http');
afterAll(() => scope.cleanup());

const httpFlow = await loadFlowFile('test/e2e/flows/http.json');

/** Run locally; also hands back the run's fake endpoint, whose record of calls outlives the run. */
async function run(
  file: Awaited<ReturnType<typeof loadFlowFile>>,
  extra: Partial<Parameters<typeof runLocal>[0]> = {},
) {
  let endpoint: FakeHttpEndpoint | undefined;
  const result = await runLocal({
    definition: file,
    input: { sku: 'A-42' },
    io: bufferedIo(),
    recordDir: null,
    projectId: scope.project(),
    speed: 10,
    onStarted: (_id, env) => {
      endpoint = env.fakes.http;
    },
    ...extra,
  });
  if (!endpoint) throw new Error('the run never started');
  return { ...result, endpoint };
}

type Succeeded = Extract<ExecutionEvent, { type: 'StepSucceeded' }>;
const outputOf = (events: ExecutionEvent[], path: string) =>
  eventsOf(events, path).find((e): e is Succeeded => e.type === 'StepSucceeded')?.output;
const launchOf = (events: ExecutionEvent[], path: string) =>
  eventsOf(events, path).find(
    (e): e is Extract<ExecutionEvent, { type: 'StepLaunched' }> => e.type === 'StepLaunched',
  );

describe('run --local with Http targets', () => {
  it('given a sync and an async Http step, when run, then both reach the fake endpoint with their method, trace, auth and body, and their outputs flow on', async () => {
    const { exitCode, head, events, endpoint } = await run(httpFlow);

    expect(exitCode).toBe(0);
    expect(head.status).toBe('SUCCEEDED');
    expect(outputOf(events, 'Quote')).toEqual({
      target: 'pricing',
      step: 'Quote',
      attempt: 1,
      url: 'https://pricing.example.com/v1/quote?currency=EUR',
      input: { sku: 'A-42' },
    });
    // The async step's output came by callback, after a 202.
    expect(outputOf(events, 'Render')).toMatchObject({ target: 'renderer', input: { price: 'A-42' } });
    expect(outputOf(events, 'Archive')).toMatchObject({
      function: 'archive',
      input: { rendered: 'renderer' },
    });
    expect(seqOf(events, 'StepSucceeded', 'Quote')).toBeLessThan(seqOf(events, 'StepLaunched', 'Render'));

    const [quote, render] = endpoint.calls;
    expect(endpoint.calls).toHaveLength(2);
    expect(quote).toMatchObject({ name: 'pricing', mode: 'sync', method: 'POST', status: 200 });
    expect(quote?.headers.authorization).toBe('Bearer firestep-local-firestep_e2e_unset_pricing_token');
    expect(quote?.trace?.traceId).toBe(launchOf(events, 'Quote')?.receipt.traceId);
    expect(quote?.context).toMatchObject({ step: 'Quote', path: 'Quote', attempt: 1 });
    expect(render).toMatchObject({ name: 'renderer', mode: 'async', method: 'PUT', status: 202 });
    const jwt = String(render?.headers.authorization).replace(/^Bearer /, '');
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ aud: 'https://render.example.com/jobs' });
    expect(render?.callback).toMatchObject({ outcome: 'succeeded', path: 'Render', attempt: 1 });
    expect(launchOf(events, 'Quote')?.receipt).toMatchObject({
      target: 'Http',
      url: 'https://pricing.example.com/v1/quote?currency=EUR',
      httpStatus: 200,
    });
  });

  it('given the nested-parallel example (Http, nested Parallels, Dataproc, Pub/Sub), when run, then it succeeds with an output for every step', async () => {
    const nested = await loadFlowFile('examples/nested-parallel.json');
    const { exitCode, head, events } = await run(nested, { input: {} });

    expect(exitCode).toBe(0);
    expect(head.status).toBe('SUCCEEDED');
    const succeeded = events.filter((e): e is Succeeded => e.type === 'StepSucceeded');
    expect(succeeded.map((e) => e.path).sort()).toEqual([
      'Extract',
      'Publish',
      'Transform/0/Cleanse',
      'Transform/0/Enrich/0/Geo',
      'Transform/0/Enrich/1/Fx',
      'Transform/1/Aggregate',
    ]);
    for (const e of succeeded) expect(e.output, e.path).not.toBeNull();
  });

  it('given --fail on the sync Http step, when run, then the step fails with the endpoint status and nothing after it starts', async () => {
    const { exitCode, head, events, endpoint } = await run(httpFlow, { fail: ['Quote'] });

    expect(exitCode).toBe(2);
    expect(head.status).toBe('FAILED');
    expect(eventsOf(events, 'Quote').find((e) => e.type === 'StepFailed')).toMatchObject({
      error: {
        name: 'States.TaskFailed',
        kind: 'http',
        message: expect.stringContaining('answered HTTP 422: (fake) pricing failed as asked by --fail Quote'),
        cause: { status: 422 },
      },
    });
    expect(eventsOf(events, 'Render')).toEqual([]);
    expect(endpoint.calls.map((c) => c.status)).toEqual([422]);
  });

  it('given --hang on a sync Http step with timeout_seconds, when run, then the endpoint never answers and the step times out', async () => {
    const hang = await loadFlowFile('test/e2e/flows/http-hang.json');
    const { exitCode, head, events, endpoint } = await run(hang, { hang: ['Lookup'] });

    expect(exitCode).toBe(2);
    expect(eventsOf(events, 'Lookup').map((e) => e.type)).toContain('StepTimedOut');
    expect(head.error).toMatchObject({ name: 'States.Timeout' });
    // The launcher's own request deadline (timeout_seconds, not sped up) may lead to a second call.
    expect(endpoint.calls.length).toBeGreaterThanOrEqual(1);
    expect(endpoint.calls.map((c) => c.status)).toEqual(endpoint.calls.map(() => undefined));
  });

  it('given --fail on the async Http step, when run, then its failure comes back by callback and the execution fails', async () => {
    const { exitCode, head, events, endpoint } = await run(httpFlow, { fail: ['Render'] });

    expect(exitCode).toBe(2);
    expect(head.status).toBe('FAILED');
    expect(eventsOf(events, 'Render').find((e) => e.type === 'StepFailed')).toMatchObject({
      error: { message: expect.stringContaining('--fail Render') },
    });
    expect(endpoint.calls.find((c) => c.name === 'renderer')).toMatchObject({
      status: 202,
      callback: { outcome: 'failed' },
    });
    expect(eventsOf(events, 'Archive')).toEqual([]);
  });
});
