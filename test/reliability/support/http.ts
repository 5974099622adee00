/**
 * The deployed HTTP entry points over a suite runtime: the API function (`createApiHandler`, with
 * OIDC enforced on `/v1/timers`) and the engine's push function (`enginePushHandler`, push auth
 * disabled as on a local emulator), each served by the functions framework on a loopback port.
 */
import { request } from 'node:http';
import * as functions from '@google-cloud/functions-framework';
import { createApiHandler } from '../../../functions/api/handler.ts';
import { enginePushHandler } from '../../../functions/engine/push.ts';
import type { Runtime } from '../../../runtime/runtime.ts';
import { serve, testPushAuth } from '../../functions/support.ts';

export const TIMER_AUDIENCE = 'https://api.example/v1/timers';
export const TIMER_SA = 'firestep-tasks@test.iam.gserviceaccount.com';

export interface Served {
  url: string;
  close(): Promise<void>;
}

let n = 0;

/** Serve the API function over `runtime`. */
export async function serveApi(runtime: Runtime): Promise<Served> {
  const name = `relApi${++n}`;
  functions.http(
    name,
    createApiHandler(async () => runtime, testPushAuth(TIMER_AUDIENCE, TIMER_SA)),
  );
  return serve(name);
}

/** Serve the engine's push function over `runtime` (push auth off). */
export async function serveEnginePush(runtime: Runtime): Promise<Served> {
  const name = `relPush${++n}`;
  functions.http(
    name,
    enginePushHandler(async () => runtime, { mode: 'disabled-local-only', audience: '' }),
  );
  return serve(name);
}

/**
 * One request; the body is parsed as JSON when it is. Sent with node:http, which sends the path as
 * given (fetch would resolve `.` / `%2E` segments away before they reach the server).
 */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const url = new URL(base);
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { text };
  }
  return { status, body: parsed, text };
}
