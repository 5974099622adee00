/**
 * References into an execution's data — the one place that defines their grammar:
 *
 * ```
 * reference := root ( "." member | "[" index "]" )* ( " ?? " json-literal )?
 * root      := "$.input" | "$.steps." Step ".output" | "$.trigger" | "$.item" | "$.index"
 * ```
 *
 * `$.item` / `$.index` (the element and position of a Map iteration) are only valid inside a Map
 * iterator; every other root is valid anywhere (`$.trigger` reads the payload of the trigger that
 * started the execution, `{"kind": "manual"}` when a person or the API started it). A reference is
 * written as a whole string (`"$.steps.Count.output.rows"`, replaced by the value, whatever its type)
 * or inside a template (`"gs://b/${$.input.day}/x"`). `?? <JSON>` is the explicit default used when
 * the reference cannot be read; without it an unreadable reference fails the step with
 * `States.ReferenceNotFound`. A small parser, no JSONPath library and no `eval`.
 *
 * To add a root: add it to `REFERENCE_ROOTS`, to `ParsedReference['root']`, to `ReferenceContext`
 * and to `readRoot`; the validator and the resolver pick it up from here.
 */
import type { Json } from './model.ts';
import { closest } from './suggest.ts';

/** The roots a reference can start with, how they are written, and where they are valid. */
export const REFERENCE_ROOTS = {
  input: { form: '$.input', where: 'anywhere' },
  steps: { form: '$.steps.<Step>.output', where: 'anywhere' },
  trigger: { form: '$.trigger', where: 'anywhere' },
  item: { form: '$.item', where: 'map-iterator' },
  index: { form: '$.index', where: 'map-iterator' },
} as const;

export type ReferenceRoot = keyof typeof REFERENCE_ROOTS;

/** What a reference can read. `item`/`index`/`trigger` are absent (undefined) where not defined. */
export interface ReferenceContext {
  input: Json;
  outputs: Record<string, Json>;
  /** The current element of a Map iteration. */
  item?: Json;
  /** The position (0-based) of the current Map iteration. */
  index?: number;
  /** The payload of the trigger that started the execution; absent reads as `{kind: "manual"}`. */
  trigger?: Json;
}

/** Where a reference is written: decides which roots are valid there. */
export interface ReferenceScope {
  /** Inside a Map iterator, where `$.item` and `$.index` are defined. */
  inMapIterator: boolean;
}

/** A reference split into its root, the member/index accesses that follow, and its default. */
export interface ParsedReference {
  root: { kind: 'input' } | { kind: 'step'; name: string } | { kind: 'trigger' | 'item' | 'index' };
  segments: Array<string | number>;
  /** The `?? <JSON>` default, when written. */
  fallback?: { value: Json };
}

export type Lookup = { found: true; value: Json } | { found: false };

/** A reference checked against the grammar: the parsed form, or why it is not one. */
export type ReferenceCheck = { ok: true; ref: ParsedReference } | { ok: false; message: string };

