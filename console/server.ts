/**
 * The web console's request handler (pages, static files, live updates, actions), independent of
 * where the executions come from (`ConsoleSource`) and of who serves it (`dev`, `firestep console`).
 *
 * Pages are rendered on the server; a small script (console/client/, bundled by esbuild on first
 * use, no CDN) opens a server-sent-events stream per page. The server holds one Firestore listener
 * (onSnapshot) per stream and pushes re-rendered fragments when it fires: the browser never polls.
 * Cancel / Redrive go through `ConsoleActions` — the same functions as `firestep cancel|redrive` —
 * and exist only when actions are enabled.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FirestepError } from '../engine/errors.ts';
import type { ListExecutionsOptions, StoredHead } from '../engine/store/index.ts';
import type { ActionOutcome } from '../runtime/local/actions.ts';
import { clientScript, consoleCss } from './assets.ts';
import { readJson, sendError, sendJson, sendThrown } from './http.ts';
import { type ExecutionView, executionBody, executionFragments } from './render/execution.ts';
import { page } from './render/html.ts';
import { executionRows, flowBody, flowsBody, type ListQuery, listBody } from './render/lists.ts';
import { stepRows } from './render/steps.ts';
import type { ConsoleSource } from './source.ts';

export interface ConsoleActions {
  cancel(executionId: string, reason?: string): Promise<ActionOutcome>;
  redrive(executionId: string): Promise<ActionOutcome>;
}

export interface ConsoleOptions {
  source: ConsoleSource;
  /** Omitted: read-only (no buttons, action routes answer 403). */
  actions?: ConsoleActions;
  /** `local` (dev, emulator) or `project` (a real project), shown in the header. */
  mode: 'local' | 'project';
}

export interface ConsoleHandler {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void;
  /** End every live stream. */
  close(): Promise<void>;
}

