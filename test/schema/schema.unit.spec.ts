/**
 * The published JSON Schemas (schema/*.schema.json): up to date with their zod sources, and
 * agreeing with the reader — every flow file in the repo validates, broken ones do not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { readFlowJson } from '../../engine/flow/json-reader.ts';
import { schemaDocuments } from '../../schema/documents.ts';

const documents = schemaDocuments();
const ajv = new Ajv2020({ strict: false, allErrors: true });
// "uri" is the one format the documents use; a URL parse is the check.
ajv.addFormat('uri', (value: string) => URL.canParse(value));
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const compiled = new Map<string, ReturnType<Ajv2020['compile']>>();
const validate = (file: string) => {
  if (!compiled.has(file)) compiled.set(file, ajv.compile(read(`schema/${file}`)));
  return compiled.get(file)!;
};
const flowFiles = ['examples', 'test/e2e/flows'].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(dir, f)),
);

describe('schema/', () => {
  it.each(
    Object.keys(documents),
  )('%s is what `npm run schema` writes (regenerate after changing its source)', (file) => {
    expect(read(`schema/${file}`)).toEqual(JSON.parse(JSON.stringify(documents[file])));
  });

  it('covers at least the example, sample and end-to-end flows', () => {
    expect(flowFiles.length).toBeGreaterThanOrEqual(9);
  });

  it.each(flowFiles)('%s: the reader accepts it and it validates against flow.schema.json', (file) => {
    const check = readFlowJson(readFileSync(file, 'utf8'), file);
    expect(check.errors).toEqual([]);
    const valid = validate('flow.schema.json');
    expect(valid(read(file)), JSON.stringify(valid.errors?.slice(0, 3))).toBe(true);
  });

  it('accepts a "$schema" line, comments and x- fields; the reader does not warn about them', () => {
    const flow = {
      $schema: './node_modules/firestep/schema/flow.schema.json',
      comment: 'nightly load',
      'x-owner': 'data-team',
      start: 'Load',
      steps: { Load: { type: 'Task', target_type: 'CloudFunction', target_name: 'load', end: true } },
    };
    expect(validate('flow.schema.json')(flow)).toBe(true);
    expect(readFlowJson(JSON.stringify(flow)).warnings.map((w) => w.path)).not.toContain('$schema');
  });

  it.each([
    [
      'an unknown field',
      { type: 'Task', target_type: 'CloudFunction', target_name: 'f', end: true, nxt: 'B' },
    ],
    ['an unknown step type', { type: 'Choice', end: true }],
    ['an unknown target type', { type: 'Task', target_type: 'Lambda', target_name: 'f', end: true }],
    [
      'a field of another target',
      { type: 'Task', target_type: 'CloudFunction', target_name: 'f', workflow: {}, end: true },
    ],
    ['an Http task without url', { type: 'Task', target_type: 'Http', end: true }],
    [
      'a Dataflow task without a template',
      { type: 'Task', target_type: 'Dataflow', target_name: 'j', end: true },
    ],
    ['a Wait with next and end', { type: 'Wait', seconds: 1, next: 'B', end: true }],
    ['a Pass without a value', { type: 'Pass', next: 'B' }],
    ['a choice without an operator', { type: 'Condition', choices: [{ variable: '$.input.x', next: 'B' }] }],
  ])('rejects %s', (_what, step) => {
    expect(validate('flow.schema.json')({ start: 'A', steps: { A: step, B: { type: 'End' } } })).toBe(false);
  });

  it('the context and callback schemas accept the shared SDK fixture and what a callback carries', () => {
    const fixture = read('sdk/conformance/cases.json') as unknown as { context: Record<string, string> };
    const context: Record<string, unknown> = {
      ...fixture.context,
      replyTo: { url: 'http://127.0.0.1:8080/v1/callbacks' },
    };
    expect(validate('context.schema.json')(context)).toBe(true);
    expect(validate('context.schema.json')({ ...context, traceId: 'XYZ' })).toBe(false);
    const callback = {
      kind: 'firestep.callback',
      id: '6f1c0f6e-0000-4000-8000-000000000000',
      token: context.token,
      executionId: context.executionId,
      path: context.path,
      attempt: 1,
      outcome: 'succeeded',
      output: { rows: 3 },
      lines: ['counting orders'],
      metadata: { table: 'orders' },
    };
    expect(validate('callback.schema.json')(callback)).toBe(true);
    expect(validate('callback.schema.json')({ ...callback, outcome: 'done' })).toBe(false);
    expect(validate('callback.schema.json')({ ...callback, token: 'short' })).toBe(false);
  });
});
