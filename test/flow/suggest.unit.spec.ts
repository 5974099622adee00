import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { closest, didYouMean, editDistance } from '../../engine/flow/index.ts';

describe('did you mean', () => {
  test.each([
    ['Edn', ['Init', 'Step1', 'End'], 'End'],
    ['Stpe1', ['Init', 'Step1', 'Step2'], 'Step1'],
    ['init', ['Init', 'Step1'], 'Init'],
    ['Taks', ['Task', 'Parallel'], 'Task'],
    ['CloudFuntion', ['CloudFunction', 'Dataflow'], 'CloudFunction'],
    ['string_equal', ['string_equals', 'numeric_equals'], 'string_equals'],
  ])('given the typo %s, when suggesting, then the closest candidate is offered', (word, candidates, expected) => {
    expect(closest(word, candidates)).toBe(expected);
  });

  test.each([
    ['B', ['A']],
    ['Xyzzy', ['Init', 'Step1', 'End']],
    ['Lambda', ['CloudFunction', 'Dataflow', 'Dataproc', 'Http', 'PubSub']],
  ])('given %s, far from every candidate, when suggesting, then nothing is offered', (word, candidates) => {
    expect(closest(word, candidates)).toBeUndefined();
    expect(didYouMean(word, candidates)).toBe('');
  });

  test('given equally close candidates, when suggesting, then the earlier one wins (deterministic)', () => {
    expect(closest('Step', ['Step1', 'Step2'])).toBe('Step1');
    expect(didYouMean('Stepp', ['Step1', 'Step2'])).toBe(' (did you mean "Step1"?)');
  });

  test('editDistance is a metric-like count: zero iff equal, symmetric, bounded by the longer length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b);
        expect(d === 0).toBe(a === b);
        expect(editDistance(b, a)).toBe(d);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('Edn', 'End')).toBe(1);
  });
});
