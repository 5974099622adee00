/**
 * Firestore cannot store every JSON value: arrays inside arrays, empty or `__reserved__` map keys,
 * maps nested deeper than 20 levels and `undefined` are refused. Users' inputs and outputs are
 * arbitrary JSON, so the store encodes the offending sub-values as `{$json: "<text>"}` (the smallest
 * sub-value that needs it, so the rest stays readable in the console) and decodes them on read.
 */
import { Timestamp } from '@google-cloud/firestore';

/** Marker key of an encoded sub-value. */
export const JSON_MARKER = '$json';
/** Marker key of an out-of-line value (see chunks.ts); reserved here so user data cannot spoof it. */
export const CHUNKS_MARKER = '$chunks';

/** Leave headroom under Firestore's limit of 20 nested levels (the document itself counts). */
const MAX_DEPTH = 16;
const RESERVED_KEY = /^__.*__$/;

/**
 * Make a JSON-like value storable in Firestore. `undefined` members are dropped (as JSON.stringify
 * does), `undefined` array items become `null`.
 *
 * @example toFirestore({ rows: [[1, 2]] }) // { rows: [{ $json: '[1,2]' }] }
 */
export function toFirestore(value: unknown, depth = 0): unknown {
  // JSON has no negative zero (JSON.stringify(-0) is "0"): store what a JSON round trip would give.
  if (Object.is(value, -0)) return 0;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return encoded(value);
  if (Array.isArray(value)) {
    return value.map((item) =>
      Array.isArray(item) ? encoded(item) : item === undefined ? null : toFirestore(item, depth + 1),
    );
  }
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  if (entries.some(([key]) => !storableKey(key))) return encoded(value);
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) out[key] = toFirestore(item, depth + 1);
  return out;
}

/**
 * Undo {@link toFirestore}.
 *
 * @example fromFirestore({ rows: [{ $json: '[1,2]' }] }) // { rows: [[1, 2]] }
 */
export function fromFirestore(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  // The only Timestamp the store writes is a head's TTL `expireAt`; readers get an ISO time.
  if (value instanceof Timestamp) return value.toDate().toISOString();
  if (Array.isArray(value)) return value.map(fromFirestore);
  if (isEncoded(value)) return JSON.parse(value[JSON_MARKER]);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = fromFirestore(item);
  return out;
}

function storableKey(key: string): boolean {
  return key.length > 0 && !RESERVED_KEY.test(key) && key !== JSON_MARKER && key !== CHUNKS_MARKER;
}

function encoded(value: object): { [JSON_MARKER]: string } {
  return { [JSON_MARKER]: JSON.stringify(value) };
}

function isEncoded(value: object): value is { [JSON_MARKER]: string } {
  const keys = Object.keys(value);
  return (
    keys.length === 1 &&
    keys[0] === JSON_MARKER &&
    typeof (value as Record<string, unknown>)[JSON_MARKER] === 'string'
  );
}
