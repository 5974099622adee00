import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from '../../engine/signals/parse.ts';
import { FIXTURES, fixtureLines, pushBody } from './fixtures.ts';

const KINDS = [
  'cloudFunction',
  'dataflow',
  'platformJob',
  'storageObject',
  'callback',
  'timer',
  'ignored',
  'rejected',
];
const ALL_LINES = FIXTURES.flatMap((name) => fixtureLines(name));

/** Replace the value at a random path of a JSON value (or delete it). */
function mutate(value: unknown, path: number[], replacement: unknown, remove: boolean): unknown {
  if (typeof value !== 'object' || value === null || path.length === 0) return replacement;
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[(path[0] ?? 0) % keys.length] as string;
  const copy: Record<string, unknown> = Array.isArray(value)
    ? ([...value] as unknown as Record<string, unknown>)
    : { ...value };
  if (remove && path.length === 1) delete copy[key];
  else copy[key] = mutate(copy[key], path.slice(1), replacement, remove);
  return copy;
}

describe('parse never throws', () => {
  it('on arbitrary values, text and bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.uint8Array(), fc.json()), (raw) => {
        const o = parse(raw);
        expect(KINDS).toContain(o.kind);
        if (o.kind === 'ignored' || o.kind === 'rejected') expect(o.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('on real payloads with one field replaced or removed, bare or inside a push body', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_LINES),
        fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
        fc.oneof(fc.anything(), fc.constant(undefined), fc.string()),
        fc.boolean(),
        fc.boolean(),
        (line, path, replacement, remove, wrap) => {
          const mutated = mutate(JSON.parse(line), path, replacement, remove);
          const o = parse(wrap ? pushBody(mutated) : mutated);
          expect(KINDS).toContain(o.kind);
          // a completion always says how it ended
          if (o.kind === 'cloudFunction' || o.kind === 'dataflow' || o.kind === 'callback')
            expect(o.outcome).not.toBeNull();
        },
      ),
      { numRuns: 1000 },
    );
  });
});
