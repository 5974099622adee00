/**
 * A local host for fake Cloud Functions. It serves
 * - gen1 functions at `/{project}/{region}/{name}` (the path of `https://{region}-{project}.cloudfunctions.net/{name}`),
 * - gen2 / Cloud Run functions at `/run/{project}/{region}/{name}`,
 * - Pub/Sub-triggered functions at `/pubsub/{project}/{region}/{name}` (a Pub/Sub push body),
 * runs the behaviour set for the function (default: echo the input), calls back through the firestep
 * SDK protocol when the request carries a firestep context, and writes the platform's real log
 * entries — with the trace the request came with — to `onLogEntry`. The end-of-execution entry is
 * written only once the callback's delivery (`onCallback`, or the POST to `replyTo.url`) has
 * completed, so a callback with an output always beats the log line that carries none.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Json } from '../../engine/flow/model.ts';
import {
  type CallbackMessage,
  CONTEXT_ATTRIBUTES,
  type FirestepContext,
  FirestepContextSchema,
} from '../../engine/signals/wire/callback.ts';
import { parseTraceHeaders } from '../../engine/signals/wire/trace-headers.ts';
import {
  type FunctionBehavior,
  type FunctionOutcome,
  gen1Finish,
  httpAnswer,
  runBehavior,
} from './function-behavior.ts';
import { listen, readJson, sendJson, TimerSet } from './http.ts';
import { gen1FinishedText, gen1Line, gen2RequestLog, type LogSink, type TraceRef } from './log-entries.ts';

export type { FunctionBehavior } from './function-behavior.ts';

export interface FunctionHostOptions {
  onLogEntry?: LogSink;
  /**
   * Deliver SDK callbacks in-process instead of POSTing them to `firestep.replyTo.url`; the host
   * writes the function's end-of-execution log entry after the returned promise settles.
   */
  onCallback?: (message: CallbackMessage) => void | Promise<void>;
  /** Behaviour of functions with no `setBehavior` (default `{ kind: 'echo' }`). */
  defaultBehavior?: FunctionBehavior;
  now?: () => Date;
  port?: number;
}

/** One request the host received, for assertions. */
export interface Invocation {
  name: string;
  project: string;
  region: string;
  trigger: 'http-gen1' | 'http-gen2' | 'pubsub';
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  trace?: TraceRef;
  context?: FirestepContext;
  /** gen1 `labels.execution_id`. */
  executionId: string;
  /** HTTP status answered (undefined while running or for `lag`). */
  status?: number;
}

export interface FakeFunctionHost {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  invocations: readonly Invocation[];
  callbacks: readonly CallbackMessage[];
  /** Behaviour of the function called `name` (in any project/region). */
  setBehavior(name: string, behavior: FunctionBehavior): void;
  /** The URL of a function on this host. */
  functionUrl(fn: { name: string; project: string; region: string; gen?: 1 | 2 }): string;
  close(): Promise<void>;
}

const ROUTE = /^\/(?:(run|pubsub)\/)?([^/]+)\/([^/]+)\/([^/]+)\/?$/;

