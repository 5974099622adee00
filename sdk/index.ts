/**
 * firestep's SDK for users' Cloud Functions (`firestep/sdk`), the Dagster-Pipes-like path: read the
 * context firestep injected, run the handler, report success (with its output) or failure, log lines
 * and metadata straight back to the engine. Faster than log ingestion, and able to carry outputs.
 *
 * The callback is delivered *before* the function answers its HTTP request, and Cloud Functions
 * writes its end-of-execution log line (which carries no output) only after that answer — but
 * delivery through a topic or a retried callback can still arrive after the line. Declare the step
 * `wait_for_callback: true` (`cloudFunction(name, { wait_for_callback: true })`, with the Task's
 * `timeout_seconds`) so that the line only confirms and the callback's output always completes the
 * step; without it, the first success wins and a later output is recorded as `LateOutputRejected`
 * (docs/reference/flow-format.md). The HTTP status still tells the truth (200 / 500): a failure line
 * fails the step either way.
 *
 * @example
 * import * as functions from '@google-cloud/functions-framework';
 * import { withFirestep } from 'firestep/sdk';
 * functions.http('countRows', withFirestep(async ({ input, log, metadata }) => {
 *   log(`counting ${input.table}`);
 *   metadata({ source: 'bq' });
 *   return { rows: 42 };
 * }));
 */
import { randomUUID } from 'node:crypto';
import { log as structuredLog } from '../engine/log.ts';
import type { CallbackMessage, FirestepContext } from '../engine/signals/wire/callback.ts';
import { type ContextRead, readAttributeContext, readHttpContext } from './context.ts';
import { type ReplyOptions, sendCallback } from './reply.ts';

export type { FirestepContext } from '../engine/signals/wire/callback.ts';
export {
  DELIVERY_HEADER,
  type NotificationVerdict,
  notificationKey,
  SIGNATURE_HEADER,
  verifyNotification,
} from '../engine/signals/wire/notification.ts';
export { readAttributeContext, readHttpContext } from './context.ts';
export { audienceOf, type CallbackIdToken, isLocalUrl, metadataIdToken } from './id-token.ts';
export { type ReplyOptions, sendCallback } from './reply.ts';

/** What the handler gets. `context` is undefined when the function was called without firestep. */
export interface FirestepRun<I> {
  input: I;
  context: FirestepContext | undefined;
  /** A log line: printed (structured) and reported to the execution's history. */
  log(line: string): void;
  /** Metadata merged into what is reported (e.g. row counts, URLs of outputs). */
  metadata(fields: Record<string, unknown>): void;
}

export type FirestepHandler<I = unknown, O = unknown> = (run: FirestepRun<I>) => O | Promise<O>;

export interface WithFirestepOptions extends ReplyOptions {
  /** A callback larger than this fails the step with `States.DataLimitExceeded` (default 250 000). */
  maxCallbackBytes?: number;
}

/** The parts of an Express / functions-framework request the wrapper reads. */
export interface HttpRequestLike {
  body?: unknown;
}
/** The parts of an Express / functions-framework response the wrapper uses. */
export interface HttpResponseLike {
  status(code: number): HttpResponseLike;
  json(body: unknown): unknown;
}
/** A CloudEvent carrying a Pub/Sub message, as functions-framework passes it. */
export interface PubsubCloudEventLike {
  id?: string;
  data?: unknown;
}

const MAX_LINES = 1000;

/**
 * Wrap an HTTP function. Input = the `input` field of firestep's launch body `{ input, firestep }`;
 * the whole body when called directly (no `firestep` field).
 *
 * @example functions.http('load', withFirestep(async ({ input }) => ({ loaded: input.rows })));
 */
export function withFirestep<I = unknown, O = unknown>(
  handler: FirestepHandler<I, O>,
  opts: WithFirestepOptions = {},
): (req: HttpRequestLike, res: HttpResponseLike) => Promise<void> {
  return async (req, res) => {
    const { read, input } = readHttpContext(req.body);
    if (read.status === 'invalid') {
      structuredLog.error('firestep context rejected', { reason: read.reason });
      res.status(400).json({ error: { name: 'FirestepContextInvalid', message: read.reason } });
      return;
    }
    const result = await run(handler, read, input as I, opts);
    if (result.delivery === 'failed')
      structuredLog.error('firestep callback not delivered', { error: result.deliveryError });
    if (result.ok) res.status(200).json(result.output);
    else res.status(500).json({ error: result.error });
  };
}

/**
 * Wrap a CloudEvent (Pub/Sub-triggered) function. Input = the message data (JSON if it parses, else
 * the text); context = the `firestep_*` attributes. A failure that was reported to firestep is
 * acknowledged (firestep's retry policy decides what happens next); without firestep, or when the
 * report could not be delivered, the error is rethrown as usual.
 *
 * @example functions.cloudEvent('onMessage', withFirestepEvent(async ({ input }) => process(input)));
 */
