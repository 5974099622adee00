/**
 * Readers for the data-platform targets: `BigQuery` (a query job) and `CloudRunJob` (a Cloud Run job
 * execution). Each checks what can be checked before launch — the query's `@name` parameters are all
 * given, a destination table is `[project.]dataset.table`, Cloud Run overrides have the right shapes —
 * and reports every problem with its path.
 */
import { WRITE_DISPOSITIONS } from './model.ts';
import { childPath, type ProblemList } from './problems.ts';
import {
  compact,
  describe,
  isObject,
  type RawObject,
  readEnum,
  readString,
  requireString,
} from './read-values.ts';
import { isReference } from './reference.ts';

/** `[project.]dataset.table` (project ids may contain `-` and a `domain:` prefix). */
const TABLE =
  /^(?:[a-z][-a-z0-9:.]*[a-z0-9]\.)?[A-Za-z0-9_]{1,1024}\.[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}$]{1,1024}$/u;
const LABEL = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;

/** Cloud Run overrides a CloudRunJob step's `parameters` may hold. */
export const CLOUD_RUN_JOB_PARAMETERS = ['args', 'env', 'task_count', 'timeout_seconds'] as const;

/**
 * The `@name` query parameters a GoogleSQL text uses (string literals and comments skipped).
 *
 * @example queryParameterNames("SELECT * FROM t WHERE d = @date AND s = '@x'") // ['date']
 */
export function queryParameterNames(query: string): string[] {
  const bare = query
    .replace(/--[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(^|[^@\w])@([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[2] as string);
  return [...names];
}

/** The BigQuery part of a flat Task. */
export function readBigQuery(raw: RawObject, path: string, out: ProblemList): object | undefined {
  const query = requireString(
    raw,
    'query',
    path,
    out,
    'a BigQuery target needs the GoogleSQL "query" to run',
  );
  if (query !== undefined && query.trim() === '') out.error(childPath(path, 'query'), 'is empty');
  const destination = readString(raw, 'destination_table', path, out);
  if (destination !== undefined && !TABLE.test(destination))
    out.error(
      childPath(path, 'destination_table'),
      `must be "dataset.table" or "project.dataset.table", got ${JSON.stringify(destination)}`,
    );
  const write_disposition = readEnum(raw, 'write_disposition', WRITE_DISPOSITIONS, path, out);
  if (write_disposition !== undefined && destination === undefined)
    out.error(
      childPath(path, 'write_disposition'),
      'applies to a destination table; set "destination_table" too',
    );
  const labels = readLabels(raw, path, out);
  const parameters = isObject(raw.parameters) ? raw.parameters : {};
  if (query !== undefined) {
    for (const name of queryParameterNames(query)) {
      if (!Object.hasOwn(parameters, name))
        out.error(childPath(path, 'parameters'), `the query uses @${name} but "parameters" has no "${name}"`);
    }
  }
  for (const [name, value] of Object.entries(parameters)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name))
      out.error(
        childPath(childPath(path, 'parameters'), name),
        'is not a valid query parameter name (letters, digits, _)',
      );
    else if (isObject(value))
      out.error(
        childPath(childPath(path, 'parameters'), name),
        'an object cannot be a query parameter; pass a string, number, boolean, or a list of them',
      );
  }
  return query === undefined
    ? undefined
    : compact({
        query,
        destination_table: destination,
        write_disposition,
        location: readString(raw, 'location', path, out),
        labels,
      });
}

function readLabels(raw: RawObject, path: string, out: ProblemList): Record<string, string> | undefined {
  if (raw.labels === undefined) return undefined;
  const at = childPath(path, 'labels');
  if (!isObject(raw.labels)) {
    out.error(at, `must be an object of lower-case strings, got ${describe(raw.labels)}`);
    return undefined;
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.labels)) {
    if (!LABEL.test(k))
      out.error(
        childPath(at, k),
        'label keys are lower-case letters, digits, _ and -, starting with a letter',
      );
    else if (typeof v !== 'string' || !LABEL_VALUE.test(v))
      out.error(
        childPath(at, k),
        `label values are lower-case letters, digits, _ and - (at most 63), got ${describe(v)}`,
      );
    else labels[k] = v;
  }
  return labels;
}

/** The CloudRunJob part of a flat Task (the job name is `target_name`). */
export function readCloudRunJob(raw: RawObject, path: string, out: ProblemList): object | undefined {
  const container = readString(raw, 'container', path, out);
  const at = childPath(path, 'parameters');
  if (raw.parameters !== undefined && isObject(raw.parameters)) {
    const p = raw.parameters;
    for (const key of Object.keys(p)) {
      if (!(CLOUD_RUN_JOB_PARAMETERS as readonly string[]).includes(key))
        out.error(
          childPath(at, key),
          `is not a Cloud Run job override; expected ${CLOUD_RUN_JOB_PARAMETERS.join(', ')}`,
        );
    }
    if (p.args !== undefined && !Array.isArray(p.args) && !isRef(p.args))
      out.error(childPath(at, 'args'), `must be a list of strings, got ${describe(p.args)}`);
    if (p.env !== undefined && !isObject(p.env) && !isRef(p.env))
      out.error(childPath(at, 'env'), `must be an object of NAME → value, got ${describe(p.env)}`);
    if (isObject(p.env)) {
      for (const [name, value] of Object.entries(p.env)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || name.startsWith('FIRESTEP_'))
          out.error(
            childPath(childPath(at, 'env'), name),
            'is not a usable variable name (FIRESTEP_ names are reserved)',
          );
        else if (isObject(value) || Array.isArray(value))
          out.error(childPath(childPath(at, 'env'), name), 'must be a string, number or boolean');
      }
    }
    for (const key of ['task_count', 'timeout_seconds'] as const) {
      const v = p[key];
      if (v !== undefined && !isRef(v) && !(typeof v === 'number' && Number.isInteger(v) && v > 0))
        out.error(childPath(at, key), `must be a positive integer, got ${describe(v)}`);
    }
  }
  return compact({ container });
}

function isRef(value: unknown): boolean {
  return typeof value === 'string' && (isReference(value) || value.includes('${'));
}
