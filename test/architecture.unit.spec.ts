/**
 * The layering is data (architecture.json) and this test holds the tree to it: every import of every
 * .ts file (static, re-export, dynamic `import('…')`, type `import('…')`) must follow an arrow the
 * file allows; a violation names file:line and the rule. No emulator needed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  arrowProblem,
  importsOf,
  layeringViolations,
  loadArchitecture,
  partOf,
  ROOT,
  tsFiles,
} from './support/architecture.ts';

const arch = loadArchitecture();
const parts = Object.keys(arch.parts);

describe('architecture.json', () => {
  it('names existing folders, and every arrow (allowed or forbidden) joins two declared parts', () => {
    for (const part of parts) {
      if (part === '.') continue;
      expect(existsSync(join(ROOT, part)) && statSync(join(ROOT, part)).isDirectory(), part).toBe(true);
    }
    for (const [from, tos] of Object.entries(arch.allowed)) {
      expect(parts, `allowed.${from}`).toContain(from);
      for (const to of tos) if (to !== '*') expect(parts, `allowed.${from} → ${to}`).toContain(to);
    }
    for (const rule of arch.forbidden) {
      for (const p of [...rule.from, ...rule.to]) expect(parts, rule.reason).toContain(p);
      expect(rule.reason.length).toBeGreaterThan(10);
    }
    expect(parts.filter((p) => arch.allowed[p] === undefined)).toEqual([]);
  });

  it('allows no arrow that it also forbids', () => {
    const contradictions = arch.forbidden.flatMap((rule) =>
      rule.from.flatMap((from) =>
        rule.to.filter((to) => (arch.allowed[from] ?? []).includes(to)).map((to) => `${from} → ${to}`),
      ),
    );
    expect(contradictions).toEqual([]);
  });

  it('follows DESIGN.md §2: the engine never imports its outer rings; only runtime/ imports both store and adapters', () => {
    for (const inner of parts.filter((p) => p === 'engine' || p.startsWith('engine/'))) {
      for (const outer of ['adapters', 'runtime', 'runtime/local', 'functions', 'cli'])
        expect(arrowProblem(arch, inner, outer), `${inner} → ${outer}`).toMatch(/forbidden/);
    }
    const both = parts.filter(
      (p) =>
        p !== 'test' &&
        p !== 'bench' &&
        arrowProblem(arch, p, 'engine/store') === undefined &&
        arrowProblem(arch, p, 'adapters') === undefined &&
        p !== 'engine/store' &&
        p !== 'adapters',
    );
    expect(both.sort()).toEqual(['runtime', 'runtime/local']);
  });
});

describe('the tree follows architecture.json', () => {
  it('every import of every .ts file is along an allowed arrow', () => {
    const files = tsFiles();
    expect(files.length).toBeGreaterThan(200);
    expect(files).toContain('engine/core/decide.ts');
    expect(files).toContain('runtime/assemble.ts');
    const found = files.flatMap((file) =>
      layeringViolations(arch, file, readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(found, `\n${found.join('\n')}\n`).toEqual([]);
  }, 60_000);
});

describe('the scanner catches violations', () => {
  it.each([
    [
      'engine/core/bad.ts',
      "import type { Launcher } from '../../adapters/index.ts';",
      'engine/core → adapters is forbidden',
    ],
    [
      'engine/core/bad.ts',
      "export { x } from '../store/index.ts';",
      'engine/core → engine/store is forbidden',
    ],
    [
      'engine/store/bad.ts',
      "const m = await import('../../runtime/index.ts');",
      'engine/store → runtime is forbidden',
    ],
    [
      'engine/signals/bad.ts',
      "type T = import('../store/types.ts').StoredHead;",
      'engine/signals → engine/store',
    ],
    [
      'adapters/http/bad.ts',
      "import { ExecutionStore } from '../../engine/store/index.ts';",
      'adapters → engine/store',
    ],
    [
      'cli/commands/bad.ts',
      "import { DataflowLauncher } from '../../adapters/index.ts';",
      'cli → adapters is forbidden',
    ],
    [
      'sdk/bad.ts',
      "import { ingest } from '../engine/signals/ingest.ts';",
      'sdk → engine/signals is not an allowed arrow',
    ],
    ['engine/flow/bad.ts', "import { x } from 'firestep/runtime';", 'engine/flow → runtime'],
    ['engine/ports/bad.ts', "import '../../test/support/eventually.ts';", 'engine/ports → test'],
    ['webapp/page.ts', "import { x } from '../engine/index.ts';", 'in no part of architecture.json'],
  ])('%s: %s', (file, source, what) => {
    const found = layeringViolations(arch, file, `// header\n${source}\n`);
    expect(found.length).toBe(1);
    expect(found[0]).toContain(what);
    expect(found[0]).toMatch(new RegExp(`^${file.replace(/\./g, '\\.')}:[12]: `));
  });

  it('accepts allowed arrows, packages, and mentions in comments or strings', () => {
    const source = [
      "import { z } from 'zod';",
      "import type { Json } from '../flow/model.ts';",
      "import type { CorrelationKey } from '../ports/index.ts';",
      "import { FirestepError } from '../errors.ts';",
      "// import { x } from '../../adapters/index.ts';",
      'const hint = "import(\'../../runtime/index.ts\')";',
    ].join('\n');
    expect(layeringViolations(arch, 'engine/store/good.ts', source)).toEqual([]);
  });

  it('finds every import form, with its line', () => {
    const source = [
      "import a from './a.ts';",
      "export * from './b.ts';",
      "import './c.ts';",
      "const d = await import('./d.ts');",
      "type E = import('./e.ts').E;",
      "const f = require('./f.ts');",
    ].join('\n');
    expect(importsOf('x.ts', source)).toEqual([
      { specifier: './a.ts', line: 1 },
      { specifier: './b.ts', line: 2 },
      { specifier: './c.ts', line: 3 },
      { specifier: './d.ts', line: 4 },
      { specifier: './e.ts', line: 5 },
      { specifier: './f.ts', line: 6 },
    ]);
  });

  it('puts a file in the longest part that holds it', () => {
    expect(partOf(arch, 'engine/signals/wire/timer.ts')).toBe('engine/signals/wire');
    expect(partOf(arch, 'engine/signals/ingest.ts')).toBe('engine/signals');
    expect(partOf(arch, 'engine/errors.ts')).toBe('engine');
    expect(partOf(arch, 'runtime/local/emulators.ts')).toBe('runtime/local');
    expect(partOf(arch, 'vitest.config.ts')).toBe('.');
  });
});
