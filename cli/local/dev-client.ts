/**
 * The `--local` commands' side of a running `firestep dev`: find it through `.firestep/dev.json`,
 * and call its control routes (start a run with its fault plan, cancel, redrive). Errors come back
 * in the API's shape and are rethrown with their code, so the CLI prints the same one line.
 */
import { type ErrorCode, FirestepError } from '../../engine/errors.ts';
import type { FlowDefinition, Json } from '../../engine/flow/model.ts';
import type { ActionOutcome } from '../../runtime/local/actions.ts';
import { type DevInfo, findDev } from '../../runtime/local/dev-info.ts';

export type { DevInfo };

let found: Promise<DevInfo | undefined> | undefined;

/**
 * The running `dev`, if any (looked up once per process).
 *
 * @example const dev = await liveDev(); if (dev) … else … // start emulators of its own
 */
export function liveDev(): Promise<DevInfo | undefined> {
  found ??= findDev();
  return found;
}

/** The running `dev`, or a CONFIG error saying how to start one. */
export async function requireDev(what: string): Promise<DevInfo> {
  const dev = await liveDev();
  if (!dev) {
    throw new FirestepError(
      'CONFIG',
      `${what} --local needs a running \`firestep dev\` (start it in another terminal: npm run --silent firestep -- dev)`,
    );
  }
  return dev;
}

async function post<T>(dev: DevInfo, path: string, body: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${dev.controlUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (e) {
    throw new FirestepError(
      'CONFIG',
      `firestep dev at ${dev.controlUrl} does not answer (${(e as Error).message}); restart it`,
    );
  }
  const parsed = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!res.ok) {
    throw new FirestepError(
      (parsed.error?.code ?? 'INTERNAL') as ErrorCode,
      parsed.error?.message ?? `firestep dev answered HTTP ${res.status}`,
    );
  }
  return parsed as T;
}

/**
 * Cancel or redrive through `dev` (the same code path as its console's buttons).
 *
 * @example const { message } = await devAction('cancel', 'sample-dag~x', { reason: 'wrong input' });
 */
export async function devAction(
  kind: 'cancel' | 'redrive',
  executionId: string,
  opts: { reason?: string | undefined },
): Promise<ActionOutcome> {
  const dev = await requireDev(kind);
  return post<ActionOutcome>(dev, `/executions/${encodeURIComponent(executionId)}:${kind}`, {
    ...(opts.reason === undefined ? {} : { reason: opts.reason }),
  });
}

/** A run as `dev` starts it. */
export interface DevRunRequest {
  definition?: FlowDefinition;
  flowId?: string;
  input: Json;
  name?: string;
  fail?: string[];
  hang?: string[];
  trigger?: Json;
}

/**
 * Start an execution on `dev`: it registers the flow, scripts its fakes and starts it.
 *
 * @example const { executionId } = await devStart(dev, { definition, input: {} });
 */
export function devStart(
  dev: DevInfo,
  request: DevRunRequest,
): Promise<{ executionId: string; created: boolean }> {
  return post(dev, '/runs', request);
}

/** What `dev` answered for an object landed in its fake Cloud Storage. */
export interface DevLanded {
  uri: string;
  generation: string;
  eventId: string;
  deliveries: Array<{
    flowId: string;
    index: number;
    status: number;
    executionId?: string;
    created?: boolean;
    note?: string;
  }>;
}

/**
 * Write `uri` to `dev`'s fake Cloud Storage: its finalized CloudEvent goes to every matching gcs trigger.
 *
 * @example const { deliveries } = await devLand(dev, 'gs://acme-landing/orders/1.csv', 'id,qty');
 */
export function devLand(dev: DevInfo, uri: string, content: string): Promise<DevLanded> {
  return post(dev, '/storage:land', { uri, content });
}
