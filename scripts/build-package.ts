/**
 * Builds the npm package's `lib/` (`npm run build`; `npm pack` runs it as `prepack`): tsc emits ESM
 * JavaScript and `.d.ts` for the modules that package.json's "exports" and the bin reach
 * (tsconfig.build.json), then this script
 * - rewrites the relative `.ts` specifiers tsc leaves in `.d.ts` files to `.js` (tsc's
 *   rewriteRelativeImportExtensions rewrites only the JavaScript), so the types resolve under every
 *   moduleResolution, and
 * - copies the web console's client sources, which the console bundles with esbuild when first asked.
 *
 * Type errors are `npm run typecheck`'s job (the whole repository, tests included): the build uses
 * `--noCheck`, which halves its time.
 *
 * Usage: `npm run build`
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const LIB = join(ROOT, 'lib');

/**
 * A `.d.ts` file's relative `.ts` module specifiers rewritten to `.js`, in `from '…'`, `import('…')`
 * and `import '…'`.
 *
 * @example jsSpecifiers(`import type { X } from '../model.ts';`) // `import type { X } from '../model.js';`
 */
export function jsSpecifiers(declarations: string): string {
  return declarations.replace(
    /((?:\bfrom|\bimport)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.(m?)ts\2/g,
    (_all, head: string, quote: string, path: string, m: string) => `${head}${quote}${path}.${m}js${quote}`,
  );
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

function build(): void {
  rmSync(LIB, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--noCheck'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    process.stderr.write(`build: tsc failed (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
  for (const file of declarationFiles(LIB)) writeFileSync(file, jsSpecifiers(readFileSync(file, 'utf8')));
  cpSync(join(ROOT, 'console/client'), join(LIB, 'console/client'), {
    recursive: true,
    filter: (src) => !src.endsWith('tsconfig.json'),
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) build();
