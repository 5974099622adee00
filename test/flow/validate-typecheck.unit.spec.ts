/**
 * `validate` of a `.ts` flow type-checks it with the TypeScript compiler API and prints one useful
 * line per diagnostic (issue 14, item 1).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { validateReport } from '../../cli/commands/validate.ts';
import { usefulLine } from '../../cli/typecheck.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Inside the project, so that the flow imports the builder and gets the project's tsconfig.
const DIR = join(ROOT, 'test', `.tmp-typecheck-${process.pid}`);
mkdirSync(DIR, { recursive: true });
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const sample = readFileSync(join(ROOT, 'examples', 'sample-dag.ts'), 'utf8').replaceAll(
  "'../engine/flow/index.ts'",
  "'../../engine/flow/index.ts'",
);

const strip = (text: string) => stripVTControlCharacters(text);

describe('validate a .ts flow', () => {
  test('given a misspelt next, when validated, then one line per type error with "Did you mean", not the chain', async () => {
    const file = join(DIR, 'typo.ts');
    writeFileSync(file, sample.replace("next: 'Step1' })", "next: 'Stp1' })"));

    const { lines, exitCode } = await validateReport(file);

    expect(exitCode).toBe(1);
    const [first] = lines.map(strip);
    expect(first).toMatch(
      /typo\.ts:14:\d+: Type '"Stp1"' is not assignable to type '"End" \| "Init" \| "Step1" \| "Step2"'\. Did you mean '"Step1"'\?$/,
    );
    expect(lines.map(strip).some((l) => l.includes('Two different types with this name'))).toBe(false);
    expect(strip(lines.at(-1) ?? '')).toMatch(/typo\.ts: 2 problems$/);
  }, 60_000);

  test('given the sample flow, when validated, then it type-checks and is valid', async () => {
    const file = join(DIR, 'ok.ts');
    writeFileSync(file, sample);
    const { lines, exitCode } = await validateReport(file);
    expect(exitCode).toBe(0);
    expect(strip(lines[0] ?? '')).toMatch(/ok\.ts: valid \(6 steps/);
  }, 60_000);

  test('picks the line that suggests a fix, else the innermost', () => {
    expect(
      usefulLine(
        "Type 'A' is not assignable to type 'B'.\n  Type '\"Lod\"' is not assignable to type '\"Load\"'. Did you mean '\"Load\"'?\n    Deeper.",
      ),
    ).toBe('Type \'"Lod"\' is not assignable to type \'"Load"\'. Did you mean \'"Load"\'?');
    expect(usefulLine("Outer.\n  Inner: property 'x' is missing.")).toBe("Inner: property 'x' is missing.");
  });
});
