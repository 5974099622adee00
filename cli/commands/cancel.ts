/**
 * `firestep cancel <executionId> [--reason TEXT] [--project P]`: cancel a RUNNING execution. The
 * cancellation is recorded at once (ExecutionCancelled); stopping the work still running (a Dataflow
 * job) is best effort, by the engine. Exit 0 when cancelled (or already cancelled), 1 otherwise.
 */
import { Command } from 'commander';
import { FirestepError } from '../../engine/errors.ts';
import type { ProjectFlags } from '../../runtime/local/project.ts';
import type { WriterStore } from '../../runtime/local/writer.ts';
import { type Io, processIo } from '../render/colors.ts';

export interface CancelFlags extends ProjectFlags {
  reason?: string;
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
  const { openWriterStore } = await import('../../runtime/local/writer.ts');
  const w = writer ?? (await openWriterStore(flags, { needsLaunch: false }));
  try {
    const head = await w.store.getHead(executionId);
    if (head === undefined) {
      throw new FirestepError(
        'EXECUTION_NOT_FOUND',
        `execution "${executionId}" does not exist in project ${w.projectId}`,
      );
    }
    if (head.status === 'CANCELLED') {
      io.stdout.write(`${executionId} was already CANCELLED\n`);
      return 0;
    }
    const { applyAndSettle } = await import('../../runtime/local/writer.ts');
    const signal = {
      kind: 'cancel',
      reason: flags.reason ?? 'cancelled with firestep cancel',
      source: { kind: 'api', id: 'cli' },
    } as const;
    const { result, head: after } = await applyAndSettle(
      w.store,
      executionId,
      signal,
      (h) => h.status !== 'RUNNING',
    );
    if (after?.status === 'RUNNING') {
      io.stdout.write(`${executionId} cancel queued for the engine (it is draining this execution)\n`);
      return 0;
    }
    if (after?.status !== 'CANCELLED') {
      throw new FirestepError(
        'EXECUTION_FINISHED',
        `cannot cancel ${executionId}: ${result.ignored?.message ?? `it is already ${after?.status ?? 'gone'}`}`,
      );
    }
    io.stdout.write(`${executionId} CANCELLED\n`);
    if (w.mode === 'deferred') {
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
    .action(async (executionId: string, flags: CancelFlags) => {
      process.env.FIRESTEP_LOG ??= 'error';
      process.exitCode = await cancel(executionId, flags, processIo());
    });
}
