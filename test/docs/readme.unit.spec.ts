import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleReadme } from '../../scripts/readme.ts';

describe('README.md', () => {
  const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');

  it('given docs/readme/*.md, then README.md is their assembly (run `npm run readme` after editing them)', () => {
    expect(readme).toBe(assembleReadme());
  });

  it('opens with the set-up commands: npm install, npm run demo, npm test', () => {
    const firstBlock = readme.slice(
      readme.indexOf('```sh'),
      readme.indexOf('```', readme.indexOf('```sh') + 5),
    );
    expect(firstBlock).toMatch(/npm install[\s\S]*npm run demo[\s\S]*npm test/);
  });
});
