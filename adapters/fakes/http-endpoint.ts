/**
 * A fake of any HTTP endpoint an Http target names (a partner API, another cloud's function, an
 * internal service), for local runs and tests. Requests arrive at the paths `fakeEndpointUrl` makes,
 * which carry the target's mode, name and real URL. It answers as a well-behaved endpoint would:
 * - `sync`: after `delayMs`, 200 with a JSON body (the step's output; by default an echo of the input
 *   with the target's name), or the failure status;
 * - `async`: 202 at once, then — as a service using `firestep/sdk` does — a `firestep.callback`
 *   carrying the output or the error, to `onCallback` (in process) or the context's `replyTo.url`.
 * Method, headers (trace, Authorization) and body of every request are kept for assertions.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Json } from '../../engine/flow/model.ts';
import {
  type CallbackMessage,
  type FirestepContext,
  FirestepContextSchema,
} from '../../engine/signals/wire/callback.ts';
import { parseTraceHeaders } from '../../engine/signals/wire/trace-headers.ts';
import { listen, readJson, sendJson, TimerSet } from './http.ts';
import { type FakeEndpointRoute, parseFakeEndpointPath } from './http-endpoint-url.ts';
import type { TraceRef } from './log-entries.ts';

export { fakeEndpointUrl, parseFakeEndpointPath } from './http-endpoint-url.ts';

/** One request as the endpoint's code sees it. */
export interface EndpointRequest {
  /** The target's name. */
  name: string;
  mode: 'sync' | 'async';
  method: string;
  /** The URL the flow names. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The JSON body (`{ input, firestep }` from firestep; undefined for a GET). */
  body: unknown;
  /** `body.input` when the body carries a firestep context, else the body itself (null for none). */
  input: Json;
  context?: FirestepContext;
  trace?: TraceRef;
}

/** Thrown by a `handler` to answer with a given status (any error with a 4xx/5xx `status` does; others answer 500). */
export class EndpointError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'EndpointError';
  }
}

/** What the endpoint does with a request. */
export type EndpointBehavior =
  /** Default: succeed with `{ target, method, url, input }` after `delayMs` (default 5). */
  | { kind: 'echo'; delayMs?: number }
  /**
   * Fail: sync → HTTP `status` (default 422; a 408/429/5xx is retried by the launcher as a transient
   * fault); async → 202, then a failed callback.
   */
  | { kind: 'fail'; status?: number; message?: string; delayMs?: number }
  /** Never answers (sync) / accepts and never calls back (async). */
  | { kind: 'lag' }
  /** Your own code: the value is the output; throw `EndpointError` (or anything: 500) to fail. */
  | { kind: 'handler'; run: (request: EndpointRequest) => Promise<Json> | Json; delayMs?: number };

/** One request the endpoint received. */
export interface EndpointCall extends EndpointRequest {
  /** HTTP status answered (undefined while running, or for `lag` in sync mode). */
  status?: number;
  /** The callback sent for it (async mode), once sent. */
  callback?: CallbackMessage;
}

export interface FakeHttpEndpointOptions {
  /** Deliver callbacks in-process instead of POSTing them to `firestep.replyTo.url`. */
  onCallback?: (message: CallbackMessage) => void | Promise<void>;
  /** Behaviour of targets with no `setBehavior` (default `{ kind: 'echo' }`). */
  defaultBehavior?: EndpointBehavior;
  port?: number;
}

export interface FakeHttpEndpoint {
  /** `http://127.0.0.1:PORT`: the base of `fakeEndpointUrl`. */
  url: string;
  calls: readonly EndpointCall[];
  callbacks: readonly CallbackMessage[];
  /** Behaviour of the target called `name`. */
  setBehavior(name: string, behavior: EndpointBehavior): void;
  close(): Promise<void>;
}

type Outcome = { ok: true; output: Json } | { ok: false; status: number; message: string };

async function outcomeOf(
  behavior: Exclude<EndpointBehavior, { kind: 'lag' }>,
  req: EndpointRequest,
): Promise<Outcome> {
  switch (behavior.kind) {
    case 'echo':
      return { ok: true, output: { target: req.name, method: req.method, url: req.url, input: req.input } };
    case 'fail':
      return {
        ok: false,
        status: behavior.status ?? 422,
        message: behavior.message ?? `fake endpoint "${req.name}" failed as told`,
      };
    case 'handler':
      try {
        return { ok: true, output: await behavior.run(req) };
      } catch (e) {
        // By shape, not class: any error carrying an HTTP failure status picks the answer.
        const given = (e as { status?: unknown } | null)?.status;
        const status = typeof given === 'number' && given >= 400 && given <= 599 ? given : 500;
        return { ok: false, status, message: e instanceof Error ? e.message : String(e) };
      }
  }
}

