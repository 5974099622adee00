/**
 * `firestep export <executionId> [--local] [--project P]`: the event log as JSON lines, exactly the
 * `run --json` shape, ready for `replay --events FILE`.
 */
import { Command } from 'commander';
import type { ReaderFlags } from '../local/readers.ts';
import { type Io, processIo } from '../render/colors.ts';
import { toJsonLine } from '../render/event-line.ts';

/**
 * Write the log to `io.stdout`; resolves with the exit code.
 *
 * @example await exportLog('sample-dag-abc', { project: 'my-proj' }, processIo());
 */
export async function exportLog(executionId: string, flags: ReaderFlags, io: Io): Promise<number> {
  const { openReader } = await import('../local/readers.ts');
  const reader = await openReader(flags);
  try {
    const events = await reader.events(executionId);
    if (events.length === 0) await reader.head(executionId);
    io.stdout.write(events.map((e) => `${toJsonLine(e)}\n`).join(''));
    return 0;
  } finally {
    await reader.close();
  }
}

export function command(): Command {
  return new Command('export')
    .description('the event log as JSON lines (same shape as `run --json`)')
    .argument('<executionId>', 'execution to export')
    .option('--local', 'read a run recorded by `run --local` in .firestep/')
    .option('--project <id>', 'Firestore project (default GOOGLE_CLOUD_PROJECT)')
    .action(async (executionId: string, flags: ReaderFlags) => {
      process.exitCode = await exportLog(executionId, flags, processIo());
    });
}
