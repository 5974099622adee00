/**
 * The few HTTP helpers the console server needs on top of `node:http`: JSON bodies in and out,
 * one error shape (`{error: {code, message}}`, the API function's), and thrown errors mapped to a
 * 4xx by their `code` — a 500 only for the console's own faults, with a one-line message.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ErrorCode, FirestepError, isFirestepError } from '../engine/errors.ts';
import { log } from '../engine/log.ts';

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  CONFIG: 400,
  FLOW_PARSE: 400,
  FLOW_INVALID: 400,
  SIGNAL_MALFORMED: 400,
  UNKNOWN_STEP: 400,
  EXECUTION_NOT_FOUND: 404,
  EXECUTION_CONFLICT: 409,
  EXECUTION_FINISHED: 409,
  DEFINITION_MISMATCH: 409,
  UNAUTHENTICATED: 401,
};

/** Largest request body accepted (flow definitions included). */
const MAX_BODY = 2 * 1024 * 1024;

/**
 * Write a JSON response.
 *
 * @example sendJson(res, 200, { ok: true });
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** Write an error in the API's shape. */
export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/**
 * Read and parse a JSON body (empty body → `{}`); a bad body is a `SIGNAL_MALFORMED` (400).
 *
 * @example const body = await readJson(req);
 */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY)
      throw new FirestepError('SIGNAL_MALFORMED', `request body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new FirestepError('SIGNAL_MALFORMED', `request body is not JSON: ${(e as Error).message}`);
  }
}

/**
 * Answer a thrown error: a FirestepError with a known code → its 4xx; anything else → 500 with a
 * one-line message (the details go to the log).
 */
export function sendThrown(res: ServerResponse, e: unknown, route: string): void {
  if (isFirestepError(e)) {
    const status = STATUS_BY_CODE[e.code] ?? 500;
    if (status === 500) log.error('console request failed', { route, code: e.code, error: e.message });
    sendError(res, status, e.code, e.message.split('\n')[0] ?? e.message);
    return;
  }
  log.error('console request failed', { route, error: e });
  sendError(res, 500, 'INTERNAL', `${route} failed: ${(e as Error)?.message ?? String(e)}`.split('\n')[0]!);
}
