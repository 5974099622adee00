/**
 * Triggers: what a schedule's fire times are, what a trigger event looks like to the flow
 * (`$.trigger`), and which execution name an event maps to. Pure: every time comes in as an
 * argument (cron arithmetic by `croner`, which never reads the clock when given a date).
 *
 * One execution per trigger event: the name derives from the event (the scheduled time, the
 * CloudEvent id, the Pub/Sub message id) and the trigger's position in the flow, and a named start
 * is idempotent, so a redelivered event or a retried scheduler call starts nothing new.
 */
import { Cron } from 'croner';
import { isoFromEpochMs } from '../core/time.ts';
import type { GcsTrigger, Json, ScheduleTrigger, Trigger } from './model.ts';

/** The value of `$.trigger` in an execution: what started it. */
export type TriggerPayload =
  | { kind: 'schedule'; scheduled_time: string }
  | { kind: 'gcs'; bucket: string; name: string; generation: string; event_id: string }
  | { kind: 'pubsub'; message_id: string; data: Json; attributes: Record<string, string> }
  | { kind: 'manual' };

export type TriggerKind = 'schedule' | 'gcs' | 'pubsub';

/** `$.trigger` of an execution started by a person or the API (nothing recorded). */
export const MANUAL_TRIGGER: TriggerPayload = { kind: 'manual' };

/** At most this many ticks in one backfill range (a typo in a year should not start a million runs). */
export const MAX_TICKS = 10_000;

/**
 * @example triggerKind({gcs: {bucket: 'b'}}) === 'gcs'
 */
export function triggerKind(trigger: Trigger): TriggerKind {
  if ('schedule' in trigger) return 'schedule';
  if ('gcs' in trigger) return 'gcs';
  return 'pubsub';
}

