/**
 * `firestep dev`: the dev environment (runtime/local/dev.ts) behind HTTP. One server on `--port`
 * serves the web console and the control routes the `--local` commands use (`/dev/…`); the API
 * function's own handler (`/v1/…`) runs on the functions framework on a port of its own, as it is
 * deployed. The URLs are written to `.firestep/dev.json` and removed again by `close()`.
 */
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { FirestepError } from '../engine/errors.ts';
import { definitionHash } from '../engine/flow/hash.ts';
import type { FlowDefinition, Json } from '../engine/flow/model.ts';
import { formatProblem } from '../engine/flow/problems.ts';
import { validateFlow } from '../engine/flow/validate.ts';
import {
  type DevEnvironment,
  type DevOptions,
  RUN_BY_FILE,
  startDevEnvironment,
} from '../runtime/local/dev.ts';
import { type DevInfo, devInfoPath, removeDevInfo, writeDevInfo } from '../runtime/local/dev-info.ts';
import { freePort } from '../runtime/local/emulators.ts';
import { type LocalTriggers, startLocalTriggers } from '../runtime/local/local-triggers.ts';
import { readJson, sendJson, sendThrown } from './http.ts';
import { type ConsoleHandler, createConsoleHandler } from './server.ts';
import { storeSource } from './source.ts';

export interface DevServerOptions extends DevOptions {
  /** Console port (default 8080; a busy port falls back to a free one, with a note). */
  port?: number;
  /** Where to write dev.json (default `.firestep/dev.json`). */
  infoPath?: string;
  /** Fire the flows' schedules on the local clock (default true; `dev --no-schedules` turns it off). */
  schedules?: boolean;
  /** The clock schedules fire on (tests pass a shifted one; default the system clock). */
  triggerClock?: () => Date;
}

export interface DevServer {
  info: DevInfo;
  dev: DevEnvironment;
  /** The flows' triggers under `dev`: schedules on the local clock, fake storage events. */
  triggers: LocalTriggers;
  /** Notes for the person running it (a busy port, a missing Pub/Sub emulator, flow problems). */
  notes: string[];
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/** A definition sent by the CLI: checked again here, and its hash recomputed. */
function checkDefinition(value: unknown): FlowDefinition {
  const v = value as { id?: unknown; flow?: unknown };
  if (typeof v !== 'object' || v === null || typeof v.id !== 'string' || typeof v.flow !== 'object') {
    throw new FirestepError('SIGNAL_MALFORMED', 'body.definition: expected {id, flow} as the CLI sends it');
  }
  const check = validateFlow(v.flow as FlowDefinition['flow']);
  if (check.flow === undefined || check.errors.length > 0) {
    throw new FirestepError(
      'FLOW_INVALID',
      `body.definition: ${check.errors.map((p) => formatProblem(p)).join('; ')}`,
    );
  }
  return { id: v.id, flow: check.flow, hash: definitionHash(check.flow) };
}

function strings(value: unknown, field: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string'))
    throw new FirestepError('SIGNAL_MALFORMED', `body.${field}: expected an array of strings`);
  return value as string[];
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new FirestepError('SIGNAL_MALFORMED', `body.${field}: expected a string`);
  return value;
}

/**
 * `POST /dev/storage:land {uri, content?}`: write an object to the fake Cloud Storage; its finalized
 * CloudEvent goes to every matching gcs trigger, and the answer lists what each started.
 */
async function land(
  dev: DevEnvironment,
  triggers: LocalTriggers,
  b: Record<string, unknown>,
): Promise<{ status: number; body: unknown }> {
  const uri = optionalString(b.uri, 'uri') ?? '';
  if (!/^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]\/.+$/.test(uri))
    throw new FirestepError(
      'SIGNAL_MALFORMED',
      `body.uri: expected gs://bucket/object, got ${JSON.stringify(uri)}`,
    );
  const content = optionalString(b.content, 'content') ?? '';
  const object = dev.env.fakes.storage.land(uri, content, 'text/plain');
  const eventId = `${object.bucket}/${object.name}/${object.generation}`;
  const deliveries = (await triggers.deliveriesOf(eventId)) ?? [];
  return { status: 200, body: { uri, generation: object.generation, eventId, deliveries } };
}

/** The `/dev/…` routes; `undefined` when the path is not one of them. */
async function controlRoute(
  dev: DevEnvironment,
  triggers: LocalTriggers,
  method: string,
  path: string,
  body: () => Promise<unknown>,
): Promise<{ status: number; body: unknown } | undefined> {
  if (path === '/dev/health') return { status: 200, body: { ok: true } };
  if (path === '/dev/storage:land' && method === 'POST')
    return land(dev, triggers, (await body()) as Record<string, unknown>);
  if (path === '/dev/runs' && method === 'POST') {
    const b = (await body()) as Record<string, unknown>;
    const fail = strings(b.fail, 'fail');
    const hang = strings(b.hang, 'hang');
    const name = optionalString(b.name, 'name');
    const flowId = optionalString(b.flowId, 'flowId');
    const started = await dev.startRun({
      ...(b.definition === undefined ? {} : { definition: checkDefinition(b.definition) }),
      ...(flowId === undefined ? {} : { flowId }),
      input: (b.input ?? {}) as Json,
      ...(name === undefined ? {} : { name }),
      ...(fail ? { fail } : {}),
      ...(hang ? { hang } : {}),
      ...(b.trigger === undefined ? {} : { trigger: b.trigger as Json }),
    });
    return {
      status: started.created ? 201 : 200,
      body: { executionId: started.executionId, created: started.created },
    };
  }
  const action = /^\/dev\/executions\/([^/:]+):(cancel|redrive)$/.exec(path);
  if (action && method === 'POST') {
    const id = decodeURIComponent(action[1]!);
    const b = (await body()) as Record<string, unknown>;
    const source = { kind: 'api', id: 'cli' } as const;
    const outcome =
      action[2] === 'cancel'
        ? await dev.cancel(id, optionalString(b.reason, 'reason'), source)
        : await dev.redrive(id, source);
    return { status: 200, body: outcome };
  }
  if (path === '/dev/flows') {
    return {
      status: 200,
      body: {
        flows: dev.flows().map((f) => ({ id: f.definition.id, hash: f.definition.hash, file: f.file })),
        problems: dev.problems(),
      },
    };
  }
  return undefined;
}

