/**
 * Between the functions framework's express request/response and the router's plain values: the
 * body the framework parsed, a 415 for bodies that are not JSON, and one JSON response writer.
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import { type ApiRequest, type ApiResponse, apiPath, errorResponse } from './router.ts';

/** The framework keeps the raw bytes of every body it parsed. */
type RequestWithRaw = Request & { rawBody?: Buffer };

function isJsonType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mime = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return mime === 'application/json' || mime.endsWith('+json');
}

/**
 * Reduce an express request to an {@link ApiRequest}, or answer 415 when a body is present but not
 * JSON. (Malformed JSON sent as `application/json` never gets here: the framework answers 400.)
 *
 * @example const r = toApiRequest(req); if ('status' in r) return send(res, r);
 */
export function toApiRequest(req: Request): ApiRequest | ApiResponse {
  const raw = (req as RequestWithRaw).rawBody;
  const hasBody = raw !== undefined && raw.length > 0;
  const contentType = req.header('content-type');
  if (hasBody && !isJsonType(contentType)) {
    return errorResponse(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `the body must be JSON; send Content-Type: application/json (got ${contentType ?? 'none'})`,
    );
  }
  const url = new URL(req.originalUrl ?? req.url, 'http://local');
  return {
    method: req.method.toUpperCase(),
    path: apiPath(url.pathname),
    query: url.searchParams,
    body: hasBody ? req.body : undefined,
    header: (name) => req.header(name) ?? undefined,
  };
}

/**
 * Write an {@link ApiResponse} as JSON (no body for 204).
 *
 * @example send(res, { status: 201, body: { executionId } });
 */
export function send(res: Response, out: ApiResponse): void {
  for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
  if (out.body === undefined || out.status === 204) {
    res.status(out.status).end();
    return;
  }
  res.status(out.status).json(out.body);
}
