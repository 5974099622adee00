/**
 * Helpers for the end-to-end suites: output buffers standing in for stdout/stderr, a record folder
 * and an emulator project of their own per suite, and shortcuts over an execution's events.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Io } from '../../cli/render/colors.ts';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { wipeFirestore } from '../../runtime/local/emulators.ts';

// The engine's INFO lines ("signal ingested" …) would drown the test report.
process.env.FIRESTEP_LOG ??= 'error';

export interface BufferedIo extends Io {
  out(): string;
  err(): string;
}

/** stdout/stderr that keep what is written (not a TTY: no colours, no redraws). */
export function bufferedIo(): BufferedIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

/** A temporary `.firestep` folder and a fresh emulator project; `cleanup()` removes both. */
export function e2eScope(prefix: string): {
  recordDir: string;
  project: () => string;
  cleanup(): Promise<void>;
} {
  const recordDir = mkdtempSync(join(tmpdir(), `firestep-${prefix}-`));
  const projects: string[] = [];
  return {
    recordDir,
    project: () => {
      const id = `${prefix}-${randomBytes(3).toString('hex')}`;
      projects.push(id);
      return id;
    },
    cleanup: async () => {
      rmSync(recordDir, { recursive: true, force: true });
      const host = process.env.FIRESTORE_EMULATOR_HOST;
      if (host) await Promise.all(projects.map((p) => wipeFirestore(host, p).catch(() => {})));
    },
  };
}

/** Events about one step path, in order. */
export function eventsOf(events: readonly ExecutionEvent[], path: string): ExecutionEvent[] {
  return events.filter((e) => 'path' in e && e.path === path);
}

/** The seq of the first event of `type` for `path` (or of the execution when path is undefined). */
export function seqOf(
  events: readonly ExecutionEvent[],
  type: ExecutionEvent['type'],
  path?: string,
): number {
  const found = events.find(
    (e) => e.type === type && (path === undefined || ('path' in e && e.path === path)),
  );
  if (!found) throw new Error(`no ${type}${path ? ` for ${path}` : ''} in the log`);
  return found.seq;
}