/**
 * Start `dev`: environment, API, console and control routes; write dev.json.
 *
 * @example
 * const server = await startDevServer({ flowsDirs: ['flows', 'examples'], port: 8080 });
 * console.log(server.info.consoleUrl);
 * await server.close();
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const notes: string[] = [];
  const dev = await startDevEnvironment(opts);
  const closers: Array<() => Promise<unknown>> = [() => dev.close()];
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const c of [...closers].reverse()) await c().catch(() => {});
    })();
    return closing;
  };
  try {
    notes.push(...dev.env.notes);
    for (const p of dev.problems()) notes.push(`${p.file}: ${p.message}`);

    // The API function's handler, on the functions framework, as deployed.
    const [functions, { getTestServer }, { createApiHandler }] = await Promise.all([
      import('@google-cloud/functions-framework'),
      import('@google-cloud/functions-framework/testing'),
      import('../functions/api/handler.ts'),
    ]);
    const apiName = `firestepDevApi_${process.pid}_${Date.now()}`;
    functions.http(
      apiName,
      createApiHandler(async () => ({ ...dev.runtime, registry: dev.registry() }), {
        mode: 'disabled-local-only',
        audience: '',
      }),
    );
    const apiServer = getTestServer(apiName);
    const apiPort = await listen(apiServer, await freePort());
    closers.push(() => new Promise((r) => apiServer.close(() => r(undefined))));

    const apiUrl = `http://127.0.0.1:${apiPort}/v1`;
    const directoryFlows = () =>
      dev
        .flows()
        .filter((f) => f.file !== RUN_BY_FILE)
        .map((f) => f.definition);
    const triggers = startLocalTriggers({
      apiUrl,
      flows: directoryFlows,
      ...(opts.triggerClock === undefined ? {} : { now: opts.triggerClock }),
      schedules: opts.schedules !== false,
    });
    closers.push(async () => triggers.close());
    dev.env.onStorageEvent((event) => void triggers.storageEvent(event));
    dev.onFlowsChanged(() => triggers.rearm());

    const source = storeSource({
      store: dev.runtime.store,
      db: dev.runtime.db,
      where: `the dev environment (project ${dev.env.projectId})`,
      projectId: dev.env.projectId,
      flows: () => dev.flows().map((f) => f.definition),
    });
    const consoleHandler: ConsoleHandler = createConsoleHandler({
      source,
      actions: {
        cancel: (id, reason) => dev.cancel(id, reason, { kind: 'api', id: 'console' }),
        redrive: (id) => dev.redrive(id, { kind: 'api', id: 'console' }),
      },
      mode: 'local',
    });
    closers.push(() => consoleHandler.close());

    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://local');
      const route = `${req.method} ${url.pathname}`;
      controlRoute(dev, triggers, req.method ?? 'GET', url.pathname, () => readJson(req))
        .then((out) => {
          if (out) sendJson(res, out.status, out.body);
          else consoleHandler.handle(req, res, url);
        })
        .catch((e: unknown) => sendThrown(res, e, route));
    });
    const wanted = opts.port ?? 8080;
    let port: number;
    try {
      port = await listen(server, wanted);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      port = await listen(server, await freePort());
      notes.push(`port ${wanted} is in use; the console is on ${port} instead (pass --port to choose)`);
    }
    closers.push(
      () =>
        new Promise((r) => {
          server.closeAllConnections();
          server.close(() => r(undefined));
        }),
    );

    const base = `http://127.0.0.1:${port}`;
    const info: DevInfo = {
      pid: process.pid,
      consoleUrl: `${base}/`,
      apiUrl,
      controlUrl: `${base}/dev`,
      projectId: dev.env.projectId,
      firestoreHost: dev.env.firestore.host,
      ...(dev.env.pubsubEmulator ? { pubsubHost: dev.env.pubsubEmulator.host } : {}),
      fakes: {
        functions: dev.env.fakes.functions.url,
        dataflow: dev.env.fakes.dataflow.url,
        dataproc: dev.env.fakes.dataproc.url,
        http: dev.env.fakes.http.url,
        storage: dev.env.fakes.storage.url,
      },
      flowsDirs: opts.flowsDirs,
      startedAt: new Date().toISOString(),
    };
    const infoPath = opts.infoPath ?? devInfoPath();
    await writeDevInfo(info, infoPath);
    closers.push(() => removeDevInfo(process.pid, infoPath));
    return { info, dev, triggers, notes, close };
  } catch (e) {
    await close();
    throw e;
  }
}
