/**
 * `firestep status [executionId] [--json] [--local] [--project P] [--flow ID] [--status S]`: one
 * execution's head as a step table, or a list of executions (newest first).
 */
import { Command, Option } from 'commander';
import type { ExecutionStatus } from '../../engine/core/state.ts';
import type { ReaderFlags, StoredHeadView } from '../local/readers.ts';
import { colorsFor, type Io, processIo } from '../render/colors.ts';
import { formatElapsed, paintStatus, renderSummary } from '../render/step-table.ts';

export interface StatusFlags extends ReaderFlags {
  json?: boolean;
  flow?: string;
  status?: ExecutionStatus;
  limit?: string;
}

function listLines(heads: StoredHeadView[], io: Io, now: number): string[] {
  const colors = colorsFor(io.stdout);
  const idWidth = Math.max(9, ...heads.map((h) => h.executionId.length));
  const flowWidth = Math.max(4, ...heads.map((h) => h.flowId.length));
  const header = colors.dim(
    `${'EXECUTION'.padEnd(idWidth)}  ${'FLOW'.padEnd(flowWidth)}  STATUS     STARTED                   TOOK  EVENTS`,
  );
  return [
    header,
    ...heads.map((h) => {
      const end = h.status === 'RUNNING' ? now : Date.parse(h.updatedAt);
      const took = formatElapsed(end - Date.parse(h.startedAt)).padStart(7);
      const status = paintStatus(colors, h.status) + ' '.repeat(9 - h.status.length);
      return `${h.executionId.padEnd(idWidth)}  ${h.flowId.padEnd(flowWidth)}  ${status}  ${h.startedAt.padEnd(24)}  ${took}  ${h.lastSeq}`;
    }),
  ];
}

/**
 * Print one head or the list; resolves with the exit code.
 *
 * @example await status(undefined, { local: true }, processIo());
 */
export async function status(executionId: string | undefined, flags: StatusFlags, io: Io): Promise<number> {
  const { openReader } = await import('../local/readers.ts');
  const reader = await openReader(flags);
  try {
    if (executionId !== undefined) {
      const head = await reader.head(executionId);
      const text = flags.json
        ? JSON.stringify(head, null, 2)
        : renderSummary(head, Date.now(), colorsFor(io.stdout)).join('\n');
      io.stdout.write(`${text}\n`);
      return 0;
    }
    const heads = await reader.list({
      ...(flags.flow ? { flowId: flags.flow } : {}),
      ...(flags.status ? { status: flags.status } : {}),
      limit: flags.limit ? Number(flags.limit) : 20,
    });
    if (flags.json) io.stdout.write(heads.map((h) => `${JSON.stringify(h)}\n`).join(''));
    else if (heads.length === 0) io.stdout.write(`no executions in ${reader.where}\n`);
    else io.stdout.write(`${listLines(heads, io, Date.now()).join('\n')}\n`);
    return 0;
  } finally {
    await reader.close();
  }
}

export function command(): Command {
  return new Command('status')
    .description("one execution's head (steps, status, output), or the latest executions")
    .argument('[executionId]', 'execution to show; omit to list')
    .option('--json', 'the head document as JSON (a list: one JSON line per execution)')
    .option('--local', 'read runs recorded by `run --local` in .firestep/')
    .option('--project <id>', 'Firestore project (default GOOGLE_CLOUD_PROJECT)')
    .option('--flow <flowId>', 'list only executions of this flow')
    .addOption(
      new Option('--status <status>', 'list only executions in this status').choices([
        'RUNNING',
        'SUCCEEDED',
        'FAILED',
        'CANCELLED',
        'TIMED_OUT',
      ]),
    )
    .option('--limit <n>', 'list at most n executions', '20')
    .action(async (executionId: string | undefined, flags: StatusFlags) => {
      process.exitCode = await status(executionId, flags, processIo());
    });
}
