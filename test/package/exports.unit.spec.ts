/**
 * The npm package's shape, checked on the sources (the packed tarball itself: pack.e2e.spec.ts):
 * each export has its source, types and JavaScript in step; the SDK stays light; every package the
 * shipped code imports is a dependency a consumer gets; the build's `.d.ts` rewrite.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsSpecifiers } from '../../scripts/build-package.ts';
import { importGraph, NOT_IN_SDK } from './import-graph.ts';

const ROOT = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  files: string[];
};
const entries: Record<string, string | undefined>[] = Object.entries(pkg.exports).flatMap(([key, target]) =>
  typeof target === 'string' ? [] : [{ key, ...target }],
);

describe('package.json exports', () => {
  it('each entry point is firestep-source (.ts) → types (lib/*.d.ts) → default (lib/*.js), in that order', () => {
    expect(entries.map((e) => e.key)).toEqual(expect.arrayContaining(['.', './sdk']));
    for (const e of entries) {
      const source = e['firestep-source'];
      expect(Object.keys(e).slice(1), e.key).toEqual(['firestep-source', 'types', 'default']);
      expect(source && existsSync(join(ROOT, source)), `${e.key}: ${source}`).toBe(true);
      const stem = source?.replace(/^\.\//, './lib/').replace(/\.ts$/, '');
      expect([e.types, e.default], e.key).toEqual([`${stem}.d.ts`, `${stem}.js`]);
    }
  });

  it('the build compiles every entry point (tsconfig.build.json "files")', () => {
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { files: string[] };
    expect(build.files).toEqual(
      expect.arrayContaining([...entries.map((e) => e['firestep-source']?.slice(2)), 'cli/main.ts']),
    );
    expect(pkg.files).toContain('lib');
  });
});

describe('the SDK entry point (firestep/sdk)', () => {
  const graph = importGraph(join(ROOT, 'sdk/index.ts'));

  it(`loads none of ${NOT_IN_SDK.join(', ')}, and @google-cloud/pubsub only when a reply goes to a topic`, () => {
    const names = graph.packages.map((p) => p.name);
    expect(names.filter((n) => NOT_IN_SDK.includes(n))).toEqual([]);
    expect(graph.packages.filter((p) => p.name === '@google-cloud/pubsub').every((p) => p.lazy)).toBe(true);
    expect([...new Set(names)].sort()).toEqual(['@google-cloud/pubsub', 'zod']);
  });

  it('stays within sdk/ and the engine modules it shares the wire format with', () => {
    const outside = graph.modules
      .map((m) => relative(ROOT, m))
      .filter((m) => !m.startsWith('sdk/') && !/^engine\/(log|errors|signals\/wire\/[a-z-]+)\.ts$/.test(m));
    expect(outside).toEqual([]);
  });
});

describe('dependencies', () => {
  it('every package that the exports and the bin import is in "dependencies" (not dev-only)', () => {
    const shipped = [...entries.map((e) => e['firestep-source'] ?? ''), 'cli/main.ts'];
    const imported = new Set(shipped.flatMap((e) => importGraph(join(ROOT, e)).packages.map((p) => p.name)));
    imported.add('tsx'); // bin/firestep.js registers it, for .ts flow files
    expect([...imported].filter((n) => !(n in pkg.dependencies)).sort()).toEqual([]);
  });
});

describe('jsSpecifiers (the build rewrites .d.ts imports)', () => {
  it.each([
    ["import type { X } from '../model.ts';", "import type { X } from '../model.js';"],
    ['export * from "./flow/index.ts";', 'export * from "./flow/index.js";'],
    ["x: import('./a.mts').A;", "x: import('./a.mjs').A;"],
    ["import { z } from 'zod';", "import { z } from 'zod';"],
    ["/** e.g. 'notes.ts' */ import './side.ts';", "/** e.g. 'notes.ts' */ import './side.js';"],
  ])('%s', (input, output) => {
    expect(jsSpecifiers(input)).toBe(output);
  });
});
