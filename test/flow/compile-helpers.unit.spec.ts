import { describe, expect, it } from 'vitest';
import { evaluateRule, firstMatch } from '../../engine/flow/conditions.ts';
import type { ChoiceRule } from '../../engine/flow/model.ts';
import { resolveParameters, resolveParametersDetailed } from '../../engine/flow/parameters.ts';
import { nameOf, scopeOf, stepAt, walkSteps } from '../../engine/flow/paths.ts';
import { isReference, lookup, parseReference } from '../../engine/flow/reference.ts';
import { errorMatches, policyFor, retryDelaySeconds } from '../../engine/flow/retry.ts';
import { sampleFlow } from '../core/fixtures.ts';

describe('paths', () => {
  it('walks every step with its path, branches after their Parallel', () => {
    expect([...walkSteps(sampleFlow)].map((s) => [s.path, s.scope])).toEqual([
      ['Init', ''],
      ['Step1', ''],
      ['Step2', ''],
      ['Step2/0/Branch1', 'Step2/0'],
      ['Step2/1/Branch2', 'Step2/1'],
      ['End', ''],
    ]);
  });

  it('finds steps by path and rejects paths that address nothing', () => {
    expect(stepAt(sampleFlow, 'Step2/1/Branch2')?.type).toBe('Task');
    expect(stepAt(sampleFlow, 'Step2')?.type).toBe('Parallel');
    for (const bad of [
      'Nope',
      'Step2/2/Branch2',
      'Step2/1',
      'Step2/01/Branch2',
      'Step1/0/X',
      'Step2/1/Branch1',
      'toString',
    ]) {
      expect(stepAt(sampleFlow, bad)).toBeUndefined();
    }
  });

  it('splits paths', () => {
    expect(scopeOf('Step2/1/Branch2')).toBe('Step2/1');
    expect(scopeOf('Init')).toBe('');
    expect(nameOf('Step2/1/Branch2')).toBe('Branch2');
  });
});

describe('references', () => {
  const ctx = { input: { a: { b: [10, { c: 'x' }] }, n: null }, outputs: { Count: { rows: 3 } } };

  it('reads input and step outputs with members and indexes', () => {
    expect(lookup(ctx, '$.input')).toEqual({ found: true, value: ctx.input });
    expect(lookup(ctx, '$.input.a.b[1].c')).toEqual({ found: true, value: 'x' });
    expect(lookup(ctx, '$.input.n')).toEqual({ found: true, value: null });
    expect(lookup(ctx, '$.steps.Count.output.rows')).toEqual({ found: true, value: 3 });
  });

  it('reports missing and malformed references as not found', () => {
    for (const ref of [
      '$.input.zz',
      '$.input.a.b[5]',
      '$.input.a.b.c',
      '$.steps.Other.output',
      '$.steps.Count',
      '$.input..a',
      '$.input.a[x]',
      '$.inputs',
    ]) {
      expect(lookup(ctx, ref)).toEqual({ found: false });
    }
    expect(parseReference('$.steps.Count.output.rows[0]')).toEqual({
      root: { kind: 'step', name: 'Count' },
      segments: ['rows', 0],
    });
    expect(isReference('$.inputx')).toBe(true); // meant as one: validation names the misspelt root
    expect(isReference('gs://b/$.input')).toBe(false);
  });
});

