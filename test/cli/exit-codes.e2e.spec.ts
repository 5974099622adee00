import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = resolve('bin/firestep.js');
const cwd = mkdtempSync(join(tmpdir(), 'firestep-cli-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** Run the real `firestep` bin in a scratch directory (its `.firestep/` records land there). */
function firestep(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, FIRESTEP_LOG: 'error', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const sample = resolve('examples/sample-dag.json');
const failStep = resolve('test/e2e/flows/fail-step.json');

describe('firestep exit codes (the real bin)', () => {
  it('given the sample, when `run --local --json`, then exit 0 and stdout is only JSON lines ending in ExecutionSucceeded', async () => {
    const { code, stdout } = await firestep(
      'run',
      sample,
      '--local',
      '--json',
      '--project',
      `cli-ok-${process.pid}`,
    );
    expect(code).toBe(0);
    const lines = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; seq: number });
    expect(lines.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
  });

  it('given an input that routes to a Fail step, when `run --local`, then exit 2 and the summary says FAILED', async () => {
    const { code, stdout } = await firestep(
      'run',
      failStep,
      '--local',
      '--input',
      '{"ok":false}',
      '--project',
      `cli-fail-${process.pid}`,
    );
    expect(code).toBe(2);
    expect(stdout).toContain('FAILED');
    expect(stdout).toContain('BadInput');
  });

  it('given --input that is not JSON, when `run`, then exit 1 with a clear message and no stack trace', async () => {
    const { code, stderr, stdout } = await firestep('run', sample, '--local', '--input', '{bad');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('--input is not valid JSON');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('given usage errors, when run, then exit 1 with one line saying what to do', async () => {
    const noLocal = await firestep('run', sample);
    expect(noLocal.code).toBe(1);
    expect(noLocal.stderr).toContain('run needs --local');
    const unknownStep = await firestep('run', sample, '--local', '--fail', 'Nope');
    expect(unknownStep.code).toBe(1);
    expect(unknownStep.stderr).toContain('no Task step named "Nope"');
    const noFile = await firestep('replay', '--events', 'missing.jsonl');
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toContain('missing.jsonl');
    const noRun = await firestep('status', 'nope~nothing', '--local');
    expect(noRun.code).toBe(1);
    expect(noRun.stderr).toContain('EXECUTION_NOT_FOUND');
  });
});
