/**
 * The little HTTP plumbing every protocol fake shares: a loopback server that closes cleanly (open
 * keep-alive sockets from the Google client libraries would otherwise hold `close()` forever), JSON
 * bodies, Google's error envelope, and timers that are all cancelled on close.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export interface LocalServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Google's canonical error codes by HTTP status (google.rpc.Code names used in REST errors). */
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/**
 * The google.rpc.Status name for an HTTP status (`UNKNOWN` when there is no usual mapping).
 *
 * @example statusName(409) === 'ALREADY_EXISTS'
 */
export function statusName(code: number): string {
  return STATUS_NAMES[code] ?? 'UNKNOWN';
}

/**
 * Start a loopback HTTP server. A handler that throws answers 500 in Google's error format, so a bug
 * in a fake shows up as a server error in the test rather than a hung request.
 *
 * @example const srv = await listen((req, res) => sendJson(res, 200, {})); await srv.close();
 */
export async function listen(handler: RouteHandler, port = 0): Promise<LocalServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    Promise.resolve()
      .then(() => handler(req, res, url))
      .catch((e: unknown) => {
        if (!res.headersSent) sendGoogleError(res, 500, e instanceof Error ? e.message : String(e));
        else res.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Read a request body as JSON (`undefined` for an empty body). Malformed JSON throws. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.length === 0 ? undefined : (JSON.parse(text) as unknown);
}

/** Answer with a JSON body. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Answer in Google's REST error format: `{"error": {"code", "message", "status"}}`, which gaxios turns
 * into a `GaxiosError` with `status` and the Google client libraries into errors with `code`.
 */
export function sendGoogleError(
  res: ServerResponse,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, code, { error: { code, message, status: statusName(code) } }, headers);
}

/**
 * setTimeout/setInterval bookkeeping: every pending timer of a fake is cleared by `clear()`, so closing
 * a fake never leaves a callback that fires into a finished test.
 */
export class TimerSet {
  readonly #pending = new Set<NodeJS.Timeout>();

  after(ms: number, fn: () => void): void {
    const t = setTimeout(
      () => {
        this.#pending.delete(t);
        fn();
      },
      Math.max(0, ms),
    );
    this.#pending.add(t);
  }

  clear(): void {
    for (const t of this.#pending) clearTimeout(t);
    this.#pending.clear();
  }
}
