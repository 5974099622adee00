/**
 * Reads a `Map` step: `items` (a reference to an array), `item_selector` (may read `$.item` and
 * `$.index`), `max_concurrency`, the tolerated failures, `retry`/`catch`, and the `iterator` — a
 * sub-flow read like a branch, where `$.item`/`$.index` are valid and `$.steps.X` names the
 * iterator's own steps (each iteration is a child execution that sees only its own data).
 *
 * @example
 * {"type": "Map", "items": "$.steps.List.output.files", "item_selector": {"file": "$.item"},
 *  "max_concurrency": 50, "iterator": {"start": "Load", "steps": {…}}, "next": "Report"}
 */
import type { Branch, Json, Step } from './model.ts';
import { childPath } from './problems.ts';
import { checkReferenceAt, readReferences } from './read-references.ts';
import { type Reader, readNextOrEnd, readScope } from './read-steps.ts';
import { readCatch, readRetry } from './read-task.ts';
import { compact, describe, type RawObject, readNumber, rejectUnknownFields } from './read-values.ts';
import { isReference } from './reference.ts';

/** Fields of a Map step. */
export const MAP_FIELDS: readonly string[] = [
  'type',
  'items',
  'item_selector',
  'max_concurrency',
  'tolerated_failure_count',
  'tolerated_failure_percentage',
  'iterator',
  'retry',
  'catch',
  'next',
  'end',
];

/** Reads a Map step at `path`; returns it when its shape is whole. */
export function readMap(
  raw: RawObject,
  path: string,
  reader: Reader,
  onEdge: (to: string, path: string) => void,
): Step | undefined {
  const { out } = reader;
  rejectUnknownFields(raw, MAP_FIELDS, path, out, 'a Map step');
  const outer = { problems: out, outputReferences: reader.outline.outputReferences, scope: reader.refs };
  const itemsAt = childPath(path, 'items');
  let itemsOk = false;
  if (raw.items === undefined)
    out.error(itemsAt, 'missing; a reference to the array to map over, e.g. "$.steps.List.output.files"');
  else if (typeof raw.items !== 'string' || !isReference(raw.items))
    out.error(
      itemsAt,
      `must be a reference to an array (such as "$.steps.List.output.files" or "$.input.tables"), got ${describe(raw.items)}`,
    );
  else itemsOk = checkReferenceAt(raw.items, itemsAt, outer);

  const selectorOk =
    raw.item_selector === undefined ||
    readReferences(raw.item_selector, childPath(path, 'item_selector'), {
      ...outer,
      scope: { ...reader.refs, inMapIterator: true },
    });
  const max_concurrency = readNumber(raw, 'max_concurrency', path, out, { min: 0, integer: true });
  const tolerated_failure_count = readNumber(raw, 'tolerated_failure_count', path, out, {
    min: 0,
    integer: true,
  });
  const tolerated_failure_percentage = readNumber(raw, 'tolerated_failure_percentage', path, out, {
    min: 0,
  });
  if (tolerated_failure_percentage !== undefined && tolerated_failure_percentage > 100)
    out.error(
      childPath(path, 'tolerated_failure_percentage'),
      `must be between 0 and 100, got ${tolerated_failure_percentage}`,
    );
  const retry = readRetry(raw, path, out);
  const rescue = readCatch(raw, path, out, onEdge);
  const iteratorAt = childPath(path, 'iterator');
  let iterator: Branch | undefined;
  if (raw.iterator === undefined)
    out.error(iteratorAt, 'missing; the steps each item runs: {"start": …, "steps": {…}}');
  else
    iterator = readScope(raw.iterator, iteratorAt, {
      ...reader,
      refs: { ...reader.refs, inMapIterator: true },
    });
  const flow = readNextOrEnd(raw, path, out, onEdge);
  const percentOk = tolerated_failure_percentage === undefined || tolerated_failure_percentage <= 100;
  if (!itemsOk || !selectorOk || !percentOk || iterator === undefined || flow === undefined) return undefined;
  return compact({
    type: 'Map' as const,
    items: raw.items as string,
    item_selector: raw.item_selector as Json | undefined,
    max_concurrency,
    tolerated_failure_count,
    tolerated_failure_percentage,
    iterator,
    retry,
    catch: rescue,
    ...flow,
  }) as Step;
}
