/**
 * The import graph of a module, read statically with the TypeScript parser (comments and strings are
 * not imports): every module it reaches through relative imports, and the packages it loads. Used on
 * the sources (test/package/exports.unit.spec.ts) and on the compiled package (pack.e2e.spec.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import ts from 'typescript';

/** One import of a package (not a relative file, not a Node built-in). */
export interface PackageImport {
  /** The package name: `@scope/name` or `name` (subpaths dropped). */
  name: string;
  /** The module that imports it. */
  from: string;
  /** `import('x')` or `createRequire(…)('x')`: loaded only when that code runs. */
  lazy: boolean;
}

export interface ImportGraph {
  modules: string[];
  packages: PackageImport[];
}

const BUILTIN = new Set(builtinModules);

/** What a user's function must not load to report a step (`firestep/sdk`): the engine's heavy dependencies. */
export const NOT_IN_SDK = ['@google-cloud/firestore', 'googleapis', 'xstate'];

/** The package a bare specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

function specifiers(file: string): { specifier: string; lazy: boolean }[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out: { specifier: string; lazy: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const typeOnly = ts.isImportDeclaration(node)
        ? node.importClause?.isTypeOnly === true
        : node.isTypeOnly;
      if (!typeOnly) out.push({ specifier: node.moduleSpecifier.text, lazy: false });
    } else if (ts.isCallExpression(node) && node.arguments.length === 1) {
      const [arg] = node.arguments;
      const dynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      // createRequire(import.meta.url)('x')
      const required =
        ts.isCallExpression(node.expression) && node.expression.getText(source).startsWith('createRequire(');
      if ((dynamicImport || required) && arg !== undefined && ts.isStringLiteral(arg)) {
        out.push({ specifier: arg.text, lazy: true });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/**
 * Walks the runtime imports (type-only imports excluded) from `entry`.
 *
 * @example importGraph('sdk/index.ts').packages.map((p) => p.name) // ['zod', '@google-cloud/pubsub']
 */
export function importGraph(entry: string): ImportGraph {
  const seen = new Set<string>();
  const packages: PackageImport[] = [];
  const queue = [resolve(entry)];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { specifier, lazy } of specifiers(file)) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        if (!existsSync(target)) throw new Error(`${file}: imports ${specifier}, which does not exist`);
        queue.push(target);
      } else if (!specifier.startsWith('node:') && !BUILTIN.has(specifier)) {
        packages.push({ name: packageName(specifier), from: file, lazy });
      }
    }
  }
  return { modules: [...seen], packages };
}
