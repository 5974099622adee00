/**
 * `run --local` while `firestep dev` is up: the run is started by dev (which registers the flow,
 * scripts its fakes from `--fail` / `--hang` and owns the engine), and this process only follows
 * the execution on dev's Firestore emulator — live table or JSON lines — then records it in
 * `.firestep/` as a standalone run does. No emulator starts here, so it takes seconds.
 */
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { namedExecutionId } from '../../engine/store/index.ts';
import { localRunName } from '../../runtime/local/run-naming.ts';
import { followExecution } from '../../runtime/local/watch.ts';
import { toJsonLine } from '../render/event-line.ts';
import { LiveView } from '../render/live-view.ts';
import { type DevInfo, devAction, devStart } from './dev-client.ts';
import type { LocalRunResult, RunLocalOptions } from './run-local.ts';
import { DEFAULT_RECORD_DIR, refuseRecordedConflict, writeRunRecord } from './run-records.ts';

/**
 * Run one execution on a running `dev`.
 *
 * @example const result = await runOnDev(dev, { definition, input: {}, io: processIo() });
 */
export async function runOnDev(dev: DevInfo, opts: RunLocalOptions): Promise<LocalRunResult> {
  const def = opts.definition;
  const name = opts.name ?? localRunName('local');
  const executionId = namedExecutionId(def.id, name);
  if (opts.name !== undefined && opts.recordDir !== null)
    await refuseRecordedConflict(executionId, opts.input, opts.recordDir ?? DEFAULT_RECORD_DIR);
  process.env.FIRESTORE_EMULATOR_HOST = dev.firestoreHost;
  const { openProjectStore } = await import('../../runtime/local/project.ts');
  const project = await openProjectStore({ project: dev.projectId });
  const view = opts.json ? undefined : new LiveView(opts.io.stdout);
  try {
    if (!opts.json) {
      opts.io.stderr.write(
        `firestep: running ${executionId} on firestep dev — watch it at ${dev.consoleUrl}executions/${encodeURIComponent(executionId)}\n`,
      );
    }
    const events: ExecutionEvent[] = [];
    const follower = followExecution({
      db: project.db,
      store: project.store,
      executionId,
      onEvents: (batch, head) => {
        events.push(...batch);
        if (opts.json) opts.io.stdout.write(batch.map((e) => `${toJsonLine(e)}\n`).join(''));
        else view?.update(batch, head);
      },
    });
    const cancel = () => {
      devAction('cancel', executionId, { reason: 'cancelled from the command line' }).catch(() => {});
    };
    opts.abort?.addEventListener('abort', cancel, { once: true });
    try {
      await devStart(dev, {
        definition: def,
        input: opts.input,
        name,
        ...(opts.fail?.length ? { fail: [...opts.fail] } : {}),
        ...(opts.hang?.length ? { hang: [...opts.hang] } : {}),
      });
      await follower.refresh();
      const head = await follower.finished;
      const records =
        opts.recordDir === null
          ? undefined
          : await writeRunRecord({ head, events, definition: def }, opts.recordDir ?? DEFAULT_RECORD_DIR);
      if (view) {
        view.finish(head);
        const cli = opts.commandPrefix ?? 'npx firestep';
        opts.io.stdout.write(
          [
            '',
            `see it in the console: ${dev.consoleUrl}executions/${encodeURIComponent(executionId)}`,
            `  ${cli} history ${executionId} --local`,
            '',
          ].join('\n'),
        );
      }
      return {
        executionId,
        head,
        events,
        exitCode: head.status === 'SUCCEEDED' ? 0 : 2,
        records,
        transport: dev.pubsubHost ? 'pubsub' : 'direct',
      };
    } finally {
      opts.abort?.removeEventListener('abort', cancel);
      await follower.stop();
    }
  } finally {
    view?.stop();
    await project.close();
  }
}