export function withFirestepEvent<I = unknown, O = unknown>(
  handler: FirestepHandler<I, O>,
  opts: WithFirestepOptions = {},
): (event: PubsubCloudEventLike) => Promise<void> {
  return async (event) => {
    const message = (
      event.data as { message?: { data?: string; attributes?: Record<string, string> } } | undefined
    )?.message;
    const read = readAttributeContext(message?.attributes);
    if (read.status === 'invalid') throw new Error(`firestep context rejected: ${read.reason}`);
    const result = await run(handler, read, decodeData(message?.data) as I, opts);
    if (result.delivery === 'failed')
      structuredLog.error('firestep callback not delivered', { error: result.deliveryError });
    if (!result.ok && result.delivery !== 'delivered') throw result.thrown;
  };
}

type RunResult = { delivery: 'delivered' | 'failed' | 'none'; deliveryError?: unknown } & (
  | { ok: true; output: unknown }
  | { ok: false; error: { name: string; message: string }; thrown: unknown }
);

async function run<I, O>(
  handler: FirestepHandler<I, O>,
  read: ContextRead,
  input: I,
  opts: WithFirestepOptions,
): Promise<RunResult> {
  const context = read.status === 'present' ? read.context : undefined;
  const lines: string[] = [];
  let dropped = 0;
  let meta: Record<string, unknown> | undefined;
  const where = context
    ? { executionId: context.executionId, path: context.path, attempt: context.attempt }
    : undefined;
  const api: FirestepRun<I> = {
    input,
    context,
    log(line) {
      structuredLog.info(line, where ? { firestep: where } : undefined, traceOf(context));
      if (lines.length < MAX_LINES - 1) lines.push(line);
      else dropped++;
    },
    metadata(fields) {
      meta = { ...meta, ...fields };
    },
  };
  let outcome:
    | { ok: true; output: unknown }
    | { ok: false; error: { name: string; message: string }; thrown: unknown };
  try {
    const output = await handler(api);
    outcome = { ok: true, output: output === undefined ? null : output };
  } catch (e) {
    outcome = { ok: false, error: errorOf(e), thrown: e };
  }
  if (!context) return { ...outcome, delivery: 'none' };
  if (dropped > 0) lines.push(`… ${dropped} more lines not reported`);

  let message = callbackMessage(context, outcome, lines, meta);
  const size = jsonSize(message);
  const limit = opts.maxCallbackBytes ?? 250_000;
  if (size === undefined || size > limit) {
    const error = {
      name: 'States.DataLimitExceeded',
      message:
        size === undefined
          ? 'the output is not JSON-serializable'
          : `the callback is ${size} bytes (limit ${limit}): store large results elsewhere (e.g. Cloud Storage) and return a reference`,
    };
    outcome = { ok: false, error, thrown: new Error(error.message) };
    message = callbackMessage(context, outcome, lines.slice(0, 20), undefined);
  }
  try {
    await sendCallback(context, message, opts);
    return { ...outcome, delivery: 'delivered' };
  } catch (e) {
    return { ...outcome, delivery: 'failed', deliveryError: e };
  }
}

function callbackMessage(
  context: FirestepContext,
  outcome: { ok: true; output: unknown } | { ok: false; error: { name: string; message: string } },
  lines: string[],
  meta: Record<string, unknown> | undefined,
): CallbackMessage {
  const message: CallbackMessage = {
    kind: 'firestep.callback',
    id: randomUUID(),
    token: context.token,
    executionId: context.executionId,
    path: context.path,
    attempt: context.attempt,
    outcome: outcome.ok ? 'succeeded' : 'failed',
  };
  if (outcome.ok) message.output = outcome.output;
  else message.error = outcome.error;
  if (lines.length > 0) message.lines = lines;
  if (meta !== undefined) message.metadata = meta;
  return message;
}

/** Ties the user's lines to the attempt's trace in Cloud Logging (when the project is known). */
function traceOf(context: FirestepContext | undefined): { trace: string } | undefined {
  const project = process.env.GOOGLE_CLOUD_PROJECT ?? process.env.GCLOUD_PROJECT ?? process.env.GCP_PROJECT;
  return context && project ? { trace: `projects/${project}/traces/${context.traceId}` } : undefined;
}

function errorOf(e: unknown): { name: string; message: string } {
  if (e instanceof Error) return { name: e.name || 'Error', message: e.message };
  if (typeof e === 'string') return { name: 'Error', message: e };
  let text: string | undefined;
  try {
    text = JSON.stringify(e);
  } catch {
    text = undefined;
  }
  return { name: 'Error', message: text ?? String(e) };
}

function jsonSize(value: unknown): number | undefined {
  try {
    return Buffer.byteLength(JSON.stringify(value), 'utf8');
  } catch {
    return undefined;
  }
}

function decodeData(data: string | undefined): unknown {
  if (data === undefined || data === '') return null;
  const text = Buffer.from(data, 'base64').toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
