import { describe, expect, it } from 'vitest';
import { FirestepError, isFirestepError } from '../../engine/errors.ts';
import { asStoreError } from '../../engine/store/retry.ts';

const grpc = (code: number, message: string) => Object.assign(new Error(message), { code });

describe('the store boundary (asStoreError)', () => {
  it('given Firestore UNAVAILABLE escaping the protocol, then callers get STORE_UNAVAILABLE, retryable, with the cause', async () => {
    const outage = grpc(14, '14 UNAVAILABLE: No connection established');
    const err = await asStoreError('applying a signal to e1', () => Promise.reject(outage)).catch((e) => e);
    expect(isFirestepError(err, 'STORE_UNAVAILABLE')).toBe(true);
    expect(err.retryable).toBe(true);
    expect(err.cause).toBe(outage);
    expect(err.message).toMatch(/applying a signal to e1 failed: Firestore is unavailable/);
  });

  it('given a non-transient error or a firestep error, then it passes through unchanged', async () => {
    const denied = grpc(7, '7 PERMISSION_DENIED');
    await expect(asStoreError('x', () => Promise.reject(denied))).rejects.toBe(denied);
    const notFound = new FirestepError('EXECUTION_NOT_FOUND', 'execution "e" does not exist');
    await expect(asStoreError('x', () => Promise.reject(notFound))).rejects.toBe(notFound);
  });

  it('given success, then the value is returned', async () => {
    await expect(asStoreError('x', async () => 42)).resolves.toBe(42);
  });
});
