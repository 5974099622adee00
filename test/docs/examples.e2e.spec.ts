/**
 * The docs' examples run and print what the docs say:
 * - every ```console block (`$ command` lines, each followed by its output) is run by bash from the
 *   repository root, with `npm run --silent firestep --` standing for the CLI, and each command's
 *   output must equal the documented lines;
 * - the README's quick-start flow is the tutorial's, and it validates as docs/getting-started.md shows.
 * Only commands that need no emulator belong in ```console blocks (the others are ```sh).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeBlocks, docFiles, ROOT, readDoc } from './markdown.ts';

const CLI = `node --import tsx ${JSON.stringify(join(ROOT, 'cli/main.ts'))}`;

interface Step {
  command: string;
  expected: string;
}

/** Splits a console block into commands (a heredoc runs to its terminator) and their output. */
function steps(body: string): Step[] {
  const out: Step[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!line.startsWith('$ ')) continue;
    const command = [line.slice(2)];
    const heredoc = /<<'?(\w+)'?/.exec(line)?.[1];
    if (heredoc !== undefined)
      while (i + 1 < lines.length && lines[i] !== heredoc) command.push(lines[++i] ?? '');
    const expected: string[] = [];
    while (i + 1 < lines.length && !(lines[i + 1] ?? '').startsWith('$ ')) expected.push(lines[++i] ?? '');
    out.push({ command: command.join('\n'), expected: expected.join('\n') });
  }
  return out;
}

function runConsole(block: Step[]): string[] {
  // `$?` survives the markers, so a documented `echo $?` sees the previous command's status.
  const script = block
    .map(
      (s, i) =>
        `printf '@@@${i}\\n'\n(exit $__s)\n${s.command.replaceAll('npm run --silent firestep --', CLI)}\n__s=$?`,
    )
    .join('\n');
  const r = spawnSync('bash', ['-c', `__s=0\n${script}\n`], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, FIRESTEP_LOG: 'silent', NO_COLOR: '1' },
  });
  return r.stdout.split(/@@@\d+\n/).slice(1);
}

describe('```console examples in the docs', () => {
  const blocks = docFiles().flatMap((file) =>
    codeBlocks(readDoc(file))
      .filter((b) => b.lang === 'console')
      .map((b) => ({ file, ...b })),
  );

  it('there are some (validate and graph in docs/guides/flows.md)', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  for (const block of blocks) {
    it(`${block.file}:${block.line} prints what it shows`, () => {
      const documented = steps(block.body);
      expect(documented.length).toBeGreaterThan(0);
      const printed = runConsole(documented);
      documented.forEach((step, i) => {
        expect({ command: step.command, output: (printed[i] ?? '').trimEnd() }).toEqual({
          command: step.command,
          output: step.expected.trimEnd(),
        });
      });
    });
  }
});

describe('the quick start', () => {
  const readmeFlow = codeBlocks(readDoc('README.md')).find((b) => b.lang === 'ts');
  const tutorial = readDoc('docs/getting-started.md');
  // The flow file lives inside the repository (git-ignored .firestep/) so `import … from 'firestep'`
  // resolves to this package, as it does for a hello.ts saved in the repository root.
  mkdirSync(join(ROOT, '.firestep'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.firestep', 'docs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the README's flow is the tutorial's first flow", () => {
    expect(readmeFlow?.body).toContain("from 'firestep'");
    expect(codeBlocks(tutorial).find((b) => b.lang === 'ts')?.body).toBe(readmeFlow?.body);
  });

  // FORCE_COLOR as CI sets it: piped output must still be plain text.
  it('validates with the hash docs/getting-started.md shows', () => {
    writeFileSync(join(dir, 'hello.ts'), `${readmeFlow?.body}\n`);
    const r = spawnSync('bash', ['-c', `${CLI} validate hello.ts`], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, FORCE_COLOR: '1' },
    });
    expect(r.status).toBe(0);
    const shown = /^✓ hello\.ts: valid .*$/m.exec(tutorial)?.[0];
    expect(shown).toBeDefined();
    expect(r.stdout.trim()).toBe(shown);
  });
});