const STATUSES = new Set(['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

function listQuery(params: URLSearchParams): ListQuery {
  const status = params.get('status') || undefined;
  if (status !== undefined && !STATUSES.has(status))
    throw new FirestepError('CONFIG', `status=${status}: expected one of ${[...STATUSES].join(', ')}`);
  const time = (name: string) => {
    const v = params.get(name) || undefined;
    if (v === undefined) return undefined;
    const t = Date.parse(v.length === 16 ? `${v}:00Z` : v);
    if (Number.isNaN(t)) throw new FirestepError('CONFIG', `${name}=${v}: expected an ISO time`);
    return new Date(t).toISOString();
  };
  const limit = Number(params.get('limit') ?? 25);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    throw new FirestepError('CONFIG', `limit=${params.get('limit')}: expected an integer from 1 to 200`);
  const flowId = params.get('flow') || undefined;
  const after = time('after');
  const before = time('before');
  return {
    ...(flowId ? { flowId } : {}),
    ...(status ? { status } : {}),
    ...(after ? { after } : {}),
    ...(before ? { before } : {}),
    limit,
  };
}

function storeFilter(q: ListQuery): ListExecutionsOptions {
  return {
    ...(q.flowId ? { flowId: q.flowId } : {}),
    ...(q.status ? { status: q.status as StoredHead['status'] } : {}),
    ...(q.before ? { startedBefore: q.before } : {}),
    ...(q.after ? { startedAfter: q.after } : {}),
    limit: q.limit,
  };
}

function sendHtml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * Build the handler.
 *
 * @example const console = createConsoleHandler({ source, mode: 'project' }); http.createServer((q, s) => console.handle(q, s, new URL(q.url!, 'http://x')));
 */
export function createConsoleHandler(opts: ConsoleOptions): ConsoleHandler {
  const { source } = opts;
  const streams = new Set<() => void>();
  const label = `${opts.mode === 'local' ? 'local' : 'project'} ${source.projectId}${opts.actions ? '' : ' · read-only'}`;

  async function executionView(id: string): Promise<ExecutionView> {
    const head = await source.head(id);
    if (!head)
      throw new FirestepError('EXECUTION_NOT_FOUND', `execution "${id}" does not exist in ${source.where}`);
    const [events, def] = await Promise.all([source.events(id), source.definition(head.definitionHash)]);
    if (!def)
      throw new FirestepError(
        'INTERNAL',
        `definitions/${head.definitionHash} of ${id} is missing in ${source.where}`,
      );
    return {
      head,
      def,
      events,
      rows: stepRows(def, head, events),
      actions: opts.actions !== undefined,
      projectId: source.projectId,
      now: Date.now(),
    };
  }

  /** A server-sent-events stream fed by a Firestore listener; `render` gives the next message. */
  function stream(
    req: IncomingMessage,
    res: ServerResponse,
    watch: (onChange: () => void) => () => void,
    render: () => Promise<unknown>,
  ): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write('retry: 1000\n\n');
    let timer: NodeJS.Timeout | undefined;
    let busy = false;
    let again = false;
    const push = async () => {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        do {
          again = false;
          const message = await render();
          res.write(`data: ${JSON.stringify(message)}\n\n`);
        } while (again);
      } catch (e) {
        res.write(`event: problem\ndata: ${JSON.stringify({ message: (e as Error).message })}\n\n`);
      } finally {
        busy = false;
      }
    };
    const unsubscribe = watch(() => {
      clearTimeout(timer);
      timer = setTimeout(() => void push(), 50);
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const end = () => {
      clearTimeout(timer);
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(end);
      res.end();
    };
    streams.add(end);
    req.on('close', end);
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const now = Date.now();
    if (method === 'GET' && path === '/static/console.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(await clientScript());
      return;
    }
    if (method === 'GET' && path === '/static/console.css') {
      res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(await consoleCss());
      return;
    }
    if (method === 'GET' && path === '/') {
      const q = listQuery(url.searchParams);
      const [heads, flows] = await Promise.all([source.list(storeFilter(q)), source.flows()]);
      const live = q.before ? undefined : `/live/list${url.search}`;
      sendHtml(
        res,
        200,
        page({
          title: 'Executions',
          body: listBody(
            heads,
            q,
            flows.map((f) => f.id),
            now,
          ),
          projectLabel: label,
          ...(live ? { live } : {}),
        }),
      );
      return;
    }
    if (method === 'GET' && path === '/live/list') {
      const q = listQuery(url.searchParams);
      stream(
        req,
        res,
        (cb) => source.watchList(cb),
        async () => ({
          rows: executionRows(await source.list(storeFilter(q)), Date.now()).text,
        }),
      );
      return;
    }
    const exec = /^\/(executions|live\/executions|api\/executions)\/([^/]+?)(?::(cancel|redrive))?$/.exec(
      path,
    );
    if (exec) {
      const [, kind, rawId, action] = exec;
      const id = decodeURIComponent(rawId!);
      if (kind === 'executions' && method === 'GET' && !action) {
        const view = await executionView(id);
        sendHtml(
          res,
          200,
          page({
            title: id,
            body: executionBody(view),
            projectLabel: label,
            live: `/live/executions/${encodeURIComponent(id)}`,
          }),
        );
        return;
      }
      if (kind === 'live/executions' && method === 'GET' && !action) {
        stream(
          req,
          res,
          (cb) => source.watchExecution(id, cb),
          async () => executionFragments(await executionView(id)),
        );
        return;
      }
      if (kind === 'api/executions' && method === 'POST' && action) {
        if (!opts.actions) {
          sendError(
            res,
            403,
            'READ_ONLY',
            'this console is read-only; start it with --allow-actions to cancel or redrive',
          );
          return;
        }
        const body = (await readJson(req)) as { reason?: unknown };
        const reason = typeof body.reason === 'string' ? body.reason : 'cancelled from the web console';
        const outcome =
          action === 'cancel' ? await opts.actions.cancel(id, reason) : await opts.actions.redrive(id);
        sendJson(res, 200, outcome);
        return;
      }
    }
    if (method === 'GET' && path === '/flows') {
      sendHtml(
        res,
        200,
        page({ title: 'Flows', body: flowsBody(await source.flows()), projectLabel: label }),
      );
      return;
    }
    const flow = /^\/flows\/([^/]+)$/.exec(path);
    if (method === 'GET' && flow) {
      const id = decodeURIComponent(flow[1]!);
      const def = (await source.flows()).find((f) => f.id === id);
      if (!def) throw new FirestepError('CONFIG', `no flow "${id}" is registered in ${source.where}`);
      const heads = await source.list({ flowId: id, limit: 10 });
      sendHtml(res, 200, page({ title: `Flow ${id}`, body: flowBody(def, heads, now), projectLabel: label }));
      return;
    }
    if (path.startsWith('/api/') || path.startsWith('/live/')) {
      sendError(res, 404, 'NOT_FOUND', `${method} ${path}: no such route`);
      return;
    }
    sendHtml(
      res,
      404,
      page({
        title: 'Not found',
        body: new (await import('./render/html.ts')).Html(
          `<h1>Not found</h1><p>${path.replace(/[<>&"]/g, '')} is not a page of the console.</p>`,
        ),
        projectLabel: label,
      }),
    );
  }

  return {
    handle(req, res, url) {
      route(req, res, url).catch((e: unknown) => {
        if (res.headersSent) {
          res.end();
          return;
        }
        const accept = req.headers.accept ?? '';
        if (accept.includes('text/html') && (req.method ?? 'GET') === 'GET') {
          const err = e as { code?: string; message?: string };
          const status = err.code === 'EXECUTION_NOT_FOUND' ? 404 : err.code === 'CONFIG' ? 400 : 500;
          const message = (err.message ?? String(e)).split('\n')[0] ?? '';
          sendHtml(
            res,
            status,
            `<!doctype html><title>firestep</title><p class="error">${message.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`)}</p><p><a href="/">Executions</a></p>`,
          );
          return;
        }
        sendThrown(res, e, `${req.method} ${url.pathname}`);
      });
    },
    close: async () => {
      for (const end of [...streams]) end();
    },
  };
}
