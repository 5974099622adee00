/**
 * Where a local run sends an Http target: the fake endpoint, at a path that keeps what the flow wrote
 * — `{base}/{sync|async}/{target name}/{host}{path}{?query}` — so the fake knows how to answer (the
 * mode), whose behaviour applies (the name) and which URL the flow meant (for its echo and for
 * assertions). Pure: the local runtime builds URLs with it, the fake parses them.
 */
import type { HttpTarget } from '../../engine/flow/model.ts';

/** What the fake reads back from a request path. */
export interface FakeEndpointRoute {
  mode: 'sync' | 'async';
  /** The target's name (`HttpTarget.name`). */
  name: string;
  /** The URL the flow names, e.g. `https://extract.example.com/run?x=1`. */
  url: string;
}

/**
 * The fake endpoint's URL for a target.
 *
 * @example
 * fakeEndpointUrl('http://127.0.0.1:4100', { type: 'Http', name: 'extract', url: 'https://extract.example.com/run' })
 * // → 'http://127.0.0.1:4100/sync/extract/https/extract.example.com/run'
 */
export function fakeEndpointUrl(baseUrl: string, target: Pick<HttpTarget, 'name' | 'url' | 'mode'>): string {
  const base = baseUrl.replace(/\/+$/, '');
  const mode = target.mode ?? 'sync';
  let scheme = 'https';
  let rest = target.url;
  try {
    const u = new URL(target.url);
    scheme = u.protocol.replace(/:$/, '');
    rest = `${u.host}${u.pathname}${u.search}`;
  } catch {
    // Not an absolute URL (the flow reader rejects those); keep it as a path so the request still routes.
  }
  return `${base}/${mode}/${encodeURIComponent(target.name)}/${encodeURIComponent(scheme)}/${rest.replace(/^\/+/, '')}`;
}

const ROUTE = /^\/(sync|async)\/([^/]+)\/([^/]+)\/(.*)$/;

/**
 * Parse a request to the fake endpoint (undefined when the path is not one `fakeEndpointUrl` makes).
 *
 * @example parseFakeEndpointPath('/async/notify/https/hooks.example.com/x', '')
 * // → { mode: 'async', name: 'notify', url: 'https://hooks.example.com/x' }
 */
export function parseFakeEndpointPath(pathname: string, search: string): FakeEndpointRoute | undefined {
  const m = ROUTE.exec(pathname);
  if (!m) return undefined;
  const [, mode, name = '', scheme = '', rest = ''] = m;
  try {
    return {
      mode: mode === 'async' ? 'async' : 'sync',
      name: decodeURIComponent(name),
      url: `${decodeURIComponent(scheme)}://${rest}${search}`,
    };
  } catch {
    return undefined;
  }
}
