/**
 * `firestep triggers next FLOW [--from ISO] [--count N] [--json]`: the next fire times of the flow's
 * schedules. `firestep triggers fire FLOW --at ISO [--trigger I] (--local | --project P) [--json]`:
 * start the execution of one schedule tick by hand — the same execution (same name, same
 * `$.trigger`) Cloud Scheduler's call for that tick starts, so firing twice starts one.
 * `firestep triggers fire FLOW --gcs gs://bucket/object [--content TEXT] --local [--json]`: write the
 * object to `dev`'s fake Cloud Storage; its finalized CloudEvent starts the flow's matching gcs trigger.
 */
import { Command } from 'commander';
import { FirestepError } from '../../engine/errors.ts';
import type { FlowDefinition, ScheduleTrigger } from '../../engine/flow/model.ts';
import { gcsMatches, isTick, nextTicks, schedulesOf, triggeredStart } from '../../engine/flow/triggers.ts';
import type { ProjectFlags } from '../../runtime/local/project.ts';
import { type Io, processIo } from '../render/colors.ts';
import { resolveFlow } from './start.ts';

/** `--from 2026-01-01T00:00:00Z` → a Date, or a one-line CONFIG error naming the option. */
export function parseTime(value: string, option: string): Date {
  const date = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)
    ? new Date(value)
    : undefined;
  if (date === undefined || Number.isNaN(date.getTime()))
    throw new FirestepError(
      'CONFIG',
      `${option} must be an ISO time such as 2026-01-01T02:00:00Z, got "${value}"`,
    );
  return date;
}

/** The flow's schedule `index` (default: its first schedule), or a CONFIG error saying what it has. */
export function scheduleOf(def: FlowDefinition, index?: number): { index: number; trigger: ScheduleTrigger } {
  const schedules = schedulesOf(def.flow);
  if (schedules.length === 0)
    throw new FirestepError(
      'CONFIG',
      `flow "${def.id}" has no schedule trigger; add {"schedule": "0 2 * * *"} to its "triggers"`,
    );
  if (index === undefined) return schedules[0] as { index: number; trigger: ScheduleTrigger };
  const found = schedules.find((s) => s.index === index);
  if (!found)
    throw new FirestepError(
      'CONFIG',
      `triggers[${index}] of flow "${def.id}" is not a schedule; schedules: ${schedules.map((s) => s.index).join(', ')}`,
    );
  return found;
}

function positiveInt(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new FirestepError('CONFIG', `${option} must be a positive integer, got "${value}"`);
  return n;
}

/**
 * @example await next('examples/nightly-schedule.json', { from: '2026-01-01T00:00:00Z', count: '3' }, processIo());
 */
export async function next(
  flow: string,
  flags: { from?: string; count?: string; json?: boolean; flows?: string },
  io: Io,
  now: () => Date = () => new Date(),
): Promise<number> {
  const def = await resolveFlow(flow, flags.flows);
  const from = flags.from === undefined ? now() : parseTime(flags.from, '--from');
  const count = flags.count === undefined ? 5 : positiveInt(flags.count, '--count');
  const schedules = schedulesOf(def.flow);
  if (schedules.length === 0) scheduleOf(def);
  const rows = schedules
    .flatMap(({ index, trigger }) =>
      nextTicks(trigger, from, count).map((tick) => ({ tick, index, trigger })),
    )
    .sort((a, b) => a.tick.localeCompare(b.tick) || a.index - b.index)
    .slice(0, count);
  for (const { tick, index, trigger } of rows) {
    const { name } = triggeredStart(def.flow, index, { kind: 'schedule', scheduled_time: tick });
    io.stdout.write(
      flags.json
        ? `${JSON.stringify({ tick, trigger: index, schedule: trigger.schedule, time_zone: trigger.time_zone, name })}\n`
        : `${tick}  ${localTime(tick, trigger.time_zone)} ${trigger.time_zone}  ${name}\n`,
    );
  }
  return 0;
}

