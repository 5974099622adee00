import { describe, expect, it } from 'vitest';
import { type ApiRequest, apiPath, createRouter } from '../../functions/api/router.ts';

function request(method: string, path: string): ApiRequest {
  return { method, path, query: new URLSearchParams(), body: undefined, header: () => undefined };
}

const echo = (name: string) => async (_req: ApiRequest, params: Record<string, string>) => ({
  status: 200,
  body: { name, params },
});

const route = createRouter([
  { method: 'POST', pattern: '/v1/executions', handler: echo('start') },
  { method: 'GET', pattern: '/v1/executions', handler: echo('list') },
  { method: 'GET', pattern: '/v1/executions/{id}', handler: echo('get') },
  { method: 'GET', pattern: '/v1/executions/{id}/events', handler: echo('events') },
  { method: 'POST', pattern: '/v1/executions/{id}:cancel', handler: echo('cancel') },
]);

describe('createRouter', () => {
  it.each([
    ['POST', '/v1/executions', 'start', {}],
    ['GET', '/v1/executions/', 'list', {}],
    ['GET', '/v1/executions/abc-1', 'get', { id: 'abc-1' }],
    ['GET', '/v1/executions/a%20b/events', 'events', { id: 'a b' }],
    ['POST', '/v1/executions/abc:cancel', 'cancel', { id: 'abc' }],
  ])('given %s %s, when routed, then the %s handler gets %j', async (method, path, name, params) => {
    expect(await route(request(method, path))).toEqual({ status: 200, body: { name, params } });
  });

  it('given a known path with another method, when routed, then 405 with Allow', async () => {
    const res = await route(request('DELETE', '/v1/executions/abc'));
    expect(res.status).toBe(405);
    expect(res.headers).toEqual({ allow: 'GET' });
    const cancel = await route(request('GET', '/v1/executions/abc:cancel'));
    expect(cancel).toMatchObject({ status: 405, headers: { allow: 'POST' } });
  });

  it('given an unknown path, when routed, then 404 in the error shape', async () => {
    expect(await route(request('GET', '/v2/nothing'))).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: expect.stringContaining('GET /v2/nothing') } },
    });
  });

  it('given broken percent-encoding in a parameter, when routed, then 400 naming the parameter', async () => {
    expect(await route(request('GET', '/v1/executions/%E0%A4%A'))).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_PATH', field: 'id' } },
    });
  });
});

describe('apiPath', () => {
  it('drops a deployment prefix before /v1/', () => {
    expect(apiPath('/firestep-api/v1/executions')).toBe('/v1/executions');
    expect(apiPath('/v1/executions')).toBe('/v1/executions');
    expect(apiPath('/other')).toBe('/other');
  });
});
