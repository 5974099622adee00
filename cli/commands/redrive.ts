/**
 * `firestep redrive <executionId> [--project P]`: re-run a FAILED execution from the steps that did
 * not succeed (Step Functions' redrive): every failed or unfinished Task gets a new attempt; what
 * succeeded is kept. Exit 0 when redriven, 1 otherwise (not FAILED, failed by design).
 */
import { Command } from 'commander';
import type { ProjectFlags } from '../../runtime/local/project.ts';
import type { WriterStore } from '../../runtime/local/writer.ts';
import { type Io, processIo } from '../render/colors.ts';

export interface RedriveFlags extends ProjectFlags {
  /** Redrive on the running `firestep dev`. */
  local?: boolean;
}

/**
 * Redrive; resolves with the exit code. `writer` lets tests pass a store of their own.
 *
 * @example await redrive('sample-dag~nightly', {}, processIo());
 */
export async function redrive(
  executionId: string,
  flags: RedriveFlags,
  io: Io,
  writer?: WriterStore,
): Promise<number> {
  if (flags.local) {
    const { devAction } = await import('../local/dev-client.ts');
    const outcome = await devAction('redrive', executionId, {});
    io.stdout.write(`${outcome.message}\n`);
    return 0;
  }
  const [{ openWriterStore }, { redriveExecution }] = await Promise.all([
    import('../../runtime/local/writer.ts'),
    import('../../runtime/local/actions.ts'),
  ]);
  const w = writer ?? (await openWriterStore(flags, { needsLaunch: true }));
  try {
    const outcome = await redriveExecution(w.store, executionId, { where: `project ${w.projectId}` });
    io.stdout.write(`${outcome.message}\n`);
    if (outcome.result === 'done' && w.mode === 'deferred')
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
    .option('--local', 'redrive on the running `firestep dev`')
    .action(async (executionId: string, flags: RedriveFlags) => {
      process.env.FIRESTEP_LOG ??= 'error';
      process.exitCode = await redrive(executionId, flags, processIo());
    });
}
