/**
 * The README's quick start and the tutorial's next steps, run as a reader would: the flow saved as
 * hello.ts, the documented `run --local` command, then inspecting and replaying the recorded run.
 * Each documented line that does not depend on time (the output, the error, the replay verdict)
 * must be printed exactly.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeBlocks, ROOT, readDoc } from './markdown.ts';

const README = readDoc('README.md');
const TUTORIAL = readDoc('docs/getting-started.md');
const CLI = `node --import tsx ${JSON.stringify(join(ROOT, 'cli/main.ts'))}`;

// Inside the repository (git-ignored), so `from 'firestep'` resolves to this package.
mkdirSync(join(ROOT, '.firestep'), { recursive: true });
const dir = mkdtempSync(join(ROOT, '.firestep', 'quick-start-'));
// The suite's emulators are shared: a project of our own keeps this run apart.
const project = `docs-${randomBytes(3).toString('hex')}`;

/** Runs a documented `npm run --silent firestep -- …` command in the reader's directory. */
function sh(command: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', command.replaceAll('npm run --silent firestep --', CLI)], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, FIRESTEP_LOG: 'silent', NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function documentedLine(md: string, pattern: RegExp): string {
  const line = pattern.exec(md)?.[0];
  if (line === undefined) throw new Error(`no line matching ${pattern} in the docs`);
  return line;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each `run --local` starts the CLI, the fakes and the engine: generous under a loaded machine.
describe('the quick start, as documented', { timeout: 180_000 }, () => {
  const flow = codeBlocks(README).find((b) => b.lang === 'ts')?.body ?? '';
  const command =
    codeBlocks(README).find((b) => b.lang === 'sh' && b.body.includes(' run hello.ts'))?.body ?? '';

  it('given hello.ts from the README, when the documented run --local command runs, then it SUCCEEDS with the documented output', () => {
    expect(command).toMatch(/^npm run --silent firestep -- run hello\.ts --local /);
    writeFileSync(join(dir, 'hello.ts'), `${flow}\n`);

    const run = sh(`${command} --project ${project}`);

    expect(run.stderr).not.toMatch(/Error|at .*\.ts:\d+/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^hello~first {2}flow hello {2}SUCCEEDED /m);
    expect(run.stdout).toContain(`${documentedLine(README, /^output: .*$/m)}\n`);
  });

  it('when the recorded run is exported and replayed, then the tutorial’s verdict is printed', () => {
    const replay = sh(
      'npm run --silent firestep -- export hello~first --local > run.jsonl && npm run --silent firestep -- replay --events run.jsonl',
    );

    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain(documentedLine(TUTORIAL, /^consistent: .*$/m));
    expect(sh(`grep -c '"StepSucceeded"' run.jsonl`).stdout.trim()).toBe('2');
  });

  it('given --fail Load, then the execution FAILS with exit 2 and the tutorial’s error line', () => {
    const run = sh(
      `npm run --silent firestep -- run hello.ts --local --input '{"day":"2026-12-01"}' --fail Load --project ${project}`,
    );

    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`${documentedLine(TUTORIAL, /^error: States\.TaskFailed: .*$/m)}\n`);
  });
});
