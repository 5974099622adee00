/**
 * `firestep backfill FLOW --from ISO --to ISO [--trigger I] [--max-running N] (--local | --project P)
 * [--json]`: one execution per schedule tick in [from, to], in order, named as the scheduler names
 * them — so a tick that already ran (or was backfilled before) starts nothing (`started: false`).
 * With `--max-running N` at most N of the backfill's executions run at once.
 */
import { Command } from 'commander';
import { FirestepError } from '../../engine/errors.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import { MAX_TICKS, ticksBetween, triggeredStart } from '../../engine/flow/triggers.ts';
import type { ProjectFlags } from '../../runtime/local/project.ts';
import type { TriggerTarget } from '../local/trigger-target.ts';
import { type Io, processIo } from '../render/colors.ts';
import { resolveFlow } from './start.ts';
import { parseTime, scheduleOf } from './triggers.ts';

export interface BackfillFlags extends ProjectFlags {
  from: string;
  to: string;
  trigger?: string;
  maxRunning?: string;
  local?: boolean;
  json?: boolean;
  flows?: string;
}

/** How often a backfill waiting for a free slot looks at its running executions. */
const POLL_MS = 500;

/**
 * @example await backfill('examples/nightly-schedule.json', { from: '2026-01-01T00:00:00Z', to: '2026-01-07T00:00:00Z', local: true }, processIo());
 */
export async function backfill(
  flow: string | FlowDefinition,
  flags: BackfillFlags,
  io: Io,
  deps: { target?: TriggerTarget; sleep?: (ms: number) => Promise<void> } = {},
): Promise<number> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const def = typeof flow === 'string' ? await resolveFlow(flow, flags.flows) : flow;
  const from = parseTime(flags.from, '--from');
  const to = parseTime(flags.to, '--to');
  if (to.getTime() < from.getTime()) throw new FirestepError('CONFIG', '--to is before --from');
  const maxRunning = flags.maxRunning === undefined ? Number.POSITIVE_INFINITY : Number(flags.maxRunning);
  if (!(maxRunning >= 1) || (Number.isFinite(maxRunning) && !Number.isInteger(maxRunning)))
    throw new FirestepError('CONFIG', `--max-running must be a positive integer, got "${flags.maxRunning}"`);
  const { index, trigger } = scheduleOf(def, flags.trigger === undefined ? undefined : Number(flags.trigger));
  const { ticks, truncated } = ticksBetween(trigger, from, to);
  if (truncated)
    throw new FirestepError(
      'CONFIG',
      `the range has more than ${MAX_TICKS} ticks of "${trigger.schedule}"; backfill a shorter range at a time`,
    );
  const target =
    deps.target ?? (await (await import('../local/trigger-target.ts')).openTriggerTarget(def, flags));
  const running = new Set<string>();
  let started = 0;
  try {
    for (const tick of ticks) {
      while (running.size >= maxRunning) {
        for (const id of [...running]) if ((await target.status(id)) !== 'RUNNING') running.delete(id);
        if (running.size >= maxRunning) await sleep(POLL_MS);
      }
      const request = triggeredStart(def.flow, index, { kind: 'schedule', scheduled_time: tick });
      const result = await target.start(request);
      if (result.created) {
        started++;
        running.add(result.executionId);
      }
      io.stdout.write(
        flags.json
          ? `${JSON.stringify({ tick, executionId: result.executionId, started: result.created })}\n`
          : `${tick}  ${result.executionId}  ${result.created ? 'started' : 'already has an execution'}\n`,
      );
    }
    if (!flags.json) io.stderr.write(`firestep: ${ticks.length} ticks, ${started} started\n`);
    return 0;
  } finally {
    if (!deps.target) await target.close();
  }
}

export function command(): Command {
  return new Command('backfill')
    .description('start one execution per schedule tick in a time range (idempotent)')
    .argument('<flow>', 'flow file (.json / .ts) or flow id in the flows directory')
    .requiredOption('--from <iso>', 'first tick at or after this time')
    .requiredOption('--to <iso>', 'last tick at or before this time')
    .option('--trigger <index>', 'which schedule, by its position in "triggers" (default the first)')
    .option('--max-running <n>', "at most this many of the backfill's executions run at once")
    .option('--local', 'start on the running `firestep dev`')
    .option('--project <id>', 'Firestore project (default GOOGLE_CLOUD_PROJECT)')
    .option('--flows <dir>', 'flows directory for a flow id')
    .option('--json', 'one line per tick: {tick, executionId, started}')
    .action(async (flow: string, flags: BackfillFlags) => {
      process.env.FIRESTEP_LOG ??= 'error';
      process.exitCode = await backfill(flow, flags, processIo());
    });
}
