/**
 * Deep comparison of JSON-like values regardless of key order and `undefined` members: what comes
 * back from Firestore or a JSON file is compared with what the engine computes in memory.
 */

/**
 * Canonical JSON text: object keys sorted, `undefined` members dropped.
 *
 * @example canonical({ b: 1, a: undefined, c: [2] }) === '{"b":1,"c":[2]}'
 */
export function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'undefined';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = sortKeys(item);
  }
  return out;
}

/** Whether two JSON-like values are equal as data. */
export function sameData(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/**
 * The first path where two JSON-like values differ (`''` for the root), or undefined if equal.
 *
 * @example firstDifference({ s: { a: 1 } }, { s: { a: 2 } }) === 's.a'
 */
export function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (sameData(a, b)) return undefined;
  const bothObjects =
    typeof a === 'object' &&
    a !== null &&
    typeof b === 'object' &&
    b !== null &&
    Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) return path;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const key of keys) {
    const diff = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      path === '' ? key : `${path}.${key}`,
    );
    if (diff !== undefined) return diff;
  }
  return path;
}
