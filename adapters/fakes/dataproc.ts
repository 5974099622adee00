/**
 * A local Dataproc service (REST v1) for inline workflow templates:
 * `POST /v1/projects/{p}/regions/{r}/workflowTemplates:instantiateInline?requestId=…` answers a
 * long-running Operation whose `metadata` is a `WorkflowMetadata` (state PENDING → RUNNING → DONE),
 * and `GET /v1/projects/{p}/regions/{r}/operations/{id}` reports it. A repeated `requestId` answers
 * the operation it already started (Dataproc's idempotency), never a second workflow.
 * Behaviour is chosen per workflow by the template label `firestep-target` (else the template id).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { labelValue } from '../dataproc/workflow.ts';
import { listen, readJson, sendGoogleError, sendJson, TimerSet } from './http.ts';

export interface DataprocBehavior {
  /** `succeed` (default), `fail` (a job of the workflow fails), `lag` (RUNNING for ever). */
  outcome?: 'succeed' | 'fail' | 'lag';
  /** instantiate → done, in ms (default 30). */
  runMs?: number;
  failMessage?: string;
  /** Errors answered to the next instantiate requests, one per request, in order. */
  launchErrors?: Array<{ status: number; message?: string }>;
}

/** google.longrunning.Operation (REST JSON). */
export interface DataprocOperationJson {
  name: string;
  metadata: {
    '@type': 'type.googleapis.com/google.cloud.dataproc.v1.WorkflowMetadata';
    template: string;
    state: 'PENDING' | 'RUNNING' | 'DONE';
    clusterName: string;
    graph: {
      nodes: Array<{
        stepId: string;
        jobId: string;
        state: 'RUNNABLE' | 'RUNNING' | 'COMPLETED' | 'FAILED';
        error?: string;
      }>;
    };
    startTime: string;
    endTime?: string;
    labels?: Record<string, string>;
  };
  done: boolean;
  error?: { code: number; message: string };
  response?: { '@type': 'type.googleapis.com/google.protobuf.Empty' };
}

export interface FakeDataprocWorkflow {
  requestId: string | undefined;
  template: Record<string, unknown>;
  operation: DataprocOperationJson;
}

export interface FakeDataprocOptions {
  defaultBehavior?: DataprocBehavior;
  now?: () => Date;
  port?: number;
}

export interface FakeDataproc {
  /** Root URL for googleapis (`rootUrl`), e.g. `http://127.0.0.1:PORT/`. */
  url: string;
  /** Every workflow started, by operation name. */
  workflows: ReadonlyMap<string, FakeDataprocWorkflow>;
  /** Script workflows whose key (label `firestep-target` or template id) starts with the prefix. */
  setBehavior(prefix: string, behavior: DataprocBehavior): void;
  close(): Promise<void>;
}

const INSTANTIATE = /^\/v1\/projects\/([^/]+)\/regions\/([^/]+)\/workflowTemplates:instantiateInline$/;
const OPERATION = /^\/v1\/(projects\/[^/]+\/regions\/[^/]+\/operations\/[^/]+)$/;
const REQUEST_ID = /^[a-zA-Z0-9_-]{1,40}$/;

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * Start the fake Dataproc service.
 *
 * @example
 * const fake = await startFakeDataproc();
 * const dp = dataproc({ version: 'v1', rootUrl: fake.url, auth });
 */
