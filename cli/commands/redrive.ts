/**
 * `firestep redrive <executionId> [--project P]`: re-run a FAILED execution from the steps that did
 * not succeed (Step Functions' redrive): every failed or unfinished Task gets a new attempt; what
 * succeeded is kept. Exit 0 when redriven, 1 otherwise (not FAILED, failed by design).
 */
import { Command } from 'commander';
import { FirestepError } from '../../engine/errors.ts';
import type { ProjectFlags } from '../../runtime/local/project.ts';
import type { WriterStore } from '../../runtime/local/writer.ts';
import { type Io, processIo } from '../render/colors.ts';

/**
 * Redrive; resolves with the exit code. `writer` lets tests pass a store of their own.
 *
 * @example await redrive('sample-dag~nightly', {}, processIo());
 */
export async function redrive(
  executionId: string,
  flags: ProjectFlags,
  io: Io,
  writer?: WriterStore,
): Promise<number> {
  const { openWriterStore } = await import('../../runtime/local/writer.ts');
  const w = writer ?? (await openWriterStore(flags, { needsLaunch: true }));
  try {
    const head = await w.store.getHead(executionId);
    if (head === undefined) {
      throw new FirestepError(
        'EXECUTION_NOT_FOUND',
        `execution "${executionId}" does not exist in project ${w.projectId}`,
      );
    }
    const { applyAndSettle } = await import('../../runtime/local/writer.ts');
    const before = head.redriveCount;
    const { result, head: after } = await applyAndSettle(
      w.store,
      executionId,
      { kind: 'redrive', source: { kind: 'api', id: 'cli' } },
      (h) => h.redriveCount > before,
    );
    if (after === undefined || after.redriveCount <= before) {
      if (result.status === 'queued') {
        io.stdout.write(`${executionId} redrive queued for the engine (it is draining this execution)\n`);
        return 0;
      }
      throw new FirestepError(
        'EXECUTION_FINISHED',
        `cannot redrive ${executionId}: ${result.ignored?.message ?? `it is ${after?.status ?? head.status}`}`,
      );
    }
    const redriven = result.events.find((e) => e.type === 'ExecutionRedriven');
    const paths = redriven?.type === 'ExecutionRedriven' ? `: ${redriven.paths.join(', ')}` : '';
    io.stdout.write(`${executionId} RUNNING again (redrive #${after.redriveCount}${paths})\n`);
    if (w.mode === 'deferred')
      io.stderr.write("firestep: the new attempts are launched by the project's engine\n");
    return 0;
  } finally {
    if (!writer) await w.close();
  }
}

export function command(): Command {
  return new Command('redrive')
    .description('re-run a FAILED execution from its failed steps')
    .argument('<executionId>', 'execution to redrive')
    .option('--project <id>', 'Firestore project (default GOOGLE_CLOUD_PROJECT)')
    .action(async (executionId: string, flags: ProjectFlags) => {
      process.env.FIRESTEP_LOG ??= 'error';
      process.exitCode = await redrive(executionId, flags, processIo());
    });
}
