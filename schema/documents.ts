/**
 * Every published JSON Schema by file name: the flow file format and the callback protocol (the
 * context firestep sends with a launch, the message a function sends back). Generated from zod
 * with `z.toJSONSchema`, so they cannot drift from what firestep parses.
 */
import { z } from 'zod';
import { CallbackMessageSchema, FirestepContextSchema } from '../engine/signals/wire/callback.ts';
import { flowJsonSchema } from './flow-format.ts';

const BASE = 'https://firestep.dev/schema';

function wire(file: string, title: string, schema: z.ZodType, io: 'input' | 'output') {
  return {
    $id: `${BASE}/${file}`,
    title,
    ...z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }),
  };
}

/**
 * @example Object.keys(schemaDocuments()) // → ['flow.schema.json', 'context.schema.json', 'callback.schema.json']
 */
export function schemaDocuments(): Record<string, Record<string, unknown>> {
  return {
    'flow.schema.json': flowJsonSchema(),
    'context.schema.json': wire(
      'context.schema.json',
      'firestep launch context: the "firestep" field of an HTTP launch body (Pub/Sub: firestep_* attributes)',
      FirestepContextSchema,
      'output',
    ),
    'callback.schema.json': wire(
      'callback.schema.json',
      'firestep callback: what a function POSTs to <api>/v1/callbacks or publishes to the reply topic',
      CallbackMessageSchema,
      'input',
    ),
  };
}
