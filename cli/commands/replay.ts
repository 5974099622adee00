/**
 * `firestep replay (<executionId> | --events FILE) [--flow FILE] [--local] [--project P] [--json]`:
 * recompute every state from the log, print the timeline and the final state, and check the log
 * against the engine (see cli/replay/verify.ts for exactly what is checked). Exit 0 when consistent,
 * 1 on a divergence (naming the first differing seq) or an error.
 */
import { Command } from 'commander';
import { colorsFor, type Io, processIo } from '../render/colors.ts';
import { renderSummary } from '../render/step-table.ts';
import { formatEventLine } from '../render/timeline.ts';
import type { ReplaySourceFlags } from '../replay/sources.ts';

export interface ReplayFlags extends ReplaySourceFlags {
  json?: boolean;
}

/**
 * Replay and verify; resolves with the exit code.
 *
 * @example await replayCommand(undefined, { events: 'run.jsonl' }, processIo());
 */
export async function replayCommand(
  executionId: string | undefined,
  flags: ReplayFlags,
  io: Io,
): Promise<number> {
  const [{ loadReplayInput }, { verifyLog }, { toHead }] = await Promise.all([
    import('../replay/sources.ts'),
    import('../replay/verify.ts'),
    import('../../engine/core/head.ts'),
  ]);
  const input = await loadReplayInput(executionId, flags);
  const report = verifyLog(input.definition, input.events, {
    compare: input.compare,
    ...(input.head ? { head: input.head } : {}),
  });
  const final = report.final ? toHead(report.final) : undefined;
  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify({
        consistent: report.divergence === undefined,
        events: input.events.length,
        verified: report.timeline.length,
        definitionHash: report.replayedHash,
        recordedHash: report.recordedHash,
        divergence: report.divergence ?? null,
        final: final ?? null,
      })}\n`,
    );
  } else {
    const colors = colorsFor(io.stdout);
    const lines = report.timeline.map(
      ({ event, state }) => `${formatEventLine(event, colors)}  ${colors.dim(`→ ${state.status}`)}`,
    );
    io.stdout.write(lines.map((l) => `${l}\n`).join(''));
    if (final)
      io.stdout.write(
        `\nfinal state:\n${renderSummary(final, Date.parse(final.updatedAt), colors).join('\n')}\n`,
      );
    if (report.divergence === undefined) {
      const against = input.compare
        ? `under ${flags.flow} (hash ${report.replayedHash.slice(0, 12)}…; the execution ran ${report.recordedHash?.slice(0, 12)}…)`
        : `with definition ${report.replayedHash.slice(0, 12)}…`;
      io.stdout.write(
        `\n${colors.green('consistent')}: ${report.timeline.length} events re-derived ${against}` +
          `${input.headOrigin ? `; final state matches ${input.headOrigin}` : ''}\n`,
      );
    }
  }
  if (report.divergence) {
    const d = report.divergence;
    io.stderr.write(`firestep: replay diverges at seq ${d.seq} (${d.code}): ${d.message}\n`);
    return 1;
  }
  return 0;
}

export function command(): Command {
  return new Command('replay')
    .description('recompute the state from the log and check it against the engine and the stored head')
    .argument('[executionId]', 'execution to replay (from the project, or .firestep/ with --local)')
    .option(
      '--events <file>',
      'replay an exported log (JSON lines from `export` or `run --json`; - for stdin)',
    )
    .option('--flow <file>', 'replay against this flow definition (compare a changed flow with the log)')
    .option('--json', 'print one JSON object: consistent, divergence, final state')
    .option('--local', 'read a run recorded by `run --local` in .firestep/')
    .option('--project <id>', 'Firestore project (default GOOGLE_CLOUD_PROJECT)')
    .action(async (executionId: string | undefined, flags: ReplayFlags) => {
      process.exitCode = await replayCommand(executionId, flags, processIo());
    });
}
