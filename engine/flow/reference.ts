/**
 * References into an execution's data, as Conditions and Task parameters write them:
 * `$.input`, `$.input.a.b`, `$.input.items[0].id`, `$.steps.<Name>.output`, `$.steps.Count.output.rows`.
 * A small parser, no JSONPath library and no `eval`: only member and index access.
 */
import type { Json } from './model.ts';

/** What a reference can read: the execution input and the outputs of completed steps, by name. */
export interface ReferenceContext {
  input: Json;
  outputs: Record<string, Json>;
}

/** A reference split into its root and the member/index accesses that follow. */
export interface ParsedReference {
  root: { kind: 'input' } | { kind: 'step'; name: string };
  segments: Array<string | number>;
}

export type Lookup = { found: true; value: Json } | { found: false };

const SEGMENT = /^(?:\.([^.[\]]+)|\[(0|[1-9]\d*)\])/;

/**
 * Whether a string is meant as a reference (starts with `$.input` or `$.steps.`).
 *
 * @example isReference('$.steps.Count.output.rows') === true
 * @example isReference('gs://bucket/$.input') === false
 */
export function isReference(text: string): boolean {
  return text === '$.input' || /^\$\.input[.[]/.test(text) || text.startsWith('$.steps.');
}

/**
 * Parse a reference, or undefined when it is not well formed.
 *
 * @example parseReference('$.steps.Count.output.rows[0]') // {root: {kind:'step', name:'Count'}, segments: ['rows', 0]}
 */
export function parseReference(text: string): ParsedReference | undefined {
  let root: ParsedReference['root'];
  let rest: string;
  if (text.startsWith('$.input')) {
    root = { kind: 'input' };
    rest = text.slice('$.input'.length);
  } else {
    const step = /^\$\.steps\.([^.[\]]+)\.output/.exec(text);
    if (step === null) return undefined;
    root = { kind: 'step', name: step[1] as string };
    rest = text.slice(step[0].length);
  }
  const segments: Array<string | number> = [];
  while (rest.length > 0) {
    const m = SEGMENT.exec(rest);
    if (m === null) return undefined;
    segments.push(m[1] !== undefined ? m[1] : Number(m[2]));
    rest = rest.slice(m[0].length);
  }
  return { root, segments };
}

/**
 * Read a reference. A malformed reference, a step that has not completed, a missing member or an
 * index out of range is `{found: false}`; a present `null` is found.
 *
 * @example lookup({input: {a: [1, 2]}, outputs: {}}, '$.input.a[1]') // {found: true, value: 2}
 */
export function lookup(ctx: ReferenceContext, text: string): Lookup {
  const ref = parseReference(text);
  if (ref === undefined) return { found: false };
  let value: Json | undefined;
  if (ref.root.kind === 'input') value = ctx.input;
  else value = Object.hasOwn(ctx.outputs, ref.root.name) ? ctx.outputs[ref.root.name] : undefined;
  for (const segment of ref.segments) {
    if (value === undefined) break;
    value = member(value, segment);
  }
  return value === undefined ? { found: false } : { found: true, value };
}

function member(value: Json, segment: string | number): Json | undefined {
  if (typeof segment === 'number') return Array.isArray(value) ? value[segment] : undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, segment) ? value[segment] : undefined;
}
