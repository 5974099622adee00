/**
 * Writes the JSON Schemas in schema/ from their zod sources (`npm run schema`): the flow file format
 * (schema/flow-format.ts) and the callback wire formats (engine/signals/wire/callback.ts). A test
 * fails when a committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { schemaDocuments } from '../schema/documents.ts';

for (const [file, document] of Object.entries(schemaDocuments())) {
  writeFileSync(resolve(import.meta.dirname, '../schema', file), `${JSON.stringify(document, null, 2)}\n`);
  console.log(`schema/${file}`);
}
