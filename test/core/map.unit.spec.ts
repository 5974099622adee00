import { describe, expect, test } from 'vitest';
import {
  breachesTolerance,
  childExecutionId,
  iteratorDefinition,
  mapConcurrency,
} from '../../engine/core/map.ts';
import { readFlowJson } from '../../engine/flow/index.ts';
import type { MapStep } from '../../engine/flow/model.ts';
import { def } from './fixtures.ts';

const step = (extra: Partial<MapStep>): MapStep =>
  ({
    type: 'Map',
    items: '$.input.files',
    iterator: { start: 'E', steps: { E: { type: 'End' } } },
    end: true,
    ...extra,
  }) as MapStep;

describe('Map bookkeeping', () => {
  test('child ids are deterministic per (parent, path, attempt, index) and name a document', () => {
    expect(childExecutionId('e1', 'Outer/0/PerFile', 1, 7)).toBe('e1~Outer%2F0%2FPerFile~1~7');
    expect(childExecutionId('e1', 'PerFile', 2, 7)).not.toBe(childExecutionId('e1', 'PerFile', 1, 7));
    expect(childExecutionId('e1', 'A/0/B', 1, 0)).not.toContain('/');
  });

  test('the iterator runs as a flow of its own, hashed like any flow', () => {
    const flow = readFlowJson(
      JSON.stringify({
        start: 'M',
        steps: {
          M: {
            type: 'Map',
            items: '$.input.x',
            iterator: { start: 'E', steps: { E: { type: 'End' } } },
            end: true,
          },
        },
      }),
    ).flow!;
    const child = iteratorDefinition(def(flow, 'parent'), 'M', flow.steps.M as MapStep);
    const same = readFlowJson(JSON.stringify({ start: 'E', steps: { E: { type: 'End' } } })).flow!;
    expect(child).toEqual(def(same, 'parent~M'));
  });

  test('concurrency: max_concurrency bounded by the cap; 0 or absent is the cap', () => {
    expect(mapConcurrency(step({ max_concurrency: 50 }))).toBe(50);
    expect(mapConcurrency(step({ max_concurrency: 0 }))).toBe(1000);
    expect(mapConcurrency(step({}))).toBe(1000);
    expect(mapConcurrency(step({ max_concurrency: 5000 }))).toBe(1000);
  });

  test('tolerance: any failure without thresholds; each given threshold applies', () => {
    expect(breachesTolerance(step({}), 0, 10)).toBe(false);
    expect(breachesTolerance(step({}), 1, 10)).toBe(true);
    expect(breachesTolerance(step({ tolerated_failure_count: 2 }), 2, 10)).toBe(false);
    expect(breachesTolerance(step({ tolerated_failure_count: 2 }), 3, 10)).toBe(true);
    expect(breachesTolerance(step({ tolerated_failure_percentage: 20 }), 2, 10)).toBe(false);
    expect(breachesTolerance(step({ tolerated_failure_percentage: 20 }), 3, 10)).toBe(true);
    expect(
      breachesTolerance(step({ tolerated_failure_count: 5, tolerated_failure_percentage: 10 }), 2, 10),
    ).toBe(true);
  });
});