/**
 * Why a cron expression cannot be used, or undefined (time zones: `isTimeZone`). Five fields (minute hour
 * day-of-month month day-of-week), as Cloud Scheduler reads them.
 *
 * @example cronProblem('0 2 * *') // 'must have five fields (minute hour day-of-month month day-of-week), got 4'
 */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5)
    return `must have five fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  try {
    new Cron(expression, { paused: true });
  } catch (e) {
    return `is not a valid cron expression: ${cronMessage(e)}`;
  }
  return undefined;
}

/**
 * Whether `name` is an IANA time zone this runtime knows.
 *
 * @example isTimeZone('Europe/Amsterdam') === true; isTimeZone('Europe/Amsterdm') === false
 */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function cronMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/^CronPattern: /, '');
}

function cronOf(trigger: ScheduleTrigger): Cron {
  return new Cron(trigger.schedule, { paused: true, timezone: trigger.time_zone });
}

/**
 * The next `count` fire times strictly after `after`, as ISO strings.
 *
 * @example nextTicks({schedule: '0 2 * * *', time_zone: 'UTC'}, new Date('2024-01-01T00:00:00Z'), 2)
 * // ['2024-01-01T02:00:00.000Z', '2024-01-02T02:00:00.000Z']
 */
export function nextTicks(trigger: ScheduleTrigger, after: Date, count: number): string[] {
  const cron = cronOf(trigger);
  const ticks: string[] = [];
  let cursor: Date | null = after;
  while (ticks.length < count && cursor !== null) {
    cursor = cron.nextRun(cursor);
    if (cursor !== null) ticks.push(cursor.toISOString());
  }
  return ticks;
}

/**
 * Fire times in `[from, to]` (both inclusive), at most `limit` (then `truncated`).
 *
 * @example ticksBetween({schedule: '0 * * * *', time_zone: 'UTC'}, new Date('2024-01-01T00:00:00Z'), new Date('2024-01-01T02:00:00Z'))
 * // {ticks: ['…T00:00:00.000Z', '…T01:00:00.000Z', '…T02:00:00.000Z'], truncated: false}
 */
export function ticksBetween(
  trigger: ScheduleTrigger,
  from: Date,
  to: Date,
  limit = MAX_TICKS,
): { ticks: string[]; truncated: boolean } {
  const cron = cronOf(trigger);
  const ticks: string[] = [];
  // croner works in whole seconds and answers strictly after its argument.
  let cursor: Date | null = null;
  for (;;) {
    cursor = cron.nextRun(cursor ?? isoFromEpochMs(Math.ceil(from.getTime() / 1000) * 1000 - 1000));
    if (cursor === null || cursor.getTime() > to.getTime()) return { ticks, truncated: false };
    if (ticks.length === limit) return { ticks, truncated: true };
    ticks.push(cursor.toISOString());
  }
}

/**
 * Whether `time` is one of the schedule's fire times (to the second).
 *
 * @example isTick({schedule: '0 2 * * *', time_zone: 'UTC'}, new Date('2024-01-01T02:00:00Z')) === true
 */
export function isTick(trigger: ScheduleTrigger, time: Date): boolean {
  const next = cronOf(trigger).nextRun(isoFromEpochMs(time.getTime() - 1000));
  return next !== null && next.getTime() === Math.floor(time.getTime() / 1000) * 1000;
}

/**
 * Whether a finalized object `name` in `bucket` is one the trigger watches.
 *
 * @example gcsMatches({gcs: {bucket: 'b', prefix: 'in/', suffix: '.csv'}}, 'b', 'in/x.csv') === true
 */
export function gcsMatches(trigger: GcsTrigger, bucket: string, name: string): boolean {
  const { gcs } = trigger;
  return (
    gcs.bucket === bucket &&
    (gcs.prefix === undefined || name.startsWith(gcs.prefix)) &&
    (gcs.suffix === undefined || name.endsWith(gcs.suffix))
  );
}

/**
 * The execution name for trigger `index`'s event: the same event always maps to the same name.
 *
 * @example triggerExecutionName(0, {kind: 'schedule', scheduled_time: '2024-01-01T02:00:00.000Z'}) === 'schedule-0-20240101T020000Z'
 * @example triggerExecutionName(1, {kind: 'pubsub', message_id: '42', data: null, attributes: {}}) === 'pubsub-1-42'
 */
export function triggerExecutionName(index: number, payload: TriggerPayload): string {
  switch (payload.kind) {
    case 'schedule':
      return `schedule-${index}-${compactTime(payload.scheduled_time)}`;
    case 'gcs':
      return `gcs-${index}-${payload.event_id}`;
    case 'pubsub':
      return `pubsub-${index}-${payload.message_id}`;
    case 'manual':
      return `manual-${index}`;
  }
}

/** `2024-01-01T02:00:00.000Z` → `20240101T020000Z` (seconds resolution). */
function compactTime(iso: string): string {
  return `${isoFromEpochMs(Date.parse(iso)).slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/**
 * The input an execution started by `trigger` gets: its static `input`, or `{}`.
 *
 * @example triggerInput({pubsub: {topic: 't'}}) // {}
 */
export function triggerInput(trigger: Trigger): Json {
  return trigger.input ?? {};
}

/**
 * The flow's schedule triggers with their positions in `triggers`.
 *
 * @example schedulesOf(flow)[0]?.index === 0
 */
export function schedulesOf(flow: {
  triggers?: Trigger[];
}): Array<{ index: number; trigger: ScheduleTrigger }> {
  return (flow.triggers ?? []).flatMap((trigger, index) =>
    'schedule' in trigger ? [{ index, trigger }] : [],
  );
}

/**
 * What to start for trigger `index`'s event: the execution's input, idempotent name and `$.trigger`.
 *
 * @example triggeredStart(def.flow, 0, {kind: 'schedule', scheduled_time: '2024-01-01T02:00:00.000Z'})
 * // {input: {}, name: 'schedule-0-20240101T020000Z', trigger: {kind: 'schedule', …}}
 */
export function triggeredStart(
  flow: { triggers?: Trigger[] },
  index: number,
  payload: TriggerPayload,
): { input: Json; name: string; trigger: Json } {
  const trigger = flow.triggers?.[index];
  return {
    input: trigger === undefined ? {} : triggerInput(trigger),
    name: triggerExecutionName(index, payload),
    trigger: payload as Json,
  };
}
