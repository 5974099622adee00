/**
 * One outgoing HTTP request with a JSON body and a deadline, shared by the function and Http
 * launchers. Network faults and the deadline reject (classified by `launch-errors.ts`); any HTTP
 * answer resolves, whatever its status.
 */
export interface HttpCall {
  url: string;
  method: 'POST' | 'PUT' | 'GET';
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** @example const answer = await callHttp({ url, method: 'POST', headers: {}, body: { a: 1 }, timeoutMs: 10_000 }); */
export async function callHttp(call: HttpCall): Promise<HttpAnswer> {
  const res = await fetch(call.url, {
    method: call.method,
    headers: { ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}), ...call.headers },
    ...(call.body !== undefined && call.method !== 'GET' ? { body: JSON.stringify(call.body) } : {}),
    signal: AbortSignal.timeout(call.timeoutMs),
    redirect: 'follow',
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** An error that carries an HTTP status, so it classifies like a client-library error. */
export class HttpStatusError extends Error {
  override readonly name = 'HttpStatusError';
  constructor(
    readonly status: number,
    message: string,
    readonly response?: { status: number; headers: Headers },
  ) {
    super(message);
  }
}