/** The request's firestep context: body field `firestep`, or `firestep_*` Pub/Sub attributes. */
function contextFrom(value: unknown): FirestepContext | undefined {
  const parsed = FirestepContextSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

function contextFromAttributes(attrs: Record<string, string>): FirestepContext | undefined {
  const a = CONTEXT_ATTRIBUTES;
  return contextFrom({
    executionId: attrs[a.executionId],
    step: attrs[a.step],
    path: attrs[a.path],
    attempt: Number(attrs[a.attempt]),
    token: attrs[a.token],
    traceId: attrs[a.traceId],
    replyTo: {
      ...(attrs[a.replyUrl] ? { url: attrs[a.replyUrl] } : {}),
      ...(attrs[a.replyTopic] ? { topic: attrs[a.replyTopic] } : {}),
    },
  });
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/**
 * Start the fake function host.
 *
 * @example
 * const host = await startFakeFunctionHost({ onLogEntry: (e) => entries.push(e) });
 * host.setBehavior('transform', { kind: 'fail' });
 * await fetch(host.functionUrl({ name: 'transform', project: 'p', region: 'us-central1' }), { method: 'POST', body: '{}' });
 */
export async function startFakeFunctionHost(opts: FunctionHostOptions = {}): Promise<FakeFunctionHost> {
  const now = opts.now ?? (() => new Date());
  const behaviors = new Map<string, FunctionBehavior>();
  const rejectsUsed = new Map<string, number>();
  const invocations: Invocation[] = [];
  const callbacks: CallbackMessage[] = [];
  const timers = new TimerSet();
  let seq = 0;
  let insert = 0;
  const nextInsert = () => `fnlog-${(++insert).toString().padStart(6, '0')}`;
  const emit = (e: Parameters<LogSink>[0]) => opts.onLogEntry?.(e);

  async function sendCallback(
    ctx: FirestepContext,
    inv: Invocation,
    outcome: FunctionOutcome,
  ): Promise<void> {
    const message: CallbackMessage = {
      kind: 'firestep.callback',
      id: `${inv.executionId}-callback`,
      token: ctx.token,
      executionId: ctx.executionId,
      path: ctx.path,
      attempt: ctx.attempt,
      ...(outcome.kind === 'ok'
        ? { outcome: 'succeeded' as const, output: outcome.output }
        : {
            outcome: 'failed' as const,
            error: {
              name: 'States.TaskFailed',
              message: 'message' in outcome ? outcome.message : outcome.kind,
            },
          }),
    };
    callbacks.push(message);
    try {
      if (opts.onCallback) await opts.onCallback(message);
      else if (ctx.replyTo.url)
        await fetch(ctx.replyTo.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(10_000),
        });
    } catch {
      // A lost callback is what the platform log line is for; the host stays quiet.
    }
  }

  /** The function's HTTP answer; returns the status. */
  function answer(inv: Invocation, res: ServerResponse, outcome: FunctionOutcome): number {
    const reply = httpAnswer(outcome, inv.trigger === 'http-gen2' ? 2 : 1);
    inv.status = reply.status;
    if (!res.destroyed) sendJson(res, reply.status, reply.body, { 'function-execution-id': inv.executionId });
    return reply.status;
  }

  /** The platform's end-of-execution log entry (gen1 "finished with…", gen2 request log). */
  function logEnd(
    inv: Invocation,
    outcome: FunctionOutcome,
    status: number,
    startedAt: number,
    url: string,
  ): void {
    const gen = inv.trigger === 'http-gen2' ? 2 : 1;
    const ms = Math.max(1, now().getTime() - startedAt);
    if (gen === 1) {
      const line = {
        project: inv.project,
        region: inv.region,
        functionName: inv.name,
        executionId: inv.executionId,
        trace: inv.trace,
        at: now(),
      };
      emit(gen1Line({ ...line, insertId: nextInsert() }, gen1FinishedText(ms, gen1Finish(outcome))));
    } else {
      emit(
        gen2RequestLog({
          project: inv.project,
          region: inv.region,
          service: inv.name,
          revision: `${inv.name}-00001-fak`,
          method: 'POST',
          url,
          status,
          latencyMs: ms,
          trace: inv.trace,
          at: now(),
          insertId: nextInsert(),
        }),
      );
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const m = ROUTE.exec(url.pathname);
    if (!m || req.method !== 'POST')
      return sendJson(res, 404, { error: `no function at ${req.method} ${url.pathname}` });
    const [, kind, project = '', region = '', name = ''] = m;
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      return sendJson(res, 400, { error: 'request body is not JSON' });
    }
    const behavior = behaviors.get(name) ?? opts.defaultBehavior ?? { kind: 'echo' };
    if (behavior.kind === 'reject') {
      const used = rejectsUsed.get(name) ?? 0;
      if (behavior.times === undefined || used < behavior.times) {
        rejectsUsed.set(name, used + 1);
        return sendJson(res, behavior.status, {
          error: 'The request was aborted because there was no available instance.',
        });
      }
    }
    seq += 1;
    const inv: Invocation = {
      name,
      project,
      region,
      trigger: kind === 'run' ? 'http-gen2' : kind === 'pubsub' ? 'pubsub' : 'http-gen1',
      headers: req.headers,
      body,
      executionId: `fx${seq.toString(36).padStart(10, '0')}`,
    };
    let input: Json = (body ?? null) as Json;
    if (inv.trigger === 'pubsub') {
      const message = obj(obj(body)?.message);
      const data =
        typeof message?.data === 'string' ? Buffer.from(message.data, 'base64').toString('utf8') : 'null';
      try {
        input = JSON.parse(data) as Json;
      } catch {
        input = data;
      }
      inv.context = contextFromAttributes((obj(message?.attributes) ?? {}) as Record<string, string>);
      // Event-triggered gen1 functions log the event id, which is the Pub/Sub message id.
      if (typeof message?.messageId === 'string') inv.executionId = message.messageId;
    } else {
      const b = obj(body);
      if (b && 'firestep' in b) {
        inv.context = contextFrom(b.firestep);
        input = (b.input ?? null) as Json;
      }
      inv.trace = parseTraceHeaders(req.headers);
    }
    invocations.push(inv);
    const startedAt = now().getTime();
    if (inv.trigger !== 'http-gen2') {
      const line = {
        project,
        region,
        functionName: name,
        executionId: inv.executionId,
        trace: inv.trace,
        at: now(),
      };
      emit(gen1Line({ ...line, insertId: nextInsert() }, 'Function execution started'));
    }
    if (behavior.kind === 'lag') return; // never answered; closed with the host
    const runnable = behavior.kind === 'reject' ? ({ kind: 'echo' } as const) : behavior;
    const delay = 'delayMs' in runnable && runnable.delayMs !== undefined ? runnable.delayMs : 5;
    await new Promise<void>((resolve) => timers.after(delay, resolve));
    const outcome = await runBehavior(runnable, input, inv.context);
    const wantsCallback = !('callback' in runnable) || runnable.callback !== false;
    // As with a real function using the SDK: the callback is sent before the function answers, and
    // the platform writes its log line after the answer — late enough that the callback (which
    // carries the output) is in first. Waiting for its delivery makes that order certain locally.
    const callback =
      inv.context && wantsCallback && (outcome.kind === 'ok' || outcome.kind === 'error')
        ? sendCallback(inv.context, inv, outcome)
        : undefined;
    if (callback) await new Promise<void>((resolve) => setImmediate(resolve));
    const status = answer(inv, res, outcome);
    await callback;
    logEnd(inv, outcome, status, startedAt, `${server.url}${url.pathname}`);
  }

  const server = await listen(route, opts.port);
  return {
    url: server.url,
    invocations,
    callbacks,
    setBehavior: (name, behavior) => {
      behaviors.set(name, behavior);
      rejectsUsed.delete(name);
    },
    functionUrl: ({ name, project, region, gen }) =>
      `${server.url}/${gen === 2 ? 'run/' : ''}${encodeURIComponent(project)}/${encodeURIComponent(region)}/${encodeURIComponent(name)}`,
    close: async () => {
      timers.clear();
      await server.close();
    },
  };
}
