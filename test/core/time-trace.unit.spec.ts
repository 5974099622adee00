import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addSeconds, traceFor, traceparent } from '../../engine/core/index.ts';
import { isoFromEpochMs } from '../../engine/core/time.ts';

describe('addSeconds (no Date in the core)', () => {
  it('formats exactly like Date.prototype.toISOString for any time in years 1970–9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
        expect(isoFromEpochMs(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 2_000 },
    );
  });

  it('adds seconds across day, month, leap-year boundaries, keeping milliseconds', () => {
    expect(addSeconds('2024-01-31T23:59:30.000Z', 45)).toBe('2024-02-01T00:00:15.000Z');
    expect(addSeconds('2024-02-28T23:00:00.000Z', 3600)).toBe('2024-02-29T00:00:00.000Z');
    expect(addSeconds('2023-12-31T23:59:59.500Z', 0.75)).toBe('2024-01-01T00:00:00.250Z');
    expect(addSeconds('2024-01-01T00:00:00+02:00', 1)).toBe('2023-12-31T22:00:01.000Z');
  });

  it('rejects a `now` that is not ISO time', () => {
    expect(() => addSeconds('yesterday', 1)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});

describe('traceFor', () => {
  it('is deterministic per (execution, path, attempt), W3C-shaped and distinct across attempts', () => {
    const a = traceFor('exec-1', 'Step2/1/Branch2', 1);
    expect(a).toEqual(traceFor('exec-1', 'Step2/1/Branch2', 1));
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(a.traceId).not.toMatch(/^0+$/);
    expect(traceFor('exec-1', 'Step2/1/Branch2', 2).traceId).not.toBe(a.traceId);
    expect(traceFor('exec-2', 'Step2/1/Branch2', 1).traceId).not.toBe(a.traceId);
    expect(traceparent(a)).toBe(`00-${a.traceId}-${a.spanId}-01`);
  });
});
