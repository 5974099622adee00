/**
 * throughput: 200 concurrent executions of the sample flow's shape on one store; each launched
 * step completes as soon as it is launched (as a fast function would). Transitions per second and
 * errors (must be 0).
 */
import type { LaunchCommand } from '../../engine/core/index.ts';
import type { BenchContext } from '../main.ts';
import { result } from '../report.ts';
import { sampleShape } from '../support/flows.ts';
import { benchDb, benchStore, InstantDispatcher, ms } from '../support/store.ts';

export async function run(ctx: BenchContext) {
  const executions = ctx.quick ? 40 : 200;
  const { db, close } = benchDb(ctx.firestoreHost);
  try {
    const def = sampleShape();
    const dispatcher = new InstantDispatcher();
    const store = benchStore(db, dispatcher);
    let errors = 0;
    const inFlight = new Set<Promise<unknown>>();
    const complete = (cmd: LaunchCommand) => {
      const p = store
        .apply(cmd.executionId, {
          kind: 'completed',
          outcome: 'succeeded',
          path: cmd.path,
          attempt: cmd.attempt,
          output: { ok: true },
          source: { kind: 'log', id: `${cmd.executionId}/${cmd.id}` },
        })
        .catch((e) => {
          if (errors === 0) ctx.note(`  first error: ${String(e)}`);
          errors++;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    };
    dispatcher.onLaunch = (cmd) => setImmediate(() => complete(cmd));
    const t0 = performance.now();
    const ids = await Promise.all(
      Array.from({ length: executions }, (_, i) =>
        store
          .startExecution(def, { i })
          .then((r) => r.executionId)
          .catch((e) => {
            if (errors === 0) ctx.note(`  first error: ${String(e)}`);
            errors++;
            return undefined;
          }),
      ),
    );
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    for (const id of ids) if (id) await store.drain(id);
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    const wall = ms(t0);
    let events = 0;
    let succeeded = 0;
    for (const id of ids) {
      if (!id) continue;
      const head = await store.getHead(id);
      events += head?.lastSeq ?? 0;
      if (head?.status === 'SUCCEEDED') succeeded++;
    }
    return [
      result(
        'throughput',
        `${executions} executions: events appended per second`,
        (events / wall) * 1000,
        'events/s',
        events,
      ),
      result('throughput', 'executions succeeded', succeeded, 'count', executions),
      result('throughput', 'errors', errors, 'count', executions, null, 'must be 0'),
      result('throughput', 'wall time', wall, 'ms', executions),
    ];
  } finally {
    await close();
  }
}
