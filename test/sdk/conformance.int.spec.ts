/**
 * The TypeScript SDK against the shared conformance cases (sdk/conformance/cases.json), which the
 * Python helper's tests (sdk/python/test_firestep.py) run too, so the two SDKs cannot drift. The
 * callbacks go to a real local HTTP server; the wrappers get the request/CloudEvent shapes
 * functions-framework passes.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackMessageSchema, type FirestepContext } from '../../engine/signals/wire/callback.ts';
import { type FirestepRun, withFirestep, withFirestepEvent } from '../../sdk/index.ts';

process.env.FIRESTEP_LOG = 'silent';

type HandlerStep =
  | { log: string }
  | { logMany: number }
  | { report: Record<string, unknown> }
  | { return: unknown }
  | { returnInput: true }
  | { returnBlob: number }
  | { raise: { name: string; message: string } };

interface Case {
  name: string;
  trigger: 'http' | 'event';
  body?: unknown;
  attributes?: unknown;
  data?: unknown;
  dataIsText?: boolean;
  handler: HandlerStep[];
  receiver?: number[];
  response: {
    status?: number;
    body?: unknown;
    errorName?: string;
    messageStartsWith?: string;
    acknowledged?: boolean;
  };
  callbacks: Array<Record<string, unknown> & { linesCount?: number; lastLine?: string }>;
  absent?: string[];
  messageContains?: string;
  authorization?: null;
}

const fixture = JSON.parse(readFileSync('sdk/conformance/cases.json', 'utf8')) as {
  context: FirestepContext;
  cases: Case[];
};

const received: Array<{ body: Record<string, unknown>; authorization: string | undefined }> = [];
let script: number[] = [];
let server: Server;
let callbackUrl = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({
        body: JSON.parse(body) as Record<string, unknown>,
        authorization: req.headers.authorization,
      });
      res.writeHead(script.shift() ?? 200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  callbackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/callbacks`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function expand(value: unknown, context: FirestepContext, attributes: Record<string, string>): unknown {
  if (value === '{{context}}') return structuredClone(context);
  if (value === '{{contextAttributes}}') return { ...attributes };
  if (Array.isArray(value)) return value.map((v) => expand(v, context, attributes));
  if (typeof value === 'object' && value !== null) {
    const { $merge, ...rest } = value as Record<string, unknown>;
    const expanded = Object.fromEntries(
      Object.entries(rest).map(([k, v]) => [k, expand(v, context, attributes)]),
    );
    return $merge === undefined
      ? expanded
      : { ...(expand($merge, context, attributes) as object), ...expanded };
  }
  return value;
}

function handlerOf(steps: HandlerStep[]) {
  return async (run: FirestepRun<unknown>): Promise<unknown> => {
    for (const s of steps) {
      if ('log' in s) run.log(s.log);
      else if ('logMany' in s) for (let i = 0; i < s.logMany; i++) run.log(`line ${i}`);
      else if ('report' in s) run.metadata(s.report);
      else if ('return' in s) return s.return;
      else if ('returnInput' in s) return run.input;
      else if ('returnBlob' in s) return { blob: 'x'.repeat(s.returnBlob) };
      else {
        const error = new Error(s.raise.message);
        error.name = s.raise.name;
        throw error;
      }
    }
    return undefined;
  };
}

describe('the TypeScript SDK passes the shared conformance cases', () => {
  it('has the cases', () => expect(fixture.cases.length).toBeGreaterThanOrEqual(15));

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    received.length = 0;
    script = [...(c.receiver ?? [])];
    const context = JSON.parse(
      JSON.stringify(fixture.context).replaceAll('{{callbackUrl}}', callbackUrl),
    ) as FirestepContext;
    const attributes: Record<string, string> = {
      firestep_execution: context.executionId,
      firestep_step: context.step,
      firestep_path: context.path,
      firestep_attempt: String(context.attempt),
      firestep_token: context.token,
      firestep_trace: context.traceId,
      firestep_reply_url: callbackUrl,
    };
    const handler = handlerOf(c.handler);
    if (c.trigger === 'http') {
      const answer: { status?: number; body?: unknown } = {};
      const res = {
        status(code: number) {
          answer.status = code;
          return res;
        },
        json(body: unknown) {
          answer.body = body;
          return res;
        },
      };
      await withFirestep(handler, { backoffMs: 1 })({ body: expand(c.body, context, attributes) }, res);
      expect(answer.status).toBe(c.response.status);
      if ('body' in c.response) expect(answer.body).toEqual(c.response.body);
      const error = (answer.body as { error?: { name: string; message: string } } | undefined)?.error;
      if (c.response.errorName) expect(error?.name).toBe(c.response.errorName);
      if (c.response.messageStartsWith)
        expect(error?.message.startsWith(c.response.messageStartsWith)).toBe(true);
    } else {
      const raw = c.dataIsText ? String(c.data) : JSON.stringify(c.data);
      const event = {
        id: 'm-1',
        data: {
          message: {
            data: Buffer.from(raw).toString('base64'),
            attributes: expand(c.attributes, context, attributes) as Record<string, string>,
            messageId: 'm-1',
          },
          subscription: 'projects/p/subscriptions/s',
        },
      };
      const call = withFirestepEvent(handler, { backoffMs: 1 })(event);
      if (c.response.acknowledged) await expect(call).resolves.toBeUndefined();
      else await expect(call).rejects.toMatchObject({ name: c.response.errorName });
    }

    expect(received).toHaveLength(c.callbacks.length);
    expect(new Set(received.map((r) => r.body.id)).size).toBeLessThanOrEqual(1);
    c.callbacks.forEach(({ linesCount, lastLine, ...want }, i) => {
      const message = received[i]?.body ?? {};
      expect(CallbackMessageSchema.safeParse(message).success).toBe(true);
      expect(message).toMatchObject(want);
      if (linesCount !== undefined) expect(message.lines).toHaveLength(linesCount);
      if (lastLine !== undefined) expect((message.lines as string[]).at(-1)).toBe(lastLine);
      for (const field of c.absent ?? []) expect(message).not.toHaveProperty(field);
      if (c.messageContains)
        expect((message.error as { message: string }).message).toContain(c.messageContains);
    });
    if (c.authorization === null)
      expect(received.map((r) => r.authorization)).toEqual(received.map(() => undefined));
  });
});
