import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, codeBlocks, docFiles, links, ROOT, readDoc } from './markdown.ts';

const FILES = docFiles();

describe('README.md as a front page', () => {
  const readme = readDoc('README.md');

  it('is at most 250 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
  });

  it('opens with the set-up commands: npm install, then npm run demo and npm test (the first block, at the top)', () => {
    const first = codeBlocks(readme)[0];
    expect(first?.lang).toBe('sh');
    expect(first?.line).toBeLessThanOrEqual(5);
    expect(first?.body).toMatch(/^npm install\nnpm run demo\b[\s\S]*\nnpm test\b/);
  });
});

describe('links in README.md, CONTRIBUTING.md and docs/**/*.md', () => {
  it('finds the docs tree', () => {
    expect(FILES).toEqual(
      expect.arrayContaining([
        'docs/getting-started.md',
        'docs/reference/cli.md',
        'docs/internals/architecture.md',
      ]),
    );
  });

  for (const file of FILES) {
    it(`every relative link in ${file} resolves to a file, and an anchor to a heading`, () => {
      const broken: string[] = [];
      for (const { target, line } of links(readDoc(file))) {
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        const [path = '', anchor] = target.split('#');
        const dest = path === '' ? resolve(ROOT, file) : resolve(ROOT, dirname(file), decodeURI(path));
        if (!existsSync(dest)) {
          broken.push(`${file}:${line}: ${target}: no such file`);
          continue;
        }
        if (anchor === undefined || !dest.endsWith('.md') || statSync(dest).isDirectory()) continue;
        if (!anchors(readFileSync(dest, 'utf8')).has(anchor))
          broken.push(`${file}:${line}: ${target}: no heading with anchor #${anchor}`);
      }
      expect(broken).toEqual([]);
    });
  }
});

/** Names in the docs of files that are not in the repository: yours to create. */
const ILLUSTRATIVE = new Set(['infra/terraform.tfvars']);
// `flows/` is not here: it is the user's flow directory, which this repository does not ship.
const TOP = [
  'engine',
  'adapters',
  'runtime',
  'cli',
  'functions',
  'sdk',
  'infra',
  'examples',
  'bench',
  'test',
  'scripts',
  'docs',
];
const PATH = new RegExp(`(?<![\\w./@~$-])(?:${TOP.join('|')})/[\\w./@-]*`, 'g');

describe('what the docs name exists', () => {
  for (const file of FILES) {
    it(`every repository path named in ${file} exists`, () => {
      const missing: string[] = [];
      readDoc(file)
        .split('\n')
        .forEach((text, i) => {
          for (const m of text.matchAll(PATH)) {
            const next = text[(m.index ?? 0) + m[0].length] ?? '';
            if ('*<{…'.includes(next) && next !== '') continue; // a glob or a placeholder
            const path = m[0].replace(/[.:,]+$/, '');
            if (ILLUSTRATIVE.has(path)) continue;
            if (!existsSync(join(ROOT, path))) missing.push(`${file}:${i + 1}: ${path}`);
          }
        });
      expect(missing).toEqual([]);
    });
  }

  it('every `npm run <script>` in the docs is a script of package.json', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: object })
      .scripts;
    const unknown: string[] = [];
    for (const file of FILES) {
      readDoc(file)
        .split('\n')
        .forEach((text, i) => {
          for (const m of text.matchAll(/npm run (?:--silent )?([\w:.-]+)/g)) {
            if (!Object.hasOwn(scripts, m[1] ?? '')) unknown.push(`${file}:${i + 1}: npm run ${m[1]}`);
          }
        });
    }
    expect(unknown).toEqual([]);
  });

  it('every `firestep -- <command>` in the docs is a command of the CLI', () => {
    // Each command is a `new Command('<name>')` in a source file under cli/.
    const known = new Set<string>();
    for (const text of sources(join(ROOT, 'cli')))
      for (const m of text.matchAll(/new Command\('([\w-]+)'\)/g)) known.add(m[1] ?? '');
    expect(known).toContain('run');
    const unknown: string[] = [];
    for (const file of FILES) {
      readDoc(file)
        .split('\n')
        .forEach((text, i) => {
          for (const m of text.matchAll(/firestep -- ([\w-]+)/g))
            if (!known.has(m[1] ?? '')) unknown.push(`${file}:${i + 1}: firestep ${m[1]}`);
        });
    }
    expect(unknown).toEqual([]);
  });
});

/** The text of every `.ts` file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'));
}
