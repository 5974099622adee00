import { describe, expect, it } from 'vitest';
import type { FirestepContext } from '../../engine/signals/wire/callback.ts';
import { readAttributeContext, readHttpContext } from '../../sdk/context.ts';

const ctx: FirestepContext = {
  executionId: 'exec-1',
  step: 'Load',
  path: 'Par/0/Load',
  attempt: 2,
  token: 'tok-0123456789abcdef',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  replyTo: { url: 'https://europe-west1-acme.cloudfunctions.net/firestep-api/callbacks' },
};

describe('readHttpContext', () => {
  it("reads firestep's launch body { input, firestep }", () => {
    expect(readHttpContext({ input: [1, 2], firestep: ctx })).toEqual({
      read: { status: 'present', context: ctx },
      input: [1, 2],
    });
  });
  it('keeps a direct call as it is (no context)', () => {
    expect(readHttpContext({ input: 1, table: 't' })).toEqual({
      read: { status: 'absent' },
      input: { input: 1, table: 't' },
    });
    expect(readHttpContext('plain text')).toEqual({ read: { status: 'absent' }, input: 'plain text' });
    expect(readHttpContext(undefined)).toEqual({ read: { status: 'absent' }, input: undefined });
  });
  it('names the bad field of an invalid context', () => {
    const { read } = readHttpContext({ input: {}, firestep: { ...ctx, traceId: 'XYZ' } });
    expect(read).toEqual({ status: 'invalid', reason: expect.stringMatching(/^firestep\.traceId: /) });
  });
});

describe('readAttributeContext', () => {
  const attributes = {
    firestep_execution: 'exec-1',
    firestep_step: 'Load',
    firestep_path: 'Par/0/Load',
    firestep_attempt: '2',
    firestep_token: 'tok-0123456789abcdef',
    firestep_trace: '4bf92f3577b34da6a3ce929d0e0e4736',
    firestep_reply_url: 'https://europe-west1-acme.cloudfunctions.net/firestep-api/callbacks',
  };
  it('reads the firestep_* attributes, attempt as a number', () => {
    expect(readAttributeContext(attributes)).toEqual({ status: 'present', context: ctx });
  });
  it('is absent without firestep_execution', () => {
    expect(readAttributeContext({ other: 'x' })).toEqual({ status: 'absent' });
    expect(readAttributeContext(undefined)).toEqual({ status: 'absent' });
  });
  it('is invalid with a non-numeric attempt', () => {
    expect(readAttributeContext({ ...attributes, firestep_attempt: 'two' })).toMatchObject({
      status: 'invalid',
      reason: expect.stringContaining('attempt'),
    });
  });
});