function requestOf(req: IncomingMessage, route: FakeEndpointRoute, body: unknown): EndpointRequest {
  const b =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  const parsed = b && 'firestep' in b ? FirestepContextSchema.safeParse(b.firestep) : undefined;
  const context = parsed?.success ? parsed.data : undefined;
  const trace = parseTraceHeaders(req.headers);
  return {
    ...route,
    method: req.method ?? 'GET',
    headers: req.headers,
    body,
    input: (context ? (b?.input ?? null) : (body ?? null)) as Json,
    ...(context ? { context } : {}),
    ...(trace ? { trace } : {}),
  };
}

/**
 * Start the fake endpoint.
 *
 * @example
 * const endpoint = await startFakeHttpEndpoint({ onCallback: (m) => bus.deliver(m) });
 * endpoint.setBehavior('extract', { kind: 'fail', status: 422 });
 * const url = fakeEndpointUrl(endpoint.url, { name: 'extract', url: 'https://extract.example.com/run' });
 */
export async function startFakeHttpEndpoint(opts: FakeHttpEndpointOptions = {}): Promise<FakeHttpEndpoint> {
  const behaviors = new Map<string, EndpointBehavior>();
  const calls: EndpointCall[] = [];
  const callbacks: CallbackMessage[] = [];
  const timers = new TimerSet();
  let seq = 0;

  async function callBack(
    call: EndpointCall,
    ctx: FirestepContext,
    outcome: Outcome,
    id: string,
  ): Promise<void> {
    const message: CallbackMessage = {
      kind: 'firestep.callback',
      id,
      token: ctx.token,
      executionId: ctx.executionId,
      path: ctx.path,
      attempt: ctx.attempt,
      ...(outcome.ok
        ? { outcome: 'succeeded' as const, output: outcome.output }
        : { outcome: 'failed' as const, error: { name: 'States.TaskFailed', message: outcome.message } }),
    };
    call.callback = message;
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
      // A lost callback leaves the step to its timeout, as with a real service; the fake stays quiet.
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const target = parseFakeEndpointPath(url.pathname, url.search);
    if (!target) return sendJson(res, 404, { error: `no fake endpoint at ${url.pathname}` });
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      return sendJson(res, 400, { error: 'request body is not JSON' });
    }
    const call: EndpointCall = requestOf(req, target, body);
    calls.push(call);
    seq += 1;
    const id = `http-${seq.toString(36).padStart(8, '0')}-callback`;
    const behavior = behaviors.get(target.name) ?? opts.defaultBehavior ?? { kind: 'echo' };
    const delay = 'delayMs' in behavior && behavior.delayMs !== undefined ? behavior.delayMs : 5;
    if (call.mode === 'async') {
      const ctx = call.context;
      if (!ctx) {
        call.status = 400;
        return sendJson(res, 400, {
          error: `async endpoint "${target.name}" needs the firestep context to call back; a ${call.method} request carries none (use POST or PUT)`,
        });
      }
      call.status = 202;
      sendJson(res, 202, { accepted: true, target: target.name });
      if (behavior.kind === 'lag') return;
      timers.after(delay, () => {
        void outcomeOf(behavior, call).then((outcome) => callBack(call, ctx, outcome, id));
      });
      return;
    }
    if (behavior.kind === 'lag') return; // never answered; closed with the endpoint
    await new Promise<void>((resolve) => timers.after(delay, resolve));
    const outcome = await outcomeOf(behavior, call);
    call.status = outcome.ok ? 200 : outcome.status;
    if (res.destroyed) return;
    if (outcome.ok) sendJson(res, 200, outcome.output);
    else sendJson(res, outcome.status, { error: outcome.message });
  }

  const server = await listen(route, opts.port);
  return {
    url: server.url,
    calls,
    callbacks,
    setBehavior: (name, behavior) => {
      behaviors.set(name, behavior);
    },
    close: async () => {
      timers.clear();
      await server.close();
    },
  };
}
