/**
 * Reads the flows bundled with a function: every `*.json` file (reference format, id = file base
 * name) and every JS/TS module whose default or named exports are `defineFlow` definitions. Problems
 * of every file are collected, never thrown one at a time, so a bad deploy names all of them at once.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { definitionHash } from '../../engine/flow/hash.ts';
import { readFlowJson } from '../../engine/flow/json-reader.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import { formatProblem } from '../../engine/flow/problems.ts';
import { validateFlow } from '../../engine/flow/validate.ts';

/** A flow as found on disk: its definition and the file it came from. */
export interface FlowSource {
  definition: FlowDefinition;
  /** Absolute path of the file, for error messages and `firestep` listings. */
  file: string;
  /** Export name for modules (`default` or the named export); absent for JSON. */
  exportName?: string;
}

/** One problem of one file: `file` relative to the flows directory. */
export interface FileProblem {
  file: string;
  message: string;
}

export interface DirectoryScan {
  flows: FlowSource[];
  problems: FileProblem[];
}

const JSON_EXT = new Set(['.json']);
const MODULE_EXT = new Set(['.js', '.mjs', '.ts', '.mts']);
/** Flow ids travel in URLs, CLI arguments and Firestore fields. */
const FLOW_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Files that are clearly not flows: declarations, tests, hidden and `_private` helpers. */
function isCandidate(name: string): boolean {
  if (name.startsWith('.') || name.startsWith('_')) return false;
  if (/\.d\.m?ts$/.test(name) || /\.(spec|test)\.m?[jt]s$/.test(name)) return false;
  const ext = extname(name);
  return JSON_EXT.has(ext) || MODULE_EXT.has(ext);
}

/**
 * Is `value` a flow definition as `defineFlow` returns it (`{id, flow: {start, steps}, hash}`)?
 *
 * @example isFlowDefinition(defineFlow({ id: 'x', start: 'A', steps: { A: end() } })) // true
 */
export function isFlowDefinition(value: unknown): value is FlowDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { id?: unknown; flow?: unknown; hash?: unknown };
  if (typeof v.id !== 'string' || typeof v.hash !== 'string') return false;
  if (typeof v.flow !== 'object' || v.flow === null) return false;
  const f = v.flow as { start?: unknown; steps?: unknown };
  return typeof f.start === 'string' && typeof f.steps === 'object' && f.steps !== null;
}

async function readJsonFlow(file: string, rel: string, problems: FileProblem[]): Promise<FlowSource[]> {
  const id = basename(file, extname(file));
  const check = readFlowJson(await readFile(file, 'utf8'), rel);
  for (const p of check.errors) problems.push({ file: rel, message: formatProblem(p) });
  if (!FLOW_ID.test(id)) {
    problems.push({
      file: rel,
      message: `the file name gives flow id ${JSON.stringify(id)}; use letters, digits, ".", "_" or "-"`,
    });
    return [];
  }
  if (check.flow === undefined) return [];
  return [{ definition: { id, flow: check.flow, hash: definitionHash(check.flow) }, file }];
}

/**
 * Re-checks a module's definition: a hand-built object (or a stale bundle) must not slip past
 * validation, and the hash is recomputed from the normalized flow so that it is always the truth.
 */
function checkDefinition(
  def: FlowDefinition,
  rel: string,
  exportName: string,
  problems: FileProblem[],
): FlowDefinition | undefined {
  const where = `${rel} (export ${exportName})`;
  if (!FLOW_ID.test(def.id)) {
    problems.push({
      file: where,
      message: `flow id ${JSON.stringify(def.id)} is not valid; use letters, digits, ".", "_" or "-"`,
    });
    return undefined;
  }
  const check = validateFlow(def.flow);
  for (const p of check.errors) problems.push({ file: where, message: formatProblem(p) });
  if (check.flow === undefined) return undefined;
  return { id: def.id, flow: check.flow, hash: definitionHash(check.flow) };
}

async function readModuleFlows(
  file: string,
  rel: string,
  problems: FileProblem[],
  version?: string,
): Promise<FlowSource[]> {
  let mod: Record<string, unknown>;
  try {
    const url = pathToFileURL(file).href + (version === undefined ? '' : `?v=${encodeURIComponent(version)}`);
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const hint =
      err.code === 'ERR_UNKNOWN_FILE_EXTENSION'
        ? 'this Node.js cannot import TypeScript; bundle the flows with `npm run build:functions` (or run under tsx)'
        : (err.message ?? String(e));
    problems.push({ file: rel, message: `cannot import the module: ${hint}` });
    return [];
  }
  const seen = new Set<unknown>();
  const found: FlowSource[] = [];
  const names = Object.keys(mod).sort((a, b) =>
    a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b),
  );
  for (const exportName of names) {
    const value = mod[exportName];
    if (!isFlowDefinition(value) || seen.has(value)) continue;
    seen.add(value);
    const definition = checkDefinition(value, rel, exportName, problems);
    if (definition) found.push({ definition, file, exportName });
  }
  if (seen.size === 0) {
    problems.push({
      file: rel,
      message: 'exports no flow; write `export default defineFlow({ id, start, steps })`',
    });
  }
  return found;
}

/**
 * Scan one directory (not recursive: helpers can live in sub-folders) for flows. `version` (any
 * text, e.g. a timestamp) re-imports modules instead of reusing the ones already loaded: `dev`
 * passes one when a file changed.
 *
 * @example
 * const { flows, problems } = await scanFlowDirectory('flows');
 */
export async function scanFlowDirectory(
  dir: string,
  opts: { version?: string } = {},
): Promise<DirectoryScan> {
  const root = resolve(dir);
  const problems: FileProblem[] = [];
  const flows: FlowSource[] = [];
  const entries = await readdir(root, { withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && isCandidate(e.name))
    .map((e) => e.name)
    .sort();
  for (const name of files) {
    const file = join(root, name);
    flows.push(
      ...(JSON_EXT.has(extname(name))
        ? await readJsonFlow(file, name, problems)
        : await readModuleFlows(file, name, problems, opts.version)),
    );
  }
  return { flows, problems };
}
