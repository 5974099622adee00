/**
 * A tiny router for the API function: `METHOD /path/{param}:verb` patterns, 404 for unknown paths,
 * 405 (with `Allow`) for a known path with another method. The functions framework already parsed
 * the body; this module only matches and dispatches, so it has no express dependency.
 */

/** What a route handler sees: the framework's request reduced to what the API needs. */
export interface ApiRequest {
  method: string;
  /** Path from `/v1/…` on (a deployment prefix such as `/firestep-api` is dropped). */
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body, `undefined` when the request had none. */
  body: unknown;
  header(name: string): string | undefined;
}

export interface ApiResponse {
  status: number;
  /** Serialised as JSON; absent → empty body. */
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (req: ApiRequest, params: Record<string, string>) => Promise<ApiResponse>;

export type HttpMethod = 'GET' | 'POST';

export interface Route {
  method: HttpMethod;
  /** e.g. `/v1/executions/{id}:cancel`; a `{name}` matches one path segment up to `/` or `:`. */
  pattern: string;
  handler: RouteHandler;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.pattern
    .split(/(\{[a-zA-Z]+\})/)
    .map((part) => {
      const m = /^\{([a-zA-Z]+)\}$/.exec(part);
      if (m) {
        names.push(m[1] as string);
        return '([^/:]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return { ...route, regex: new RegExp(`^${source}/?$`), names };
}

/**
 * An error body in the API's one shape: `{error: {code, message, field?}}`.
 *
 * @example errorResponse(404, 'EXECUTION_NOT_FOUND', 'execution "x" does not exist')
 */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  extra: { field?: string; headers?: Record<string, string> } = {},
): ApiResponse {
  return {
    status,
    body: { error: { code, message, ...(extra.field === undefined ? {} : { field: extra.field }) } },
    ...(extra.headers ? { headers: extra.headers } : {}),
  };
}

/**
 * Build the dispatcher for a route table.
 *
 * @example
 * const route = createRouter([{ method: 'GET', pattern: '/v1/executions/{id}', handler: getExecution }]);
 * await route({ method: 'GET', path: '/v1/executions/abc', … }); // → getExecution(req, { id: 'abc' })
 */
export function createRouter(routes: Route[]): (req: ApiRequest) => Promise<ApiResponse> {
  const compiled = routes.map(compile);
  return async (req) => {
    const allowed = new Set<string>();
    for (const r of compiled) {
      const m = r.regex.exec(req.path);
      if (!m) continue;
      if (r.method !== req.method) {
        allowed.add(r.method);
        continue;
      }
      const params: Record<string, string> = {};
      for (const [i, name] of r.names.entries()) {
        const raw = m[i + 1] as string;
        try {
          params[name] = decodeURIComponent(raw);
        } catch {
          return errorResponse(
            400,
            'INVALID_PATH',
            `path parameter ${name} is not valid percent-encoding: ${raw}`,
            {
              field: name,
            },
          );
        }
      }
      return r.handler(req, params);
    }
    if (allowed.size > 0) {
      const allow = [...allowed].sort().join(', ');
      return errorResponse(
        405,
        'METHOD_NOT_ALLOWED',
        `${req.method} is not allowed on ${req.path}; use ${allow}`,
        {
          headers: { allow },
        },
      );
    }
    return errorResponse(
      404,
      'NOT_FOUND',
      `no route for ${req.method} ${req.path}; see the API reference (GET/POST /v1/executions…)`,
    );
  };
}

/**
 * Drop any deployment prefix before `/v1/`.
 *
 * @example apiPath('/firestep-api/v1/executions') === '/v1/executions'
 */
export function apiPath(rawPath: string): string {
  const i = rawPath.indexOf('/v1/');
  return i <= 0 ? rawPath : rawPath.slice(i);
}
