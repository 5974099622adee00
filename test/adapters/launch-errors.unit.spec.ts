import { describe, expect, it } from 'vitest';
import { classifyLaunchError, isAlreadyExists, isRetryable } from '../../adapters/shared/launch-errors.ts';

describe('launch error classification', () => {
  it.each([
    ['HTTP 429 (gaxios)', { status: 429, message: 'quota' }, true],
    ['HTTP 503 in response', { response: { status: 503 } }, true],
    ['HTTP 408', { status: 408 }, true],
    ['HTTP 400', { status: 400 }, false],
    ['HTTP 403', { status: 403 }, false],
    ['HTTP 404 as numeric code (gax REST)', { code: 404 }, false],
    ['gRPC UNAVAILABLE', { code: 14 }, true],
    ['gRPC RESOURCE_EXHAUSTED', { code: 8 }, true],
    ['gRPC NOT_FOUND', { code: 5 }, false],
    ['ECONNRESET', { code: 'ECONNRESET' }, true],
    [
      'fetch failed, cause ECONNREFUSED',
      { name: 'TypeError', message: 'fetch failed', cause: { code: 'ECONNREFUSED' } },
      true,
    ],
    ['AbortSignal.timeout (DOMException, numeric code 23)', { name: 'TimeoutError', code: 23 }, true],
    ['ENOTFOUND (bad host name)', { code: 'ENOTFOUND' }, false],
    ['plain Error', new Error('bug'), false],
  ])('%s → retryable %s', (_label, error, expected) => {
    expect(isRetryable(error)).toBe(expected);
    expect(classifyLaunchError(error, 'x').status).toBe(expected ? 'retry' : 'failed');
  });

  it('given Retry-After on the answer, then retryAfterSeconds carries it; the error names what failed and the status', () => {
    const result = classifyLaunchError(
      {
        status: 429,
        message: 'slow down',
        response: { status: 429, headers: new Headers({ 'retry-after': '12' }) },
      },
      'Dataflow launch of "wc"',
    );
    expect(result).toEqual({
      status: 'retry',
      retryAfterSeconds: 12,
      error: {
        name: 'States.LaunchFailed',
        kind: 'launch',
        message: 'Dataflow launch of "wc" failed (HTTP 429): slow down',
        cause: { status: 429 },
      },
    });
  });

  it.each([
    [{ status: 409 }],
    [{ code: 6 }],
    [{ code: 409 }],
    [{ message: '6 ALREADY_EXISTS: Requested entity already exists' }],
  ])('already exists: %j', (e) => expect(isAlreadyExists(e)).toBe(true));
});
