/**
 * The pure boundary, enforced by a tool (STYLE.md §3): nothing under engine/core or engine/flow may
 * import cloud SDKs, adapters, the store or signal layers, or node I/O modules, nor read the clock
 * or randomness. Checked on the TypeScript AST, so comments and strings do not count.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const PURE_DIRS = ['engine/core', 'engine/flow'];
const FORBIDDEN_PACKAGES = [
  /^@google-cloud\//,
  /^googleapis(\/|$)/,
  /^google-auth-library/,
  /^firebase/,
  /^@firebase\//,
];
const FORBIDDEN_AREAS = ['adapters', 'engine/store', 'engine/signals', 'functions', 'cli'];
const ALLOWED_NODE = new Set(['node:crypto']);
const CLOCK_AND_CHANCE = new Set([
  'Date.now',
  'Math.random',
  'performance.now',
  'crypto.randomUUID',
  'crypto.getRandomValues',
]);

/** Every violation in one source file, as `file:line: what`. `file` is relative to the repo root. */
function violations(file: string, source: string): string[] {
  const found: string[] = [];
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const report = (node: ts.Node, what: string) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    found.push(`${file}:${line}: ${what}`);
  };
  const checkSpecifier = (node: ts.Node, specifier: string) => {
    const problem = importProblem(file, specifier);
    if (problem !== undefined) report(node, problem);
  };
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined
    ) {
      if (ts.isStringLiteral(node.moduleSpecifier)) checkSpecifier(node, node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node)) {
      const [arg] = node.arguments;
      const dynamic = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const required = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if ((dynamic || required) && arg !== undefined && ts.isStringLiteral(arg))
        checkSpecifier(node, arg.text);
      const callee = node.expression.getText(sf).replace(/^globalThis\./, '');
      if (CLOCK_AND_CHANCE.has(callee))
        report(node, `${callee}() reads the clock or randomness; take it as an argument`);
    } else if (
      ts.isNewExpression(node) &&
      node.expression.getText(sf).replace(/^globalThis\./, '') === 'Date'
    ) {
      report(node, 'new Date(…): the core gets time as an ISO `now` argument (see engine/core/time.ts)');
    } else if (ts.isIdentifier(node) && (node.text === 'randomUUID' || node.text === 'getRandomValues')) {
      report(node, `${node.text}: ids come in as arguments`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function importProblem(file: string, specifier: string): string | undefined {
  if (FORBIDDEN_PACKAGES.some((p) => p.test(specifier)))
    return `imports ${specifier} (cloud SDK) into the pure core`;
  if (specifier.startsWith('node:') || isBuiltin(specifier)) {
    return ALLOWED_NODE.has(specifier)
      ? undefined
      : `imports ${specifier}; only node:crypto is allowed in the pure core`;
  }
  if (specifier.startsWith('.')) {
    const target = relative(ROOT, join(ROOT, dirname(file), specifier));
    const area = FORBIDDEN_AREAS.find((a) => target === a || target.startsWith(`${a}/`));
    if (area !== undefined) return `imports ${specifier} (${area}/); the pure core must not depend on it`;
  } else if (FORBIDDEN_AREAS.some((a) => specifier.includes(`/${a}/`) || specifier.startsWith(`${a}/`))) {
    return `imports ${specifier}; the pure core must not depend on it`;
  }
  return undefined;
}

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('pure boundary of engine/core and engine/flow', () => {
  it('no file imports I/O, cloud SDKs, adapters or the store, or reads the clock or randomness', () => {
    const files = PURE_DIRS.flatMap(tsFiles);
    expect(files.length).toBeGreaterThan(10);
    expect(files).toContain('engine/core/decide.ts');
    const found = files.flatMap((file) => violations(file, readFileSync(join(ROOT, file), 'utf8')));
    expect(found).toEqual([]);
  });

  describe('the scanner catches violations', () => {
    it.each([
      ["import { Firestore } from '@google-cloud/firestore';", '@google-cloud/firestore'],
      ["import { dataflow } from 'googleapis/build/src/apis/dataflow';", 'googleapis'],
      ["import '@google-cloud/functions-framework';", 'functions-framework'],
      ["import { readFileSync } from 'node:fs';", 'node:fs'],
      ["import http from 'http';", 'http'],
      ["import type { Launcher } from '../../engine/ports/index.ts';", 'adapters/'],
      ["export { x } from '../store/ports.ts';", 'engine/store/'],
      ["const m = await import('../signals/parse.ts');", 'engine/signals/'],
      ['const t = Date.now();', 'Date.now'],
      ['const d = new Date();', 'new Date'],
      ["const d = new Date('2024-01-01');", 'new Date'],
      ['const r = Math.random();', 'Math.random'],
      ["import { randomUUID } from 'node:crypto';", 'randomUUID'],
      ['const id = crypto.randomUUID();', 'randomUUID'],
      ['const t = performance.now();', 'performance.now'],
      ['const t = globalThis.Date.now();', 'Date.now'],
    ])('flags %s', (source, what) => {
      const found = violations('engine/core/bad.ts', source);
      expect(found.length).toBeGreaterThan(0);
      expect(found.join('\n')).toContain(what);
      expect(found[0]).toMatch(/^engine\/core\/bad\.ts:1: /);
    });

    it('accepts pure code, node:crypto hashing, and mentions in comments or strings', () => {
      const source = [
        "import { createHash } from 'node:crypto';",
        "import { setup } from 'xstate';",
        "import type { Flow } from '../flow/model.ts';",
        '// never call Date.now() or new Date() here',
        "const hint = 'pass now, not new Date()';",
        "const ms = Date.parse('2024-01-01T00:00:00Z');",
      ].join('\n');
      expect(violations('engine/core/good.ts', source)).toEqual([]);
    });
  });
});
