/**
 * `firestep cancel <executionId> [--reason TEXT] [--project P]`: cancel a RUNNING execution. The
 * cancellation is recorded at once (ExecutionCancelled); stopping the work still running (a Dataflow
 * job) is best effort, by the engine. Exit 0 when cancelled (or already cancelled), 1 otherwise.
 */
import { Command } from 'commander';
import type { ProjectFlags } from '../../runtime/local/project.ts';
import type { WriterStore } from '../../runtime/local/writer.ts';
import { type Io, processIo } from '../render/colors.ts';

export interface CancelFlags extends ProjectFlags {
  reason?: string;
  /** Cancel on the running `firestep dev` (its engine stops what still runs). */
  local?: boolean;
}

/**
 * Cancel; resolves with the exit code. `writer` lets tests pass a store of their own.
 *
 * @example await cancel('sample-dag~nightly', { reason: 'wrong input' }, processIo());
 */
export async function cancel(
  executionId: string,
  flags: CancelFlags,
  io: Io,
  writer?: WriterStore,
): Promise<number> {
  const dev = flags.local ? await import('../local/dev-client.ts') : undefined;
  if (dev) {
    const outcome = await dev.devAction('cancel', executionId, { reason: flags.reason });
    io.stdout.write(`${outcome.message}\n`);
    return 0;
  }
  const [{ openWriterStore }, { cancelExecution }, { requestBudgetFromEnv, withRequestBudget }] =
    await Promise.all([
      import('../../runtime/local/writer.ts'),
      import('../../runtime/local/actions.ts'),
      import('../../runtime/request-budget.ts'),
    ]);
  const budgetMs = requestBudgetFromEnv(process.env);
  const w = writer ?? (await openWriterStore(flags, { needsLaunch: false }));
  try {
    // Bounded like an API request: an unreachable Firestore is one STORE_UNAVAILABLE line.
    const outcome = await withRequestBudget(
      budgetMs,
      `cancelling "${executionId}" in project ${w.projectId}`,
      () =>
        cancelExecution(w.store, executionId, {
          ...(flags.reason === undefined ? {} : { reason: flags.reason }),
          where: `project ${w.projectId}`,
        }),
    );
    io.stdout.write(`${outcome.message}\n`);
    if (outcome.result === 'done' && w.mode === 'deferred') {
      io.stderr.write("firestep: stopping the steps still running is left to the engine's sweep\n");
    }
    return 0;
  } finally {
    if (!writer) await w.close();
  }
}

export function command(): Command {
  return new Command('cancel')
    .description('cancel a running execution')
    .argument('<executionId>', 'execution to cancel')
    .option('--reason <text>', 'why (recorded on ExecutionCancelled)')
    .option('--project <id>', 'Firestore project (default GOOGLE_CLOUD_PROJECT)')
    .option('--local', 'cancel on the running `firestep dev`')
    .action(async (executionId: string, flags: CancelFlags) => {
      process.env.FIRESTEP_LOG ??= 'error';
      process.exitCode = await cancel(executionId, flags, processIo());
    });
}
