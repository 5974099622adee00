import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_DIR, FIXTURES, fixtureLines } from './fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../..');

function firestep(
  args: string[],
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, FIRESTEP_LOG: 'silent' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

describe('firestep signals parse', () => {
  for (const name of FIXTURES) {
    it(`prints the expected line for every line of ${name}.jsonl, in order, and exits 0`, async () => {
      const { code, stdout, stderr } = await firestep([
        'signals',
        'parse',
        resolve(FIXTURE_DIR, `${name}.jsonl`),
      ]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toBe(readFileSync(resolve(FIXTURE_DIR, `${name}.expected.jsonl`), 'utf8'));
    });
  }

  it('reads stdin with "-" and keeps one output line per input line, rejected ones included', async () => {
    const input = [
      fixtureLines('cloud-functions-gen1')[1],
      'not json',
      '',
      fixtureLines('dataflow-job-messages')[0],
    ].join('\n');
    const { code, stdout } = await firestep(['signals', 'parse', '-'], `${input}\n`);
    expect(code).toBe(0);
    const out = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.map((o) => [o.kind, o.outcome])).toEqual([
      ['cloudFunction', 'failed'],
      ['rejected', null],
      ['rejected', null],
      ['dataflow', 'unconfirmed'],
    ]);
    expect(out[1]?.reason).toMatch(/^not JSON/);
    expect(out[2]?.reason).toBe('empty payload');
  });

  it('--engine-function changes which function counts as the engine', async () => {
    const line = fixtureLines('cloud-functions-gen1')[0];
    const { stdout } = await firestep(
      ['signals', 'parse', '-', '--engine-function', 'load-orders'],
      `${line}\n`,
    );
    expect(JSON.parse(stdout)).toMatchObject({
      kind: 'ignored',
      reason: 'entry from firestep\'s own function "load-orders"',
    });
  });

  it('the example in docs/guides/signals.md prints what the docs say', async () => {
    const md = readFileSync(resolve(ROOT, 'docs/guides/signals.md'), 'utf8');
    const input = /cat > entries\.jsonl <<'EOF'\n([\s\S]*?)\nEOF\n/.exec(md)?.[1];
    const printed = /prints:\n\n```json\n([\s\S]*?)```/.exec(md)?.[1];
    expect(input).toBeDefined();
    const { code, stdout } = await firestep(['signals', 'parse', '-'], `${input}\n`);
    expect(code).toBe(0);
    expect(stdout).toBe(printed);
  });

  it('exits 1 with a readable message when the file does not exist', async () => {
    const { code, stdout, stderr } = await firestep(['signals', 'parse', 'no/such/file.jsonl']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('firestep: CONFIG: cannot read no/such/file.jsonl: no such file\n');
  });
});