const SEGMENT = /^(?:\.([^.[\]\s]+)|\[(0|[1-9]\d*)\])/;
const ROOT_WORD = /^\$\.([^.[\s]*)/;
const DEFAULT_SEPARATOR = /\s*\?\?\s*/;

/** `$.input, $.steps.<Step>.output, $.trigger` (plus the Map roots where they apply), for messages. */
function rootList(scope: ReferenceScope): string {
  return Object.values(REFERENCE_ROOTS)
    .filter((r) => r.where === 'anywhere' || scope.inMapIterator)
    .map((r) => r.form)
    .join(', ');
}

/**
 * Whether a whole string is meant as a reference: it starts with `$.`. (A misspelt one, such as
 * `$.inputs.day`, is still meant as one: validation reports it rather than passing it on as text.)
 *
 * @example isReference('$.steps.Count.output.rows') === true
 * @example isReference('gs://bucket/$.input') === false
 */
export function isReference(text: string): boolean {
  return text.startsWith('$.');
}

/**
 * Check a reference against the grammar, with a message that names the problem and a fix.
 *
 * @example checkReference('$.inputs.day', { inMapIterator: false })
 * // { ok: false, message: 'unknown reference root "$.inputs" (did you mean "$.input"?); …' }
 */
export function checkReference(text: string, scope: ReferenceScope): ReferenceCheck {
  const cut = DEFAULT_SEPARATOR.exec(text);
  const body = cut === null ? text : text.slice(0, cut.index);
  let fallback: ParsedReference['fallback'];
  if (cut !== null) {
    const literal = text.slice(cut.index + cut[0].length);
    try {
      fallback = { value: JSON.parse(literal) as Json };
    } catch {
      return {
        ok: false,
        message: `the default after "??" must be a JSON value (a quoted "string", a number, true/false, null…), got ${JSON.stringify(literal)}`,
      };
    }
  }
  const root = readRoot(body, scope);
  if (!root.ok) return root;
  const segments: Array<string | number> = [];
  let rest = root.rest;
  while (rest.length > 0) {
    const m = SEGMENT.exec(rest);
    if (m === null) {
      return {
        ok: false,
        message: `${JSON.stringify(body)} is not a well-formed reference at ${JSON.stringify(rest)}; write members as .name and indexes as [0]`,
      };
    }
    segments.push(m[1] !== undefined ? m[1] : Number(m[2]));
    rest = rest.slice(m[0].length);
  }
  return { ok: true, ref: { root: root.root, segments, ...(fallback === undefined ? {} : { fallback }) } };
}

function readRoot(
  body: string,
  scope: ReferenceScope,
): { ok: true; root: ParsedReference['root']; rest: string } | { ok: false; message: string } {
  const word = ROOT_WORD.exec(body)?.[1];
  if (word === undefined) {
    return {
      ok: false,
      message: `${JSON.stringify(body)} is not a reference; start with ${rootList(scope)}`,
    };
  }
  const rest = body.slice(2 + word.length);
  switch (word) {
    case 'input':
    case 'trigger':
      return { ok: true, root: { kind: word }, rest };
    case 'item':
    case 'index':
      if (!scope.inMapIterator) {
        return {
          ok: false,
          message: `"$.${word}" is only defined inside a Map iterator; here use ${rootList(scope)}`,
        };
      }
      return { ok: true, root: { kind: word }, rest };
    case 'steps': {
      const step = /^\.([^.[\]\s]+)\.output(?=$|[.[])/.exec(rest);
      if (step === null) {
        const name = /^\.([^.[\]\s]+)/.exec(rest)?.[1];
        const example = `$.steps.${name ?? '<Step>'}.output`;
        return {
          ok: false,
          message: `a step reference reads a step's output: write ${JSON.stringify(`${example}…`)}, got ${JSON.stringify(body)}`,
        };
      }
      return { ok: true, root: { kind: 'step', name: step[1] as string }, rest: rest.slice(step[0].length) };
    }
    default: {
      const roots = Object.keys(REFERENCE_ROOTS).filter(
        (r) => REFERENCE_ROOTS[r as ReferenceRoot].where === 'anywhere' || scope.inMapIterator,
      );
      const near = closest(word, roots) ?? roots.find((r) => r.startsWith(word) || word.startsWith(r));
      const hint = near === undefined ? '' : ` (did you mean "$.${near}"?)`;
      return {
        ok: false,
        message: `unknown reference root "$.${word}"${hint}; a reference starts with ${rootList(scope)}`,
      };
    }
  }
}

/**
 * Parse a reference (any root; the Map roots are accepted here, validation restricts where), or
 * undefined when it is not well formed.
 *
 * @example parseReference('$.steps.Count.output.rows[0]') // {root: {kind:'step', name:'Count'}, segments: ['rows', 0]}
 */
export function parseReference(text: string): ParsedReference | undefined {
  const check = checkReference(text, { inMapIterator: true });
  return check.ok ? check.ref : undefined;
}

/**
 * Read a reference. A malformed reference, a step that has not completed, a missing member or an
 * index out of range is `{found: false}` — unless the reference has a `?? default`, which is then
 * the value. A present `null` is found.
 *
 * @example lookup({input: {a: [1, 2]}, outputs: {}}, '$.input.a[1]') // {found: true, value: 2}
 * @example lookup({input: {}, outputs: {}}, '$.input.day ?? "today"') // {found: true, value: 'today'}
 */
export function lookup(ctx: ReferenceContext, text: string): Lookup {
  const ref = parseReference(text);
  if (ref === undefined) return { found: false };
  const value = read(ctx, ref);
  if (value !== undefined) return { found: true, value };
  return ref.fallback === undefined ? { found: false } : { found: true, value: ref.fallback.value };
}

function read(ctx: ReferenceContext, ref: ParsedReference): Json | undefined {
  let value: Json | undefined;
  switch (ref.root.kind) {
    case 'input':
      value = ctx.input;
      break;
    case 'step':
      value = Object.hasOwn(ctx.outputs, ref.root.name) ? ctx.outputs[ref.root.name] : undefined;
      break;
    case 'trigger':
      // Nothing recorded: a person or the API started the execution.
      value = ctx.trigger ?? { kind: 'manual' };
      break;
    case 'item':
      value = ctx.item;
      break;
    case 'index':
      value = ctx.index;
      break;
  }
  for (const segment of ref.segments) {
    if (value === undefined) break;
    value = member(value, segment);
  }
  return value;
}

function member(value: Json, segment: string | number): Json | undefined {
  if (typeof segment === 'number') return Array.isArray(value) ? value[segment] : undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, segment) ? value[segment] : undefined;
}

/** One `${…}` template inside a string: the reference text, or an unterminated opening. */
export type TemplatePart = { ref: string; start: number; end: number } | { unterminated: number };

/**
 * The `${$…}` templates of a string, in order. The closing `}` is the first one outside a quoted
 * string and outside braces of a JSON default, so `${$.input.x ?? {"a": 1}}` is one template.
 *
 * @example templatesIn('gs://b/${$.input.day}/x') // [{ ref: '$.input.day', start: 7, end: 21 }]
 */
export function templatesIn(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('${$', from);
    if (start < 0) return parts;
    let depth = 0;
    let quoted = false;
    let end = -1;
    for (let i = start + 2; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '\\') i++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === '{') depth++;
      else if (c === '}') {
        if (depth === 0) {
          end = i;
          break;
        }
        depth--;
      }
    }
    if (end < 0) {
      parts.push({ unterminated: start });
      return parts;
    }
    parts.push({ ref: text.slice(start + 2, end), start, end: end + 1 });
    from = end + 1;
  }
}
