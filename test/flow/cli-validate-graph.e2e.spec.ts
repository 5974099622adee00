/**
 * The `validate` and `graph` commands as a user runs them: real processes (`npx tsx cli/main.ts …`),
 * checking exit codes and output.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadFlowFile } from '../../cli/flow-file.ts';
import { compileFlow } from '../../engine/flow/index.ts';
import { type RawFlow, sampleDag } from './support.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TMP = mkdtempSync(join(tmpdir(), 'firestep-cli-'));
const SAMPLE_LINE = /^✓ examples\/sample-dag\.(json|ts): valid \(6 steps, hash 4346f68ba3d9\)\n$/;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', FIRESTEP_LOG: 'silent' }, timeout: 170_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The CLI as `node --import tsx cli/main.ts` (what `npx tsx` runs, minus npx's own start-up). */
const firestep = (...args: string[]): Promise<Run> =>
  run(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args]);

function writeVariant(name: string, mutate: (f: RawFlow) => void): string {
  const raw = sampleDag();
  mutate(raw);
  const file = join(TMP, `${name}.json`);
  writeFileSync(file, JSON.stringify(raw, null, 2));
  return file;
}

// Each case starts a Node process; on a busy machine that takes seconds, hence the generous timeout.
describe('firestep validate', { timeout: 180_000 }, () => {
  test.concurrent.each([
    'examples/sample-dag.json',
    'examples/sample-dag.ts',
  ])('given %s, when validated, then exit 0 with the valid line and the shared hash', async (file) => {
    const result = await firestep('validate', file);

    expect(result.stdout).toMatch(SAMPLE_LINE);
    expect(result.code).toBe(0);
  });

  test('given `npx tsx cli/main.ts`, when run, then it validates the sample', async () => {
    const result = await run('npx', ['tsx', 'cli/main.ts', 'validate', 'examples/sample-dag.json']);

    expect(result.stdout).toMatch(SAMPLE_LINE);
    expect(result.code).toBe(0);
  });

  test('given the npm script of the README, when run, then it validates the sample', async () => {
    const result = await run('npm', [
      'run',
      '--silent',
      'firestep',
      '--',
      'validate',
      'examples/sample-dag.json',
    ]);

    expect(result.stdout).toMatch(SAMPLE_LINE);
    expect(result.code).toBe(0);
  });

  const B2 = 'steps.Step2.branches[1].steps.Branch2';
  test.concurrent.each<[string, (f: RawFlow) => void, string]>([
    [
      'cycle',
      (f) => {
        f.steps.Step1.next = 'Init';
      },
      'steps.Step1.next: cycle Init → Step1 → Init; a flow must be acyclic (use "retry" to repeat a Task)',
    ],
    [
      'unknown-next',
      (f) => {
        delete f.steps.Step2.branches[1].steps.Branch2.end;
        f.steps.Step2.branches[1].steps.Branch2.next = 'Edn';
      },
      `${B2}.next: unknown step "Edn" (did you mean "End"?)`,
    ],
    [
      'next-and-end',
      (f) => {
        f.steps.Init.end = true;
      },
      'steps.Init: has both "next" and "end"; a step either continues to "next" or ends with "end": true',
    ],
    [
      'missing-branch-start',
      (f) => {
        delete f.steps.Step2.branches[1].start;
      },
      "steps.Step2.branches[1].start: missing; name the branch's first step",
    ],
    [
      'unknown-type',
      (f) => {
        f.steps.Step1.type = 'Tsak';
      },
      'steps.Step1.type: unknown step type "Tsak" (did you mean "Task"?); expected one of Task, Parallel, Condition, Wait, Pass, Map, Fail, End',
    ],
    [
      'dataflow-without-template',
      (f) => {
        delete f.steps.Step2.branches[0].steps.Branch1.container_gcs_path;
      },
      'steps.Step2.branches[0].steps.Branch1: a Dataflow Task needs a template: "container_gcs_path" (flex) or "template_path" (classic)',
    ],
  ])('given the sample broken by %s, when validated, then exit 1 naming the exact path', async (name, mutate, line) => {
    const file = writeVariant(name, mutate);

    const result = await firestep('validate', file);

    const printed = result.stdout.trimEnd().split('\n');
    expect(printed[0]).toBe(line);
    expect(printed.slice(1, -1).every((l) => l.startsWith('warning: '))).toBe(true);
    expect(printed.at(-1)).toBe(`✗ ${file}: 1 problem`);
    expect(result.code).toBe(1);
  });

  test('given a file that is not JSON, when validated, then exit 1 with a located parse error and no stack trace', async () => {
    const file = join(TMP, 'broken.json');
    writeFileSync(file, '{\n  "start": "A",\n  "steps": {,}\n}');

    const result = await firestep('validate', file);

    expect(result.stdout).toBe(
      `(root): ${file} is not valid JSON: expected a property name in double quotes, found "," at line 3, column 13\n✗ ${file}: 1 problem\n`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(1);
  });

  test('given a missing file, when validated, then exit 1 saying it cannot be read', async () => {
    const result = await firestep('validate', join(TMP, 'nope.json'));

    expect(result.stdout).toContain('nope.json: cannot read the file (ENOENT');
    expect(result.code).toBe(1);
  });

  test('given a flow with an unreachable step, when validated, then exit 0 and the warning is printed', async () => {
    const file = writeVariant('orphan', (f) => {
      f.steps.Orphan = { type: 'End' };
    });

    const result = await firestep('validate', file);

    expect(result.stdout).toBe(
      `✓ ${file}: valid (7 steps, hash ${result.stdout.match(/hash ([0-9a-f]{12})/)?.[1]})\nwarning: steps.Orphan: unreachable: nothing leads here from "Init"\n`,
    );
    expect(result.code).toBe(0);
  });

  test('given a .ts flow whose defineFlow rejects it, when validated, then exit 1 with its problems', async () => {
    const file = join(TMP, 'cyclic.ts');
    const index = join(ROOT, 'engine/flow/index.ts');
    writeFileSync(
      file,
      `import { cloudFunction, defineFlow, task } from ${JSON.stringify(index)};
export default defineFlow({ id: 'cyclic', start: 'A', steps: { A: task(cloudFunction('a'), { next: 'B' }), B: task(cloudFunction('b'), { next: 'A' }) } });
`,
    );

    const result = await firestep('validate', file);

    expect(result.stdout).toBe(
      `steps.B.next: cycle A → B → A; a flow must be acyclic (use "retry" to repeat a Task)\n✗ ${file}: 1 problem\n`,
    );
    expect(result.code).toBe(1);
  });

  test('given a .ts module without a default export, when validated, then exit 1 explaining what to export', async () => {
    const file = join(TMP, 'no-default.ts');
    writeFileSync(file, 'export const flow = 1;\n');

    const result = await firestep('validate', file);

    expect(result.stdout).toContain(
      'the default export must be a flow; write `export default defineFlow({ id, start, steps })`',
    );
    expect(result.code).toBe(1);
  });
});

describe('firestep graph', { timeout: 180_000 }, () => {
  test('given the sample, when graphed as mermaid (default), then a flowchart with a subgraph per branch', async () => {
    const result = await firestep('graph', 'examples/sample-dag.json');

    expect(result.code).toBe(0);
    expect(result.stdout.startsWith('flowchart TD\n')).toBe(true);
    expect(result.stdout).toContain('subgraph Step2_branch1 ["branch 1"]');
    expect(result.stdout).toContain('subgraph Step2_branch2 ["branch 2"]');
  });

  test('given the TS sample, when graphed as xstate, then exactly the compiled machine config as JSON', async () => {
    const result = await firestep('graph', 'examples/sample-dag.ts', '--format', 'xstate');

    expect(result.code).toBe(0);
    const expected = compileFlow((await loadFlowFile('examples/sample-dag.ts')).flow).config;
    expect(result.stdout).toBe(`${JSON.stringify(expected, null, 2)}\n`);
    expect(result.stdout).toContain('"type": "parallel"');
  });

  test('given an invalid flow, when graphed, then exit 1 with FLOW_INVALID and the problem lines on stderr', async () => {
    const file = writeVariant('graph-cycle', (f) => {
      f.steps.Step1.next = 'Init';
    });

    const result = await firestep('graph', file);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `firestep: FLOW_INVALID: ${file} is not a valid flow (1 problem):\n  steps.Step1.next: cycle`,
    );
  });

  test('given an unknown format, when graphed, then exit 1 naming the allowed formats', async () => {
    const result = await firestep('graph', 'examples/sample-dag.json', '--format', 'dot');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Allowed choices are mermaid, xstate');
  });
});