describe('conditions', () => {
  const ctx = { input: { mode: 'full', n: 5, ok: true, s: '5' }, outputs: { Count: { rows: 0 } } };
  const cases: Array<[ChoiceRule, boolean]> = [
    [{ variable: '$.input.mode', string_equals: 'full' }, true],
    [{ variable: '$.input.n', string_equals: '5' }, false],
    [{ variable: '$.input.s', numeric_equals: 5 }, false],
    [{ variable: '$.input.n', numeric_equals: 5 }, true],
    [{ variable: '$.input.n', numeric_greater_than: 5 }, false],
    [{ variable: '$.input.n', numeric_greater_than_or_equal: 5 }, true],
    [{ variable: '$.input.n', numeric_less_than: 6 }, true],
    [{ variable: '$.input.n', numeric_less_than_or_equal: 4 }, false],
    [{ variable: '$.input.ok', boolean_equals: true }, true],
    [{ variable: '$.input.missing', is_present: false }, true],
    [{ variable: '$.steps.Count.output.rows', is_present: true }, true],
    [{ variable: '$.input.missing', numeric_less_than: 100 }, false],
    [
      {
        and: [
          { variable: '$.input.ok', boolean_equals: true },
          { variable: '$.steps.Count.output.rows', numeric_equals: 0 },
        ],
      },
      true,
    ],
    [
      {
        or: [
          { variable: '$.input.ok', boolean_equals: false },
          { variable: '$.input.mode', string_equals: 'delta' },
        ],
      },
      false,
    ],
    [{ not: { variable: '$.input.mode', string_equals: 'delta' } }, true],
  ];
  it.each(cases)('%j → %s', (rule, expected) => {
    expect(evaluateRule(rule, ctx)).toBe(expected);
  });

  it('takes the first matching choice', () => {
    const choices = [
      { variable: '$.input.n', numeric_greater_than: 10, next: 'Big' },
      { variable: '$.input.n', numeric_greater_than: 1, next: 'Some' },
      { variable: '$.input.n', numeric_greater_than: 0, next: 'Any' },
    ];
    expect(firstMatch(choices, ctx)?.next).toBe('Some');
  });
});

describe('parameters', () => {
  const ctx = { input: { table: 't1', day: '2024-01-01', n: 3 }, outputs: { Count: { rows: [1, 2] } } };

  it('replaces whole-string references by values and interpolates templates, deeply', () => {
    const params = {
      table: '$.input.table',
      rows: '$.steps.Count.output.rows',
      nested: { list: ['$.input.n', 'literal', 7, null] },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: firestep's own template syntax
      path: 'gs://b/${$.input.day}/n=${$.input.n}/${$.steps.Count.output.rows}',
    };
    expect(resolveParameters(params, ctx)).toEqual({
      table: 't1',
      rows: [1, 2],
      nested: { list: [3, 'literal', 7, null] },
      path: 'gs://b/2024-01-01/n=3/[1,2]',
    });
  });

  it('resolves missing references to null (empty in templates) and lists them, without throwing', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: firestep's own template syntax
    const params = { a: '$.steps.Later.output', b: 'x-${$.input.nope}', c: '$.steps.Later.output' };
    expect(resolveParametersDetailed(params, ctx)).toEqual({
      value: { a: null, b: 'x-', c: null },
      missing: ['$.steps.Later.output', '$.input.nope'],
    });
  });

  it('gives a task without parameters an empty object', () => {
    expect(resolveParameters(undefined, ctx)).toEqual({});
  });
});

describe('retry policy math (Step Functions semantics)', () => {
  it('matches error names, States.ALL, and States.TaskFailed except timeouts', () => {
    expect(errorMatches(undefined, 'X')).toBe(true);
    expect(errorMatches(['X'], 'X')).toBe(true);
    expect(errorMatches(['Y'], 'X')).toBe(false);
    expect(errorMatches(['States.ALL'], 'States.Timeout')).toBe(true);
    expect(errorMatches(['States.TaskFailed'], 'Boom')).toBe(true);
    expect(errorMatches(['States.TaskFailed'], 'States.Timeout')).toBe(false);
  });

  it('uses the first matching policy and backs off per retry, capped', () => {
    const policies = [
      { errors: ['A'], max_attempts: 1, interval_seconds: 1, backoff_rate: 2 },
      { max_attempts: 5, interval_seconds: 2, backoff_rate: 3, max_delay_seconds: 30 },
    ];
    expect(policyFor(policies, 'A')).toBe(0);
    expect(policyFor(policies, 'B')).toBe(1);
    expect(policyFor([policies[0] as (typeof policies)[0]], 'B')).toBeUndefined();
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(policies[1] as (typeof policies)[1], n))).toEqual([
      2, 6, 18, 30,
    ]);
  });
});
