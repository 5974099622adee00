/**
 * Small readers for JSON values, shared by the flow reader: each checks one field, reports a
 * problem at the field's path when it is wrong, and returns the value or `undefined`.
 */
import type { JsonObject } from './model.ts';
import { childPath, type ProblemList } from './problems.ts';
import { didYouMean, suggestField } from './suggest.ts';

export type RawObject = Record<string, unknown>;

export function isObject(value: unknown): value is RawObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How a value looks to a person: `an array`, `a number (3)`, `null`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string (${JSON.stringify(value)})`;
  if (typeof value === 'number' || typeof value === 'boolean') return `a ${typeof value} (${value})`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

export function readString(raw: RawObject, key: string, path: string, out: ProblemList): string | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  out.error(childPath(path, key), `must be a non-empty string, got ${describe(value)}`);
  return undefined;
}

export function requireString(
  raw: RawObject,
  key: string,
  path: string,
  out: ProblemList,
  why: string,
): string | undefined {
  if (raw[key] === undefined) {
    out.error(childPath(path, key), `missing; ${why}`);
    return undefined;
  }
  return readString(raw, key, path, out);
}

export function readEnum<const T extends string | number>(
  raw: RawObject,
  key: string,
  allowed: readonly T[],
  path: string,
  out: ProblemList,
): T | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  const hint = typeof value === 'string' ? didYouMean(value, allowed.map(String)) : '';
  const choices = allowed.map((a) => JSON.stringify(a)).join(', ');
  out.error(childPath(path, key), `must be one of ${choices}, got ${describe(value)}${hint}`);
  return undefined;
}

/** `true` or `false`. */
export function readBoolean(
  raw: RawObject,
  key: string,
  path: string,
  out: ProblemList,
): boolean | undefined {
  const value = raw[key];
  if (value === undefined || typeof value === 'boolean') return value;
  out.error(childPath(path, key), `must be true or false, got ${describe(value)}`);
  return undefined;
}

/** A number with a lower bound: `min` inclusive or exclusive, optionally an integer. */
export function readNumber(
  raw: RawObject,
  key: string,
  path: string,
  out: ProblemList,
  rule: { min: number; exclusive?: boolean; integer?: boolean },
): number | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule.exclusive ? value > rule.min : value >= rule.min) &&
    (!rule.integer || Number.isInteger(value));
  if (ok) return value;
  const kind = rule.integer ? 'an integer' : 'a number';
  const bound = rule.exclusive ? `> ${rule.min}` : `>= ${rule.min}`;
  out.error(childPath(path, key), `must be ${kind} ${bound}, got ${describe(value)}`);
  return undefined;
}

/** An array of non-empty strings (error names). */
export function readStringList(
  raw: RawObject,
  key: string,
  path: string,
  out: ProblemList,
): string[] | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== '')) {
    return [...(value as string[])];
  }
  out.error(childPath(path, key), `must be a non-empty array of strings, got ${describe(value)}`);
  return undefined;
}

/** A JSON object (parameters, an inline workflow): also rejects values JSON cannot carry. */
export function readJsonObject(
  raw: RawObject,
  key: string,
  path: string,
  out: ProblemList,
): JsonObject | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  const at = childPath(path, key);
  if (!isObject(value)) {
    out.error(at, `must be an object, got ${describe(value)}`);
    return undefined;
  }
  const bad = firstNonJson(value, at);
  if (bad !== undefined) {
    out.error(bad.path, `is not a JSON value (${bad.what})`);
    return undefined;
  }
  return value as JsonObject;
}

function firstNonJson(value: unknown, path: string): { path: string; what: string } | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { path, what: String(value) };
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const bad = firstNonJson(item, childPath(path, i));
      if (bad) return bad;
    }
    return undefined;
  }
  if (isObject(value) && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const bad = firstNonJson(item, childPath(path, k));
      if (bad) return bad;
    }
    return undefined;
  }
  return { path, what: describe(value) };
}

/** A field every object of a flow may carry: a note for people, ignored by the engine. */
export const COMMENT_FIELD = 'comment';

/** Whether `key` is free-form everywhere: the documented `comment` and `x-` prefixed extensions. */
export function isFreeField(key: string): boolean {
  return key === COMMENT_FIELD || key.startsWith('x-');
}

/**
 * Reports each field not in `allowed` as an error, naming the closest allowed field (a misspelt
 * field silently ignored would change what the flow does). `comment` and `x-…` are always allowed.
 *
 * @example rejectUnknownFields({ type: 'Task', retries: [] }, TASK_FIELDS, 'steps.A', out, 'a Task') // steps.A.retries: unknown field … (did you mean "retry"?)
 */
export function rejectUnknownFields(
  raw: RawObject,
  allowed: readonly string[],
  path: string,
  out: ProblemList,
  what: string,
): void {
  for (const key of Object.keys(raw)) {
    if (allowed.includes(key) || isFreeField(key) || raw[key] === undefined) continue;
    const hint = suggestField(key, allowed);
    const fix =
      hint === undefined
        ? `; allowed: ${allowed.join(', ')}, "comment" or "x-…"`
        : ` (did you mean ${JSON.stringify(hint)}?)`;
    out.error(childPath(path, key), `unknown field for ${what}${fix}`);
  }
}

/** @deprecated Unknown fields are errors now; same as `rejectUnknownFields`. */
export const warnUnknownFields = rejectUnknownFields;

/** Drops `undefined` members so that both front doors build identical objects. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
