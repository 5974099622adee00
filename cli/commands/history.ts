/**
 * `firestep history <executionId> [--json] [--local] [--project P]`: an execution's event timeline,
 * one line per event (or, with --json, one JSON line per event — the `export` format).
 */
import { Command } from 'commander';
import type { ReaderFlags } from '../local/readers.ts';
import { colorsFor, type Io, processIo } from '../render/colors.ts';
import { toJsonLine } from '../render/event-line.ts';
import { formatTimeline } from '../render/timeline.ts';

export interface HistoryFlags extends ReaderFlags {
  json?: boolean;
}

/**
 * Print the timeline; resolves with the exit code.
 *
 * @example await history('sample-dag-abc', { local: true }, processIo());
 */
export async function history(executionId: string, flags: HistoryFlags, io: Io): Promise<number> {
  const { openReader } = await import('../local/readers.ts');
  const reader = await openReader(flags);
  try {
    const events = await reader.events(executionId);
    if (events.length === 0) await reader.head(executionId); // EXECUTION_NOT_FOUND if it does not exist
    const lines = flags.json
      ? events.map((e) => toJsonLine(e))
      : formatTimeline(events, colorsFor(io.stdout));
    io.stdout.write(lines.map((l) => `${l}\n`).join(''));
    return 0;
  } finally {
    await reader.close();
  }
}

export function command(): Command {
  return new Command('history')
    .description("an execution's event timeline")
    .argument('<executionId>', 'execution to show')
    .option('--json', 'one JSON line per event (same as export)')
    .option('--local', 'read a run recorded by `run --local` in .firestep/')
    .option('--project <id>', 'Firestore project (default GOOGLE_CLOUD_PROJECT)')
    .action(async (executionId: string, flags: HistoryFlags) => {
      process.exitCode = await history(executionId, flags, processIo());
    });
}
