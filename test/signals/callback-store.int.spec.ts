/**
 * End to end with the real Firestore store: a flow's step launches a user function wrapped by the
 * SDK (hosted by functions-framework); its callback goes through ingest into `ExecutionStore.apply`;
 * then the platform's end-of-execution line for the same attempt arrives through the log path. The
 * execution must record exactly one StepSucceeded — the callback's, with its output.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as ff from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContextOptions, launchBody, traceAndCallbackKeys } from '../../adapters/shared/context.ts';
import type { Command, LaunchCommand } from '../../engine/core/commands.ts';
import { cloudFunction } from '../../engine/flow/builder-targets.ts';
import { definitionHash } from '../../engine/flow/hash.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import { validateFlow } from '../../engine/flow/validate.ts';
import type { CommandDispatcher, CorrelationKey, DispatchOutcome } from '../../engine/ports/index.ts';
import { type IngestDeps, type IngestOutcome, ingest } from '../../engine/signals/ingest.ts';
import { traceHeaders } from '../../engine/signals/wire/trace-headers.ts';
import { firestoreDeadLetters } from '../../engine/store/dead-letters.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { withFirestep } from '../../sdk/index.ts';
import { testFirestore } from '../support/firestore.ts';
import { gen1End, pushBody } from './fixtures.ts';

process.env.FIRESTEP_LOG = 'silent';
const { db, cleanup } = testFirestore('signals-e2e');
const servers: Server[] = [];
let functionUrl = '';
let deps: IngestDeps;
const callbackOutcomes: IngestOutcome[] = [];

ff.http(
  'countRowsE2E',
  withFirestep<{ table: string }>(async ({ input, log }) => {
    log(`counting ${input.table}`);
    return { rows: 3, table: input.table };
  }),
);

/** Launches Cloud Function steps over HTTP the way the adapter does: `{ input, firestep }` plus trace headers. */
class HttpFunctionDispatcher implements CommandDispatcher {
  readonly launches: LaunchCommand[] = [];
  constructor(private readonly opts: ContextOptions) {}
  async dispatch(command: Command): Promise<DispatchOutcome> {
    if (command.kind !== 'launch') return { status: 'done' };
    this.launches.push(command);
    const res = await fetch(functionUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...traceHeaders(command.trace) },
      body: JSON.stringify(launchBody(this.opts, command)),
    });
    await res.arrayBuffer();
    return {
      status: 'launched',
      receipt: { target: 'CloudFunction', traceId: command.trace.traceId, url: functionUrl },
    };
  }
  correlationKeys(command: LaunchCommand): CorrelationKey[] {
    return traceAndCallbackKeys(this.opts, command);
  }
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let store: ExecutionStore;
let dispatcher: HttpFunctionDispatcher;
const flow: FlowDefinition = (() => {
  const check = validateFlow({
    start: 'Count',
    steps: {
      Count: {
        type: 'Task',
        target: cloudFunction('count-rows'),
        parameters: { table: '$.input.table' },
        end: true,
      },
    },
  });
  if (!check.flow) throw new Error(JSON.stringify(check.errors));
  return { id: 'count', flow: check.flow, hash: definitionHash(check.flow) };
})();

beforeAll(async () => {
  // the API function's callback endpoint: ingest, then answer
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      try {
        callbackOutcomes.push(await ingest(JSON.parse(body), deps));
        res.writeHead(200).end('{}');
      } catch {
        res.writeHead(503).end('{}');
      }
    });
  });
  const receiverUrl = `${await listen(receiver)}/callbacks`;
  functionUrl = `${await listen(getTestServer('countRowsE2E'))}/`;
  dispatcher = new HttpFunctionDispatcher({ secret: 'test-secret', replyTo: { url: receiverUrl } });
  store = new ExecutionStore({ db, dispatcher });
  deps = {
    lookup: { lookup: (key) => store.lookupCorrelation(key) },
    apply: (executionId, signal) => store.apply(executionId, signal),
    deadLetters: firestoreDeadLetters(db),
  };
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  await cleanup();
});

describe('callback + log line of one attempt, through the real store', () => {
  it('records one StepSucceeded, with the output the callback carried', async () => {
    // given an execution whose only step launches the wrapped function (its callback is ingested during the launch)
    const { executionId } = await store.startExecution(flow, { table: 'orders' });
    await store.drain(executionId);
    // (the store may queue it when the launch's own drain holds the execution; drain() then applies it)
    expect(callbackOutcomes.map((o) => o.status)).toEqual([expect.stringMatching(/^(applied|queued)$/)]);
    expect(dispatcher.launches.map((c) => `${c.path}#${c.attempt}`)).toEqual(['Count#1']);
    const trace = dispatcher.launches[0]?.trace.traceId;
    expect(trace).toMatch(/^[0-9a-f]{32}$/);

    // when the platform's end line for the same attempt arrives through the log sink
    const late = await ingest(pushBody(gen1End(trace ?? '', { status: 200 })), deps);

    // then it changes nothing: one StepSucceeded, from the callback, with its output (the line has its
    // own key, #ended, so decide sees it and ignores it: the execution is over)
    expect(late).toMatchObject({ executionId, status: 'ignored' });
    const events = await store.readEvents(executionId);
    const succeeded = events.filter((e) => e.type === 'StepSucceeded');
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]).toMatchObject({
      path: 'Count',
      attempt: 1,
      output: { rows: 3, table: 'orders' },
      source: { kind: 'callback' },
    });
    expect(events.filter((e) => e.type === 'StepLogged')).toEqual([
      expect.objectContaining({ lines: ['counting orders'] }),
    ]);
    expect((await store.getHead(executionId))?.status).toBe('SUCCEEDED');
  });
});
