/**
 * README.md is assembled from docs/readme/*.md (one file per area, in name order after the intro),
 * so each area's guide lives next to the others and the README stays one page for users.
 * `npm run readme` rewrites it; test/docs/readme.unit.spec.ts fails when it is stale.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const DIR = resolve(ROOT, 'docs/readme');
/** Order of the sections after the intro; files not listed follow in name order. */
const ORDER = ['flows', 'targets', 'local', 'cli', 'signals', 'data-model', 'functions', 'deploy', 'core'];

export function assembleReadme(): string {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.md'));
  const rank = (f: string) => {
    if (f.startsWith('00-')) return -1;
    const i = ORDER.indexOf(f.replace(/\.md$/, ''));
    return i === -1 ? ORDER.length : i;
  };
  files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const parts = files.map((f) => readFileSync(resolve(DIR, f), 'utf8').trim());
  return `<!-- Generated from docs/readme/*.md by \`npm run readme\`; edit those files. -->\n${parts.join('\n\n')}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  writeFileSync(resolve(ROOT, 'README.md'), assembleReadme());
}
