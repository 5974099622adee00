/**
 * The definition hash: sha256 (hex) of the flow's canonical JSON — object keys sorted at every
 * depth, `undefined` members omitted — so that key order and the front door (JSON or TypeScript)
 * do not change it, and any change of meaning does.
 */
import { createHash } from 'node:crypto';
import type { Flow } from './model.ts';

/**
 * JSON text with object keys sorted (by code unit) at every depth and `undefined` members dropped.
 *
 * @example canonicalJson({ b: 1, a: { d: undefined, c: [2, 1] } }) // '{"a":{"c":[2,1]},"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}

/**
 * sha256 hex of `canonicalJson(flow)`. Hash the normalized flow (from `validateFlow`,
 * `readFlowJson` or `defineFlow`) so that defaults count the same whichever way they were written.
 *
 * @example definitionHash(defineFlow({ id: 'x', start: 'A', steps: { A: end() } }).flow) // '5f0c…' (64 hex digits)
 */
export function definitionHash(flow: Flow): string {
  return createHash('sha256').update(canonicalJson(flow)).digest('hex');
}
