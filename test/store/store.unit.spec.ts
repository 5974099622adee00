/**
 * Pure parts of the store: the Firestore-safe JSON encoding, document ids, batching, retry
 * classification and the signals a dispatch outcome means.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LaunchCommand } from '../../engine/core/index.ts';
import { isFirestepError } from '../../engine/errors.ts';
import { fromFirestore, toFirestore } from '../../engine/store/firestore-json.ts';
import { splitBatches } from '../../engine/store/intake.ts';
import { signalsOf } from '../../engine/store/outbox.ts';
import { namedExecutionId, safeDocId, seqDocId } from '../../engine/store/paths.ts';
import { withStoreRetry } from '../../engine/store/retry.ts';
import { succeeded } from './support.ts';

describe('Firestore-safe JSON', () => {
  it('given any JSON value, when encoded and decoded, then it is unchanged', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(fromFirestore(toFirestore(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 300 },
    );
  });

  it('given arrays in arrays and empty keys, when encoded, then only the offending sub-values become $json', () => {
    expect(toFirestore({ ok: [1, { a: 2 }], bad: [[1]], keys: { '': 1 } })).toEqual({
      ok: [1, { a: 2 }],
      bad: [{ $json: '[1]' }],
      keys: { $json: '{"":1}' },
    });
  });

  it('given undefined members, when encoded, then they are dropped as JSON would', () => {
    expect(toFirestore({ a: undefined, b: [undefined, 1] })).toEqual({ b: [null, 1] });
  });
});

describe('document ids', () => {
  it('given seqs, when padded, then ids sort like numbers', () => {
    expect(seqDocId(42)).toBe('0000000042');
    expect([seqDocId(10), seqDocId(9)].sort()).toEqual([seqDocId(9), seqDocId(10)]);
  });

  it('given hostile text, when made an id, then it has no slash and is never . .. or __x__', () => {
    expect(safeDocId('Step2/1/Branch2#1#succeeded')).toBe('Step2%2F1%2FBranch2%231%23succeeded');
    expect(safeDocId('..')).toBe('%2E%2E');
    expect(safeDocId('__x__').startsWith('__')).toBe(false);
    expect(namedExecutionId('a~b', 'c')).not.toBe(namedExecutionId('a', 'b~c'));
  });

  it('given an over-long name, when made an execution id, then CONFIG says the limit', () => {
    const error = (() => {
      try {
        return namedExecutionId('f', 'x'.repeat(300));
      } catch (e) {
        return e;
      }
    })();
    expect(isFirestepError(error, 'CONFIG')).toBe(true);
  });
});

describe('splitBatches', () => {
  it('given 450 small signals, when split by 200, then batches are 200, 200, 50 in order', () => {
    const items = Array.from({ length: 450 }, (_, i) => ({ signal: succeeded(`S${i}`, 1) }));
    const batches = splitBatches(items, 200, 1024 * 1024);
    expect(batches.map((b) => b.length)).toEqual([200, 200, 50]);
    expect(batches.flat()).toEqual(items);
  });

  it('given signals larger than the byte budget, when split, then each large one travels alone', () => {
    const big = { signal: succeeded('Big', 1, 'x'.repeat(2000)) };
    const small = { signal: succeeded('Small', 1) };
    expect(splitBatches([small, big, big, small], 200, 1000).map((b) => b.length)).toEqual([1, 1, 1, 1]);
  });
});

describe('withStoreRetry', () => {
  it('given an op that fails twice with UNAVAILABLE, when retried, then its result is returned', async () => {
    let calls = 0;
    const result = await withStoreRetry(
      'probe',
      async () => {
        calls++;
        if (calls < 3) throw Object.assign(new Error('unavailable'), { code: 14 });
        return 'ok';
      },
      { baseMs: 1 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('given an op that keeps failing with ABORTED, when retries run out, then STORE_UNAVAILABLE is retryable', async () => {
    const error = await withStoreRetry(
      'the probe',
      async () => {
        throw Object.assign(new Error('aborted'), { code: 10 });
      },
      { attempts: 3, baseMs: 1 },
    ).catch((e) => e);
    expect(isFirestepError(error, 'STORE_UNAVAILABLE')).toBe(true);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('the probe failed 3 times');
  });

  it('given a non-transient error, when run, then it is thrown at once', async () => {
    let calls = 0;
    const error = await withStoreRetry('probe', async () => {
      calls++;
      throw Object.assign(new Error('bad'), { code: 3 });
    }).catch((e) => e);
    expect(error.message).toBe('bad');
    expect(calls).toBe(1);
  });
});

describe('signalsOf', () => {
  const command = {
    id: 'launch~A~1',
    kind: 'launch',
    executionId: 'e',
    flowId: 'f',
    step: 'A',
    path: 'A',
    attempt: 1,
    target: { type: 'Http', name: 'h', url: 'https://x' },
    input: {},
    trace: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) },
  } satisfies LaunchCommand;

  it('given a launch with a synchronous failure, when translated, then launched comes before the failed completion', () => {
    const signals = signalsOf(command, {
      status: 'launched',
      receipt: { target: 'Http' },
      completion: { outcome: 'failed', error: { name: 'E', kind: 'http', message: '500' } },
    });
    expect(signals.map((s) => (s.kind === 'completed' ? `completed:${s.outcome}` : s.kind))).toEqual([
      'launched',
      'completed:failed',
    ]);
    expect(signals.every((s) => s.source.kind === 'dispatcher' && s.source.id === 'launch~A~1')).toBe(true);
  });

  it('given a retry outcome, when translated, then there is no signal', () => {
    expect(
      signalsOf(command, { status: 'retry', error: { name: 'E', kind: 'launch', message: '503' } }),
    ).toEqual([]);
  });
});