/** `2026-01-01 03:00` in the schedule's zone. */
function localTime(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

export interface FireFlags extends ProjectFlags {
  at?: string;
  /** `gs://bucket/object` to write to `dev`'s fake Cloud Storage (with `--local`). */
  gcs?: string;
  /** The object's content (default empty). */
  content?: string;
  trigger?: string;
  local?: boolean;
  json?: boolean;
  flows?: string;
}

/**
 * @example await fire('examples/nightly-schedule.json', { at: '2026-01-01T01:00:00Z', local: true }, processIo());
 */
export async function fire(flow: string, flags: FireFlags, io: Io): Promise<number> {
  if ((flags.at === undefined) === (flags.gcs === undefined))
    throw new FirestepError(
      'CONFIG',
      'triggers fire needs exactly one of --at ISO (a schedule tick) and --gcs gs://bucket/object (a storage event)',
    );
  const def = await resolveFlow(flow, flags.flows);
  if (flags.gcs !== undefined) return fireGcs(def, flags.gcs, flags, io);
  const at = parseTime(flags.at as string, '--at');
  const { index, trigger } = scheduleOf(def, flags.trigger === undefined ? undefined : Number(flags.trigger));
  if (!isTick(trigger, at))
    throw new FirestepError(
      'CONFIG',
      `--at ${at.toISOString()} is not a fire time of "${trigger.schedule}" (${trigger.time_zone}); see \`triggers next ${flow} --from …\``,
    );
  const { openTriggerTarget } = await import('../local/trigger-target.ts');
  const target = await openTriggerTarget(def, flags);
  try {
    const started = await target.start(
      triggeredStart(def.flow, index, { kind: 'schedule', scheduled_time: at.toISOString() }),
    );
    io.stdout.write(
      flags.json
        ? `${JSON.stringify({ tick: at.toISOString(), ...started, started: started.created })}\n`
        : `${started.executionId}${started.created ? '' : ' (this tick already has an execution)'}\n`,
    );
    return 0;
  } finally {
    await target.close();
  }
}

/**
 * `--gcs gs://bucket/object --local`: land the object in `dev`'s fake Cloud Storage; its finalized
 * CloudEvent reaches the flow's matching gcs trigger through the API route, as Eventarc delivers it.
 * Each landing is a new generation, hence a new event and a new execution.
 */
async function fireGcs(def: FlowDefinition, uri: string, flags: FireFlags, io: Io): Promise<number> {
  const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new FirestepError('CONFIG', `--gcs must be gs://bucket/object, got "${uri}"`);
  const [, bucket = '', name = ''] = m;
  const matching = (def.flow.triggers ?? []).flatMap((t, i) =>
    'gcs' in t && gcsMatches(t, bucket, name) ? [i] : [],
  );
  if (matching.length === 0) {
    const watched = (def.flow.triggers ?? []).flatMap((t) =>
      'gcs' in t ? [`gs://${t.gcs.bucket}/${t.gcs.prefix ?? ''}*${t.gcs.suffix ?? ''}`] : [],
    );
    throw new FirestepError(
      'CONFIG',
      `no gcs trigger of flow "${def.id}" matches ${uri}${watched.length ? ` (it watches ${watched.join(', ')})` : '; add {"gcs": {"bucket": …}} to its "triggers"'}`,
    );
  }
  if (!flags.local)
    throw new FirestepError(
      'CONFIG',
      '--gcs writes the object to the fake Cloud Storage of `firestep dev`: add --local (deployed, upload the object to the bucket itself)',
    );
  const { devLand, requireDev } = await import('../local/dev-client.ts');
  const landed = await devLand(await requireDev('triggers fire --gcs'), uri, flags.content ?? '');
  const mine = landed.deliveries.filter((d) => d.flowId === def.id);
  if (mine.length === 0)
    throw new FirestepError(
      'CONFIG',
      `flow "${def.id}" is not registered in the running \`firestep dev\` (the object landed, nothing started); put the flow in one of its --flows directories`,
    );
  for (const d of mine) {
    if (d.executionId === undefined)
      throw new FirestepError(
        'CONFIG',
        `triggers[${d.index}] refused the event (HTTP ${d.status}): ${d.note ?? ''}`,
      );
    io.stdout.write(
      flags.json
        ? `${JSON.stringify({ uri, eventId: landed.eventId, trigger: d.index, executionId: d.executionId, created: d.created === true, started: d.created === true })}\n`
        : `${d.executionId}${d.created ? '' : ' (this event already has an execution)'}\n`,
    );
  }
  return 0;
}

export function command(): Command {
  const triggers = new Command('triggers').description("inspect and fire a flow's schedule triggers");
  triggers
    .command('next')
    .description("print the next fire times of the flow's schedules")
    .argument('<flow>', 'flow file (.json / .ts) or flow id in the flows directory')
    .option('--from <iso>', 'list fire times after this time (default now)')
    .option('--count <n>', 'how many (default 5)')
    .option('--flows <dir>', 'flows directory for a flow id')
    .option('--json', 'one JSON object per tick: {tick, trigger, schedule, time_zone, name}')
    .action(async (flow: string, flags) => {
      process.exitCode = await next(flow, flags, processIo());
    });
  triggers
    .command('fire')
    .description(
      'start the execution of one schedule tick (idempotent: a tick has one execution), or land an object for a gcs trigger under dev',
    )
    .argument('<flow>', 'flow file (.json / .ts) or flow id in the flows directory')
    .option('--at <iso>', 'the tick (a fire time of the schedule)')
    .option(
      '--gcs <uri>',
      'with --local: write gs://bucket/object to the dev fake Cloud Storage (a finalized event)',
    )
    .option('--content <text>', 'with --gcs: the object content (default empty)')
    .option('--trigger <index>', 'which schedule, by its position in "triggers" (default the first)')
    .option('--local', 'start on the running `firestep dev`')
    .option('--project <id>', 'Firestore project (default GOOGLE_CLOUD_PROJECT)')
    .option('--flows <dir>', 'flows directory for a flow id')
    .option('--json', 'print {tick, executionId, created, started} ({uri, eventId, trigger, …} with --gcs)')
    .action(async (flow: string, flags: FireFlags) => {
      process.env.FIRESTEP_LOG ??= 'error';
      process.exitCode = await fire(flow, flags, processIo());
    });
  return triggers;
}
