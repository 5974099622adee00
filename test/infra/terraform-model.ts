/**
 * A read-only view of a Terraform module parsed with @cdktf/hcl2json (no terraform binary needed):
 * resources by type and name, merged locals, and a resolver that substitutes `${local.…}` references
 * whose value is a string, so generated strings (log sink filters, names) can be checked as text.
 * `${var.…}` and resource references stay symbolic.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';

/** One block as hcl2json renders it: attributes as values, nested blocks as arrays of objects. */
export type Block = Record<string, unknown>;

export interface TerraformModule {
  /** `resource.<type>.<name>` blocks (each name holds exactly one block in valid HCL). */
  resources: Map<string, Map<string, Block>>;
  /** `data.<type>.<name>` blocks. */
  data: Map<string, Map<string, Block>>;
  /** All `locals` blocks of all files, merged. */
  locals: Record<string, unknown>;
  /** Every parsed file, for checks that look at everything (comments are not part of it). */
  parsed: Record<string, Record<string, unknown>>;
}

/** Parse the given files (name → HCL text) into one module. */
export async function parseModule(files: Record<string, string>): Promise<TerraformModule> {
  const module: TerraformModule = { resources: new Map(), data: new Map(), locals: {}, parsed: {} };
  for (const [name, text] of Object.entries(files)) {
    const json = (await parse(name, text)) as Record<string, unknown>;
    module.parsed[name] = json;
    collect(module.resources, json.resource);
    collect(module.data, json.data);
    for (const block of (json.locals as Block[] | undefined) ?? []) Object.assign(module.locals, block);
  }
  return module;
}

/** Parse every `*.tf` file of a directory. */
export async function loadModuleDir(dir: string): Promise<TerraformModule> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort()) {
    files[name] = readFileSync(join(dir, name), 'utf8');
  }
  return parseModule(files);
}

function collect(into: Map<string, Map<string, Block>>, section: unknown): void {
  if (!section || typeof section !== 'object') return;
  for (const [type, byName] of Object.entries(section as Record<string, Record<string, Block[]>>)) {
    const names = into.get(type) ?? new Map<string, Block>();
    for (const [name, blocks] of Object.entries(byName)) {
      const block = blocks[0];
      if (block) names.set(name, block);
    }
    into.set(type, names);
  }
}

/** The blocks of one resource type, `[name, block]` pairs. */
export function resourcesOf(m: TerraformModule, type: string): Array<[string, Block]> {
  return [...(m.resources.get(type) ?? new Map<string, Block>()).entries()];
}

/** First element of a nested block list (`push_config[0]`), or undefined. */
export function nested(block: Block | undefined, key: string): Block | undefined {
  const value = block?.[key];
  return Array.isArray(value) ? (value[0] as Block | undefined) : undefined;
}

function localValue(m: TerraformModule, path: string): unknown {
  let value: unknown = m.locals;
  for (const part of path.split('.')) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * Substitute `${local.a.b}` by the local's value wherever that value is a string, repeatedly (locals
 * refer to locals). Anything else is left as written.
 */
export function resolveLocals(m: TerraformModule, text: string): string {
  let current = text;
  for (let depth = 0; depth < 20; depth++) {
    const next = current.replace(/\$\{local\.([A-Za-z0-9_.]+)\}/g, (whole, path: string) => {
      const value = localValue(m, path);
      return typeof value === 'string' ? value : whole;
    });
    if (next === current) return next;
    current = next;
  }
  throw new Error(`locals nest deeper than 20 levels (a cycle?) in: ${text.slice(0, 80)}`);
}

/** `${google_service_account.engine.email}` → `{ type, name, attribute }` when the whole value is one reference. */
export function asReference(value: unknown): { type: string; name: string; attribute: string } | undefined {
  if (typeof value !== 'string') return undefined;
  // `type.name.attr`, also `type.name[0].attr` / `type.name[each.key].attr` (count / for_each).
  const match = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\[[^\]]+\])?\.([a-z0-9_]+)\}$/.exec(value.trim());
  if (!match) return undefined;
  const [, type, name, attribute] = match;
  return type && name && attribute ? { type, name, attribute } : undefined;
}

/** Every string anywhere inside a parsed value. */
export function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) allStrings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) allStrings(v, out);
  return out;
}

/** Declared `variable` defaults of the module. */
export function variableDefaults(m: TerraformModule): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const json of Object.values(m.parsed)) {
    const section = (json.variable ?? {}) as Record<string, Block[]>;
    for (const [name, blocks] of Object.entries(section)) defaults[name] = blocks[0]?.default;
  }
  return defaults;
}

/**
 * Substitute `${var.name}` by `values[name]`, else the variable's default. Throws if a referenced
 * variable has no string value, or if any other interpolation remains.
 *
 * @example resolveVariables(m, resolveLocals(m, filter), { engine_function_name: 'acme-engine' })
 */
export function resolveVariables(
  m: TerraformModule,
  text: string,
  values: Record<string, string> = {},
): string {
  const defaults = variableDefaults(m);
  const resolved = text.replace(/\$\{var\.([A-Za-z0-9_]+)\}/g, (_whole, name: string) => {
    const value = values[name] ?? defaults[name];
    if (typeof value !== 'string') throw new Error(`variable ${name} has no string value to substitute`);
    return value;
  });
  const leftover = /\$\{[^}]*\}/.exec(resolved);
  if (leftover) throw new Error(`cannot evaluate ${leftover[0]} statically`);
  return resolved;
}