export async function startFakeDataproc(opts: FakeDataprocOptions = {}): Promise<FakeDataproc> {
  const now = opts.now ?? (() => new Date());
  const workflows = new Map<string, FakeDataprocWorkflow>();
  const byRequest = new Map<string, string>();
  const behaviors = new Map<string, DataprocBehavior>();
  const errorsUsed = new Map<string, number>();
  const timers = new TimerSet();
  if (opts.defaultBehavior) behaviors.set('', opts.defaultBehavior);
  let seq = 0;

  function behaviorFor(key: string): [string, DataprocBehavior] {
    let best: [string, DataprocBehavior] = ['', {}];
    for (const [prefix, b] of behaviors)
      if (key.startsWith(prefix) && prefix.length >= best[0].length) best = [prefix, b];
    return best;
  }

  function start(
    project: string,
    region: string,
    requestId: string | undefined,
    template: Record<string, unknown>,
    key: string,
  ) {
    seq += 1;
    const at = now();
    const name = `projects/${project}/regions/${region}/operations/${uuidFrom(`${seq}:${requestId ?? ''}:${key}`)}`;
    const jobs = Array.isArray(template.jobs) ? template.jobs.map(obj) : [];
    const placement = obj(obj(template.placement).managedCluster);
    const op: DataprocOperationJson = {
      name,
      metadata: {
        '@type': 'type.googleapis.com/google.cloud.dataproc.v1.WorkflowMetadata',
        template: typeof template.id === 'string' ? template.id : '',
        state: 'PENDING',
        clusterName: `${typeof placement.clusterName === 'string' ? placement.clusterName : 'cluster'}-${seq}`,
        graph: {
          nodes: jobs.map((j, i) => ({
            stepId: typeof j.stepId === 'string' ? j.stepId : `step-${i}`,
            jobId: `${typeof j.stepId === 'string' ? j.stepId : 'job'}-${uuidFrom(name).slice(0, 8)}`,
            state: 'RUNNABLE' as const,
          })),
        },
        startTime: at.toISOString(),
        ...(template.labels ? { labels: template.labels as Record<string, string> } : {}),
      },
      done: false,
    };
    workflows.set(name, { requestId, template, operation: op });
    if (requestId) byRequest.set(`${project}/${region}/${requestId}`, name);
    const [, behavior] = behaviorFor(key);
    const runMs = behavior.runMs ?? 30;
    timers.after(Math.min(10, runMs / 2), () => {
      op.metadata.state = 'RUNNING';
      for (const n of op.metadata.graph.nodes) n.state = 'RUNNING';
    });
    if (behavior.outcome === 'lag') return op;
    timers.after(runMs, () => {
      op.metadata.state = 'DONE';
      op.metadata.endTime = now().toISOString();
      op.done = true;
      if (behavior.outcome === 'fail') {
        const failed = op.metadata.graph.nodes[0];
        const message =
          behavior.failMessage ??
          `Job failed with message [fake: step ${failed?.stepId ?? '?'} exited with code 1]`;
        if (failed) Object.assign(failed, { state: 'FAILED', error: message });
        op.error = { code: 9, message };
      } else {
        for (const n of op.metadata.graph.nodes) n.state = 'COMPLETED';
        op.response = { '@type': 'type.googleapis.com/google.protobuf.Empty' };
      }
    });
    return op;
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const op = OPERATION.exec(url.pathname);
    if (op && req.method === 'GET') {
      const w = workflows.get(decodeURIComponent(op[1] ?? ''));
      return w ? sendJson(res, 200, w.operation) : sendGoogleError(res, 404, `Operation not found: ${op[1]}`);
    }
    const m = INSTANTIATE.exec(url.pathname);
    if (!m || req.method !== 'POST')
      return sendGoogleError(res, 404, `fake Dataproc: no route for ${req.method} ${url.pathname}`);
    const [, project = '', region = ''] = m;
    const requestId = url.searchParams.get('requestId') ?? undefined;
    if (requestId !== undefined && !REQUEST_ID.test(requestId))
      return sendGoogleError(res, 400, `Invalid requestId "${requestId}": it must match [a-zA-Z0-9_-]{1,40}`);
    const template = obj(await readJson(req));
    if (!Array.isArray(template.jobs) || template.jobs.length === 0)
      return sendGoogleError(res, 400, 'WorkflowTemplate.jobs must contain at least one job');
    const labels = obj(template.labels);
    const key = labelValue(
      typeof labels['firestep-target'] === 'string'
        ? labels['firestep-target']
        : typeof template.id === 'string'
          ? template.id
          : '',
    );
    const [prefix, behavior] = behaviorFor(key);
    const used = errorsUsed.get(prefix) ?? 0;
    const scripted = behavior.launchErrors?.[used];
    if (scripted) {
      errorsUsed.set(prefix, used + 1);
      return sendGoogleError(
        res,
        scripted.status,
        scripted.message ?? `fake Dataproc: scripted error ${scripted.status}`,
      );
    }
    const existing = requestId ? byRequest.get(`${project}/${region}/${requestId}`) : undefined;
    const w = existing ? workflows.get(existing) : undefined;
    return sendJson(res, 200, w ? w.operation : start(project, region, requestId, template, key));
  }

  const server = await listen(route, opts.port);
  return {
    url: `${server.url}/`,
    workflows,
    // Keys are compared in label form, so a target name like `Daily_Agg` matches its label `daily_agg`.
    setBehavior: (prefix, behavior) => {
      behaviors.set(labelValue(prefix), behavior);
      errorsUsed.delete(labelValue(prefix));
    },
    close: async () => {
      timers.clear();
      await server.close();
    },
  };
}
