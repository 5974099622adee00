/**
 * The pure boundary, enforced by a tool (STYLE.md §3): nothing in a `pure` part of architecture.json
 * (engine/core, engine/flow) may import cloud SDKs or node I/O modules, import a part its arrows do
 * not allow (adapters, the store, the signal layers…), nor read the clock or randomness. Checked on
 * the TypeScript AST, so comments and strings do not count. Arrows between all parts:
 * test/architecture.unit.spec.ts.
 */
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { importTarget, loadArchitecture, partOf, ROOT, tsFiles } from '../support/architecture.ts';

const ARCH = loadArchitecture();
const PURE_DIRS = ARCH.pure;
const FORBIDDEN_PACKAGES = [
  /^@google-cloud\//,
  /^googleapis(\/|$)/,
  /^google-auth-library/,
  /^firebase/,
  /^@firebase\//,
];
/** Parts a pure file may import: its own, the other pure parts, and what architecture.json allows it. */
function allowedParts(part: string): Set<string> {
  return new Set([part, ...PURE_DIRS, ...(ARCH.allowed[part] ?? [])]);
}
/** Every other part (for package specifiers such as `firestep/adapters`). */
const FORBIDDEN_AREAS = Object.keys(ARCH.parts).filter(
  (p) => p !== '.' && !PURE_DIRS.some((pure) => allowedParts(pure).has(p)),
);
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
  const target = importTarget(file, specifier);
  if (specifier.startsWith('.') || target !== undefined) {
    const from = partOf(ARCH, file) ?? file;
    const area = target === undefined ? 'outside the repository' : (partOf(ARCH, target) ?? target);
    if (!allowedParts(from).has(area))
      return `imports ${specifier} (${area}/); the pure core must not depend on it`;
  } else if (FORBIDDEN_AREAS.some((a) => specifier.includes(`/${a}/`) || specifier.startsWith(`${a}/`))) {
    return `imports ${specifier}; the pure core must not depend on it`;
  }
  return undefined;
}

describe('pure boundary of engine/core and engine/flow', () => {
  it('no file imports I/O, cloud SDKs, adapters or the store, or reads the clock or randomness', () => {
    expect(PURE_DIRS).toEqual(['engine/core', 'engine/flow']);
    const files = PURE_DIRS.flatMap((dir) => tsFiles(dir));
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
      ["import type { Launcher } from '../../adapters/index.ts';", 'adapters/'],
      ["import type { Launcher } from '../ports/index.ts';", 'engine/ports/'],
      ["import { x } from 'firestep/adapters';", 'firestep/adapters'],
      ["export { x } from '../store/index.ts';", 'engine/store/'],
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
