/**
 * One place that decides whether a failed call to a platform is worth repeating. Retryable: HTTP 408,
 * 429 and 5xx, gRPC UNAVAILABLE / DEADLINE_EXCEEDED / RESOURCE_EXHAUSTED / INTERNAL / ABORTED,
 * timeouts and connection resets. Everything else (400, 401, 403, 404, bad configuration) is terminal:
 * repeating it would fail the same way.
 */
import type { StepError } from '../../engine/core/events.ts';
import { ERROR_NAMES } from '../../engine/flow/model.ts';
import type { LaunchResult } from '../../engine/ports/index.ts';

const RETRYABLE_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
/** gRPC codes: ABORTED 10, DEADLINE_EXCEEDED 4, INTERNAL 13, RESOURCE_EXHAUSTED 8, UNAVAILABLE 14. */
const RETRYABLE_GRPC = new Set([4, 8, 10, 13, 14]);
/** gRPC ALREADY_EXISTS. */
const GRPC_ALREADY_EXISTS = 6;

type Loose = {
  status?: unknown;
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  response?: { status?: unknown; headers?: unknown };
};

/**
 * HTTP status carried by a gaxios / gax / fetch-wrapper error, if any.
 *
 * @example httpStatusOf({ response: { status: 503 } }) === 503
 */
export function httpStatusOf(e: unknown): number | undefined {
  const x = (e ?? {}) as Loose;
  if (typeof x.status === 'number') return x.status;
  if (typeof x.response?.status === 'number') return x.response.status;
  if (typeof x.code === 'number' && x.code >= 100) return x.code;
  return undefined;
}

/**
 * True for "already exists" in any of its spellings: HTTP 409, gRPC 6, status ALREADY_EXISTS.
 *
 * @example isAlreadyExists({ code: 6 }) === true
 */
export function isAlreadyExists(e: unknown): boolean {
  const x = (e ?? {}) as Loose;
  return (
    httpStatusOf(e) === 409 ||
    x.code === GRPC_ALREADY_EXISTS ||
    String(x.message ?? '').includes('ALREADY_EXISTS')
  );
}

function networkCode(e: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof e !== 'object' || e === null) return undefined;
  const x = e as Loose;
  if (typeof x.code === 'string' && RETRYABLE_NETWORK.has(x.code)) return x.code;
  if (x.name === 'TimeoutError' || x.name === 'AbortError') return 'TIMEOUT';
  return networkCode(x.cause, depth + 1);
}

function retryAfterOf(e: unknown): number | undefined {
  const headers = ((e ?? {}) as Loose).response?.headers;
  let raw: unknown;
  // gaxios hands back a Headers-like object of its own realm, so duck-type rather than `instanceof`.
  const get = (headers as { get?: unknown } | undefined)?.get;
  if (typeof get === 'function') raw = get.call(headers, 'retry-after');
  else if (typeof headers === 'object' && headers !== null)
    raw = (headers as Record<string, unknown>)['retry-after'];
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Is this failure transient?
 *
 * @example isRetryable({ code: 'ECONNRESET' }) === true; isRetryable({ status: 403 }) === false
 */
export function isRetryable(e: unknown): boolean {
  const status = httpStatusOf(e);
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  // Before gRPC codes: a DOMException TimeoutError carries a numeric legacy `code` (23).
  if (networkCode(e) !== undefined) return true;
  const code = ((e ?? {}) as Loose).code;
  return typeof code === 'number' && RETRYABLE_GRPC.has(code);
}

/**
 * The message of an error.
 *
 * @example messageOf(new Error('quota')) === 'quota'
 */
export function messageOf(e: unknown): string {
  const x = (e ?? {}) as Loose;
  return typeof x.message === 'string' && x.message !== '' ? x.message : String(e);
}

/**
 * Turn a failed launch call into a LaunchResult: `retry` for transient faults, `failed` otherwise.
 *
 * @example classifyLaunchError(err, 'Dataflow flexTemplates.launch of "word-count"')
 */
export function classifyLaunchError(
  e: unknown,
  what: string,
): Extract<LaunchResult, { status: 'failed' | 'retry' }> {
  const status = httpStatusOf(e);
  const code = ((e ?? {}) as Loose).code;
  const net = networkCode(e);
  const cause = {
    ...(status !== undefined ? { status } : {}),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(net !== undefined ? { network: net } : {}),
  };
  const error: StepError = {
    name: ERROR_NAMES.launchFailed,
    kind: 'launch',
    message: `${what} failed${status !== undefined ? ` (HTTP ${status})` : ''}: ${messageOf(e)}`,
    ...(Object.keys(cause).length ? { cause } : {}),
  };
  if (!isRetryable(e)) return { status: 'failed', error };
  const retryAfterSeconds = retryAfterOf(e);
  return { status: 'retry', error, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
}

/**
 * A terminal launch failure caused by the flow's or the deployment's configuration.
 *
 * @example configFailure('target "wc" has no region; set region on the step or FIRESTEP_REGION')
 */
export function configFailure(message: string): Extract<LaunchResult, { status: 'failed' }> {
  return { status: 'failed', error: { name: ERROR_NAMES.launchFailed, kind: 'launch', message } };
}
