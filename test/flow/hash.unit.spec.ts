import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { canonicalJson, definitionHash, type Flow, readFlowJson } from '../../engine/flow/index.ts';
import sampleTs from '../../examples/sample-dag.ts';
import { SAMPLE_DAG_TEXT, sampleDag } from './support.ts';

/** A deep copy of `value` with every object's keys in the order `order` gives for that object. */
function reorder(value: unknown, order: (keys: string[]) => string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, order));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(order(Object.keys(record)).map((k) => [k, reorder(record[k], order)]));
}

/** Every JSON path to a leaf (string/number/boolean) of `value`. */
function leaves(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  return [path];
}

const sampleFlow = (): Flow => readFlowJson(SAMPLE_DAG_TEXT).flow!;

describe('definition hash', () => {
  test('given the sample as JSON and as TypeScript, when hashed, then the hashes are identical', () => {
    expect(sampleTs.hash).toBe(definitionHash(sampleFlow()));
    expect(sampleTs.flow).toEqual(sampleFlow());
    expect(sampleTs.id).toBe('sample-dag');
  });

  test('given any permutation of key order in the source JSON, when read and hashed, then the hash is unchanged', () => {
    const expected = definitionHash(sampleFlow());
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        // A deterministic shuffle per object, driven by the seed and the keys themselves.
        const shuffled = reorder(sampleDag(), (keys) =>
          [...keys].sort((a, b) => (hashOf(a, seed) - hashOf(b, seed)) | 0 || a.localeCompare(b)),
        );
        const { flow } = readFlowJson(JSON.stringify(shuffled));
        expect(definitionHash(flow!)).toBe(expected);
      }),
    );
  });

  test('given any one leaf value of the flow changed, when hashed, then the hash changes', () => {
    const base = sampleFlow();
    const baseHash = definitionHash(base);
    for (const path of leaves(base)) {
      const changed = structuredClone(base) as unknown as Record<string | number, unknown>;
      let node = changed;
      for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
      const last = path[path.length - 1]!;
      const old = node[last];
      node[last] = typeof old === 'string' ? `${old}x` : typeof old === 'number' ? old + 1 : !old;
      expect(definitionHash(changed as unknown as Flow), path.join('.')).not.toBe(baseHash);
    }
  });

  test('given a different default (retry given vs absent), when hashed, then the hash differs', () => {
    const raw = sampleDag();
    raw.steps.Init.retry = {};
    expect(definitionHash(readFlowJson(JSON.stringify(raw)).flow!)).not.toBe(definitionHash(sampleFlow()));
  });

  test('canonicalJson sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [{ z: 1, y: 2 }] } })).toBe(
      '{"a":{"c":[{"y":2,"z":1}]},"b":1}',
    );
  });

  test('the hash is sha256 hex, stable for the sample (pins the canonical form)', () => {
    expect(definitionHash(sampleFlow())).toBe(
      '4346f68ba3d9863187846ea7ed6f347b142e57d6f6932f4ca826a638892dc70d',
    );
  });
});

function hashOf(text: string, seed: number): number {
  let h = seed | 0;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 0x9e3779b1);
  return h;
}
