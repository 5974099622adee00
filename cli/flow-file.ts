/**
 * Loads a flow file for the CLI: `.json` through the JSON reader; `.ts`/`.mts`/`.js`/`.mjs` by
 * importing the module, whose default export is a `defineFlow(...)` definition (or a plain flow
 * object, read like JSON). The flow id is the `defineFlow` id, or the file's base name.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FirestepError, isFirestepError } from '../engine/errors.ts';
import { definitionHash } from '../engine/flow/hash.ts';
import { invalidFlowError, readFlowJson } from '../engine/flow/json-reader.ts';
import type { FlowDefinition } from '../engine/flow/model.ts';
import type { Problem } from '../engine/flow/problems.ts';
import { type FlowCheck, validateFlow } from '../engine/flow/validate.ts';

const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** A flow file, read and validated; `definition` exists only when there are no errors. */
export interface FlowFileCheck {
  file: string;
  id: string;
  definition: FlowDefinition | undefined;
  errors: Problem[];
  warnings: Problem[];
  /** False when the file is not JSON at all (loading it throws `FLOW_PARSE` rather than `FLOW_INVALID`). */
  parsed: boolean;
}

/**
 * Reads and validates a flow file, reporting problems rather than throwing; throws `FLOW_PARSE`
 * only when the file cannot be read or imported at all.
 *
 * @example const { definition, errors } = await checkFlowFile('examples/sample-dag.json');
 */
export async function checkFlowFile(file: string): Promise<FlowFileCheck> {
  const extension = extname(file).toLowerCase();
  const id = basename(file, extname(file));
  if (extension === '.json') return withDefinition(file, id, readFlowJson(await readText(file), file));
  if (MODULE_EXTENSIONS.includes(extension)) return checkModule(file, id);
  throw new FirestepError(
    'FLOW_PARSE',
    `${file}: unsupported file type "${extension}"; a flow is a .json file (reference format) or a .ts/.js module`,
  );
}

/**
 * Loads a valid flow definition, or throws `FLOW_PARSE` (unreadable, not a module) or
 * `FLOW_INVALID` (with `details.problems`, one `path: message` line each in the message).
 *
 * @example const { id, flow, hash } = await loadFlowFile('examples/sample-dag.ts');
 */
export async function loadFlowFile(file: string): Promise<FlowDefinition> {
  const check = await checkFlowFile(file);
  if (check.definition === undefined) {
    throw invalidFlowError(file, check.errors, check.warnings, check.parsed ? 'FLOW_INVALID' : 'FLOW_PARSE');
  }
  return check.definition;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new FirestepError('FLOW_PARSE', `${file}: cannot read the file (${(e as Error).message})`, {
      cause: e,
    });
  }
}

function withDefinition(file: string, id: string, check: FlowCheck & { parsed?: boolean }): FlowFileCheck {
  const definition = check.flow && { id, flow: check.flow, hash: definitionHash(check.flow) };
  return {
    file,
    id,
    definition,
    errors: check.errors,
    warnings: check.warnings,
    parsed: check.parsed ?? true,
  };
}

async function checkModule(file: string, fallbackId: string): Promise<FlowFileCheck> {
  let exported: unknown;
  try {
    exported = ((await import(pathToFileURL(resolve(file)).href)) as { default?: unknown }).default;
  } catch (e) {
    // defineFlow throws FLOW_INVALID while the module loads: those are the flow's problems, not a load failure.
    if (isFirestepError(e, 'FLOW_INVALID')) {
      const details = e.details as { problems?: Problem[]; warnings?: Problem[] } | undefined;
      return {
        file,
        id: fallbackId,
        definition: undefined,
        errors: details?.problems ?? [],
        warnings: details?.warnings ?? [],
        parsed: true,
      };
    }
    const message = e instanceof Error ? e.message : String(e);
    throw new FirestepError('FLOW_PARSE', `${file}: cannot load the module (${message})`, { cause: e });
  }
  if (exported === undefined || exported === null || typeof exported !== 'object') {
    throw new FirestepError(
      'FLOW_PARSE',
      `${file}: the default export must be a flow; write \`export default defineFlow({ id, start, steps })\``,
    );
  }
  const candidate = exported as Partial<FlowDefinition>;
  const isDefinition = typeof candidate.id === 'string' && typeof candidate.flow === 'object';
  // Re-validate even a defineFlow result: the module may have edited it after defining it.
  const check = validateFlow(isDefinition ? candidate.flow : exported);
  return withDefinition(file, isDefinition ? (candidate.id as string) : fallbackId, check);
}
