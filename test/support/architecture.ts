/**
 * The layering in architecture.json, and an import scanner over the TypeScript AST (so comments and
 * strings do not count). Used by test/architecture.unit.spec.ts (every arrow) and
 * test/core/purity.unit.spec.ts (the pure parts). No emulator, no I/O beyond reading the tree.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import ts from 'typescript';
import { z } from 'zod';

export const ROOT = resolve(import.meta.dirname, '../..');

const ArchitectureSchema = z.object({
  $comment: z.string().optional(),
  parts: z.record(z.string(), z.string()),
  pure: z.array(z.string()),
  allowed: z.record(z.string(), z.array(z.string())),
  forbidden: z.array(z.object({ from: z.array(z.string()), to: z.array(z.string()), reason: z.string() })),
});
export type Architecture = z.infer<typeof ArchitectureSchema>;

/** architecture.json, parsed. */
export function loadArchitecture(root: string = ROOT): Architecture {
  return ArchitectureSchema.parse(JSON.parse(readFileSync(join(root, 'architecture.json'), 'utf8')));
}

/**
 * The part a repo-relative path belongs to: the longest part folder that contains it, '.' for a file
 * at the root, undefined for a file in a folder no part names.
 *
 * @example partOf(arch, 'engine/signals/wire/timer.ts') // 'engine/signals/wire'
 */
export function partOf(arch: Architecture, path: string): string | undefined {
  let best: string | undefined;
  for (const part of Object.keys(arch.parts)) {
    if (part === '.') continue;
    if ((path === part || path.startsWith(`${part}/`)) && (best === undefined || part.length > best.length))
      best = part;
  }
  if (best === undefined && !path.includes('/')) return '.';
  return best;
}

/** One import of a file: the specifier as written and its 1-based line. */
export interface ImportSite {
  specifier: string;
  line: number;
}

/**
 * Every module a source imports: `import … from`, `export … from`, side-effect `import '…'`,
 * `import('…')` with a string literal, `import('…').T` in types, and `require('…')`.
 */
export function importsOf(file: string, source: string): ImportSite[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const found: ImportSite[] = [];
  const add = (node: ts.Node, specifier: string) =>
    found.push({ specifier, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
  const literal = (node: ts.Node | undefined): string | undefined =>
    node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
      ? node.text
      : undefined;
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      const s = literal(node.moduleSpecifier);
      if (s !== undefined) add(node, s);
    } else if (ts.isCallExpression(node)) {
      const dynamic = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const required = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      const s = literal(node.arguments[0]);
      if ((dynamic || required) && s !== undefined) add(node, s);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const s = literal(node.argument.literal);
      if (s !== undefined) add(node, s);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, string | Record<string, string>>;
};

/**
 * The repo-relative file an import names, or undefined for a package (other than firestep itself,
 * whose `exports` map back into the tree).
 *
 * @example importTarget('engine/core/decide.ts', '../store/index.ts') // 'engine/store/index.ts'
 */
export function importTarget(file: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) {
    const target = normalize(relative(ROOT, join(ROOT, dirname(file), specifier)));
    return target.startsWith('..') || target.startsWith('node_modules/') ? undefined : target;
  }
  if (specifier === PACKAGE.name || specifier.startsWith(`${PACKAGE.name}/`)) {
    const key = `.${specifier.slice(PACKAGE.name.length)}`;
    const entry = PACKAGE.exports[key];
    // In the tree, an entry point is its TypeScript source (the `firestep-source` condition).
    const mapped = typeof entry === 'string' ? entry : entry?.['firestep-source'];
    return mapped === undefined ? undefined : normalize(mapped);
  }
  return undefined;
}

/**
 * What is wrong with an import from part `from` into part `to`, or undefined when architecture.json
 * allows the arrow.
 */
export function arrowProblem(arch: Architecture, from: string, to: string): string | undefined {
  if (from === to) return undefined;
  const rule = arch.forbidden.find((f) => f.from.includes(from) && f.to.includes(to));
  if (rule !== undefined) return `${from} → ${to} is forbidden: ${rule.reason}`;
  const allowed = arch.allowed[from] ?? [];
  if (allowed.includes('*') || allowed.includes(to)) return undefined;
  return `${from} → ${to} is not an allowed arrow (architecture.json allows ${from} → ${allowed.join(', ') || 'nothing'})`;
}

/**
 * Every arrow a file's imports break, as `file:line: imports 'spec' — problem`.
 */
export function layeringViolations(arch: Architecture, file: string, source: string): string[] {
  const from = partOf(arch, file);
  if (from === undefined) return [`${file}:1: is in no part of architecture.json; add its folder there`];
  const found: string[] = [];
  for (const { specifier, line } of importsOf(file, source)) {
    const target = importTarget(file, specifier);
    if (target === undefined) continue;
    const to = partOf(arch, target);
    const problem =
      to === undefined ? `${target} is in no part of architecture.json` : arrowProblem(arch, from, to);
    if (problem !== undefined) found.push(`${file}:${line}: imports '${specifier}' — ${problem}`);
  }
  return found;
}

/** Every .ts file under `dir` (repo-relative), skipping node_modules, dist, lib (builds) and dot folders. */
export function tsFiles(dir = '.'): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    if (['node_modules', 'dist', 'lib'].includes(entry.name) || entry.name.startsWith('.')) return [];
    const path = dir === '.' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}
