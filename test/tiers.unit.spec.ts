/**
 * Every spec names its tier (CONTRIBUTING.md "Test tiers"): a spec without one would still run (the
 * emulator tier takes it), but `npm run test:unit` would silently leave it out.
 */
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SKIP = new Set(['node_modules', '.git', 'dist', 'coverage']);

function specs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name)) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return specs(path);
    return e.name.endsWith('.spec.ts') ? [relative(ROOT, path)] : [];
  });
}

describe('test tiers', () => {
  it('every *.spec.ts is *.unit.spec.ts, *.int.spec.ts or *.e2e.spec.ts', () => {
    const all = specs(ROOT);
    expect(all.length).toBeGreaterThan(50);
    expect(all.filter((f) => !/\.(unit|int|e2e)\.spec\.ts$/.test(f))).toEqual([]);
  });
});
