/**
 * Issue 13 item 8, CLI side: `status` and `cancel` against a project whose Firestore does not answer
 * (a black hole: connections accepted, never answered) end within the request budget with one line
 * naming STORE_UNAVAILABLE and exit 1 — no stack, no minute-long hang. No emulator is needed: the
 * black hole is all the CLI talks to.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlackHoleProxy, startBlackHoleProxy } from '../reliability/support/blackhole-proxy.ts';

const BIN = resolve('bin/firestep.js');
const cwd = mkdtempSync(join(tmpdir(), 'firestep-outage-'));
let blackHole: BlackHoleProxy;

beforeAll(async () => {
  blackHole = await startBlackHoleProxy('127.0.0.1:9');
  blackHole.cut();
});
afterAll(async () => {
  await blackHole?.close();
  rmSync(cwd, { recursive: true, force: true });
});

function firestep(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: {
        ...process.env,
        FIRESTORE_EMULATOR_HOST: blackHole.host,
        FIRESTEP_REQUEST_BUDGET_MS: '1500',
        NO_COLOR: '1',
      },
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

describe('the CLI against a Firestore that does not answer', () => {
  for (const args of [
    ['status', 'flow~run-1', '--project', 'outage-p'],
    ['status', '--project', 'outage-p'],
    ['cancel', 'flow~run-1', '--project', 'outage-p'],
  ]) {
    it(`given a black-holed Firestore, when \`firestep ${args.join(' ')}\`, then exit 1 with one STORE_UNAVAILABLE line and no stack`, async () => {
      const { code, stderr } = await firestep(...args);

      expect(code).toBe(1);
      const lines = stderr.trimEnd().split('\n');
      expect(lines, stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^firestep: STORE_UNAVAILABLE: .*did not finish within its 1500 ms budget/);
      expect(stderr).not.toMatch(/\n\s+at /);
    }, 60_000);
  }
});
