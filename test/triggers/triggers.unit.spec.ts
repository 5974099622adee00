/**
 * Triggers in the flow model: the reader (schedule / gcs / pubsub, concurrency, timeout, notify),
 * cron ticks in a time zone (DST included), execution names per event, and `$.trigger` as steps
 * read it — recorded on ExecutionStarted, so replaying the log gives the same launches.
 */
import { describe, expect, it } from 'vitest';
import { next } from '../../cli/commands/triggers.ts';
import { evolve } from '../../engine/core/evolve.ts';
import { start } from '../../engine/core/start.ts';
import type { ExecutionState } from '../../engine/core/state.ts';
import {
  cloudFunction,
  defineFlow,
  end,
  gcsTrigger,
  pubsubTrigger,
  scheduleTrigger,
  task,
  validateFlow,
} from '../../engine/flow/index.ts';
import {
  gcsMatches,
  isTick,
  nextTicks,
  ticksBetween,
  triggerExecutionName,
  triggeredStart,
} from '../../engine/flow/triggers.ts';

const steps = {
  Load: {
    type: 'Task',
    target_type: 'CloudFunction',
    target_name: 'load',
    parameters: { kind: '$.trigger.kind', at: '$.trigger.scheduled_time ?? "none"' },
    end: true,
  },
};
const lines = (problems: ReadonlyArray<{ path: string; message: string }>) =>
  problems.map((p) => `${p.path}: ${p.message}`);

describe('reading triggers and flow options', () => {
  it('given all three trigger kinds and the options, when read, then the model has them with defaults filled', () => {
    const check = validateFlow({
      start: 'Load',
      steps,
      triggers: [
        { schedule: '0  2 * * *', time_zone: 'Europe/Amsterdam', input: { mode: 'full' } },
        { gcs: { bucket: 'acme-landing', prefix: 'orders/', suffix: '.csv' } },
        { pubsub: { topic: 'orders-ready' } },
        { schedule: '*/15 * * * *' },
      ],
      concurrency: { max_running: 1 },
      timeout_seconds: 3600,
      notify: [{ pubsub: 'alerts' }, { on: ['SUCCEEDED'], webhook: 'https://hooks.example/x' }],
    });
    expect(check.errors).toEqual([]);
    expect(check.flow).toMatchObject({
      triggers: [
        { schedule: '0 2 * * *', time_zone: 'Europe/Amsterdam', input: { mode: 'full' } },
        { gcs: { bucket: 'acme-landing', prefix: 'orders/', suffix: '.csv' } },
        { pubsub: { topic: 'orders-ready' } },
        { schedule: '*/15 * * * *', time_zone: 'UTC' },
      ],
      concurrency: { max_running: 1, on_overlap: 'queue' },
      timeout_seconds: 3600,
      notify: [
        { on: ['FAILED', 'TIMED_OUT'], pubsub: 'alerts' },
        { on: ['SUCCEEDED'], webhook: 'https://hooks.example/x' },
      ],
    });
    // The normalized flow reads back to itself (both front doors, one hash).
    expect(validateFlow(check.flow).flow).toEqual(check.flow);
  });

  it('given malformed triggers and options, when read, then each problem is reported at its path', () => {
    const check = validateFlow({
      start: 'Load',
      steps,
      triggers: [
        { schedule: '0 2 * *' },
        { schedule: '61 2 * * *' },
        { schedule: '0 2 * * *', time_zone: 'Europe/Amsterdm' },
        { gcs: { bucket: 'gs://acme/x' } },
        { pubsub: { topic: 'ok-topic' }, gcs: { bucket: 'acme' } },
        { cron: '0 2 * * *' },
      ],
      concurrency: { max_running: 0, on_overlap: 'skipp' },
      timeout_seconds: -1,
      notify: [{ on: ['FAILED'] }, { on: ['LATE'], pubsub: 'alerts' }],
      trigers: [],
    });
    expect(lines(check.errors)).toEqual(
      expect.arrayContaining([
        'triggers[0].schedule: must have five fields (minute hour day-of-month month day-of-week), got 4',
        'triggers[1].schedule: is not a valid cron expression: Invalid value for minute: 61',
        'triggers[2].time_zone: unknown time zone "Europe/Amsterdm"; use an IANA name such as "Europe/Amsterdam" or "UTC"',
        'triggers[3].gcs.bucket: must be a bucket name such as "acme-landing" (no "gs://", no path), got "gs://acme/x"',
        'triggers[4]: a trigger has exactly one of "schedule", "gcs" or "pubsub", got gcs and pubsub',
        'triggers[5]: a trigger needs one of "schedule", "gcs" or "pubsub"',
        'concurrency.max_running: must be an integer >= 1, got a number (0)',
        expect.stringMatching(
          /^concurrency\.on_overlap: must be one of "skip", "queue", got a string \("skipp"\)/,
        ),
        'timeout_seconds: must be a number > 0, got a number (-1)',
        'notify[0]: needs exactly one of "pubsub" (a topic) and "webhook" (an https URL)',
        expect.stringMatching(
          /^notify\[1\]\.on: must be a non-empty array of SUCCEEDED, FAILED, TIMED_OUT, CANCELLED/,
        ),
        'trigers: unknown field for a flow (did you mean "triggers"?)',
      ]),
    );
    expect(check.flow).toBeUndefined();
  });

  it('given the builder, when triggers are declared, then it normalizes exactly as the JSON reader', () => {
    const def = defineFlow({
      id: 'nightly',
      start: 'Load',
      steps: { Load: task(cloudFunction('load'), { next: 'Done' }), Done: end() },
      triggers: [
        scheduleTrigger('0 2 * * *', { time_zone: 'Europe/Amsterdam' }),
        gcsTrigger('acme-landing', { prefix: 'orders/' }),
        pubsubTrigger('orders-ready', { input: { source: 'pubsub' } }),
      ],
      concurrency: { max_running: 2, on_overlap: 'skip' },
    });
    expect(def.flow.triggers).toEqual([
      { schedule: '0 2 * * *', time_zone: 'Europe/Amsterdam' },
      { gcs: { bucket: 'acme-landing', prefix: 'orders/' } },
      { pubsub: { topic: 'orders-ready' }, input: { source: 'pubsub' } },
    ]);
    expect(validateFlow(JSON.parse(JSON.stringify(def.flow))).flow).toEqual(def.flow);
  });
});

describe('schedule ticks', () => {
  const amsterdam = { schedule: '0 2 * * *', time_zone: 'Europe/Amsterdam' };

  it('given 02:00 Amsterdam, when listing across the spring DST change, then local 02:00 becomes 03:00 on the short night', () => {
    expect(nextTicks(amsterdam, new Date('2026-03-27T00:00:00Z'), 4)).toEqual([
      '2026-03-27T01:00:00.000Z',
      '2026-03-28T01:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:00:00.000Z',
    ]);
  });

  it('given a range, when ticks are listed, then both ends are inclusive and a huge range is truncated', () => {
    const hourly = { schedule: '0 * * * *', time_zone: 'UTC' };
    expect(ticksBetween(hourly, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T02:00:00Z'))).toEqual({
      ticks: ['2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z'],
      truncated: false,
    });
    const capped = ticksBetween(
      hourly,
      new Date('2026-01-01T00:00:00Z'),
      new Date('2030-01-01T00:00:00Z'),
      10,
    );
    expect(capped.ticks).toHaveLength(10);
    expect(capped.truncated).toBe(true);
  });

  it('given times, when checked, then only fire times are ticks', () => {
    expect(isTick(amsterdam, new Date('2026-01-05T01:00:00Z'))).toBe(true);
    expect(isTick(amsterdam, new Date('2026-01-05T02:00:00Z'))).toBe(false);
  });
});

describe('events → executions', () => {
  it('given the same event twice, when named, then the name is the same; different events differ', () => {
    const tick = { kind: 'schedule', scheduled_time: '2026-01-05T01:00:00.000Z' } as const;
    expect(triggerExecutionName(0, tick)).toBe('schedule-0-20260105T010000Z');
    expect(triggerExecutionName(0, { ...tick })).toBe(triggerExecutionName(0, tick));
    expect(triggerExecutionName(2, tick)).toBe('schedule-2-20260105T010000Z');
    expect(
      triggerExecutionName(1, { kind: 'gcs', bucket: 'b', name: 'o', generation: '1', event_id: 'ev-9' }),
    ).toBe('gcs-1-ev-9');
    expect(triggerExecutionName(0, { kind: 'pubsub', message_id: '42', data: null, attributes: {} })).toBe(
      'pubsub-0-42',
    );
  });

  it('given a gcs trigger with prefix and suffix, when objects land, then only matching names match', () => {
    const t = { gcs: { bucket: 'acme', prefix: 'orders/', suffix: '.csv' } };
    expect(gcsMatches(t, 'acme', 'orders/2026-01-05.csv')).toBe(true);
    expect(gcsMatches(t, 'acme', 'orders/2026-01-05.json')).toBe(false);
    expect(gcsMatches(t, 'acme', 'refunds/x.csv')).toBe(false);
    expect(gcsMatches(t, 'other', 'orders/x.csv')).toBe(false);
  });
});

describe('$.trigger', () => {
  const def = defineFlow({
    id: 'triggered',
    start: 'Load',
    steps: {
      Load: task(cloudFunction('load'), {
        parameters: {
          kind: '$.trigger.kind',
          at: '$.trigger.scheduled_time ?? "none"',
          mode: '$.input.mode',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a firestep template, not JS
          path: 'gs://x/${$.trigger.scheduled_time ?? "manual"}/in',
        },
        end: true,
      }),
    },
    triggers: [scheduleTrigger('0 2 * * *', { input: { mode: 'full' } })],
  });

  it('given a schedule tick, when started, then ExecutionStarted records the trigger and the launch reads it', () => {
    const request = triggeredStart(def.flow, 0, {
      kind: 'schedule',
      scheduled_time: '2026-01-05T02:00:00.000Z',
    });
    const { decision } = start(def, request.input, {
      executionId: 'e1',
      now: '2026-01-05T02:00:01.000Z',
      name: request.name,
      trigger: request.trigger,
    });
    expect(decision.events[0]).toMatchObject({
      type: 'ExecutionStarted',
      name: 'schedule-0-20260105T020000Z',
      input: { mode: 'full' },
      trigger: { kind: 'schedule', scheduled_time: '2026-01-05T02:00:00.000Z' },
    });
    expect(decision.commands[0]).toMatchObject({
      kind: 'launch',
      input: {
        kind: 'schedule',
        at: '2026-01-05T02:00:00.000Z',
        mode: 'full',
        path: 'gs://x/2026-01-05T02:00:00.000Z/in',
      },
    });

    // Replay: the recorded trigger alone reproduces the state (no clock, no second source).
    let replayed: ExecutionState | undefined;
    for (const event of decision.events) replayed = evolve(def, replayed, event);
    expect(replayed?.machine).toEqual(
      start(def, request.input, {
        executionId: 'e1',
        now: '2026-01-05T02:00:01.000Z',
        name: request.name,
        trigger: request.trigger,
      }).state.machine,
    );
  });

  it('given a manual start, when launched, then $.trigger reads {kind: "manual"} and defaults apply', () => {
    const { decision } = start(
      def,
      { mode: 'delta' },
      { executionId: 'e2', now: '2026-01-05T09:00:00.000Z' },
    );
    expect(decision.events[0]).not.toHaveProperty('trigger');
    expect(decision.commands[0]).toMatchObject({
      input: { kind: 'manual', at: 'none', mode: 'delta', path: 'gs://x/manual/in' },
    });
  });
});

describe('firestep triggers next', () => {
  it('given the example flow, when asked for three ticks, then it prints UTC, local time and the execution name', async () => {
    let out = '';
    const io = {
      stdout: {
        write: (s: string) => {
          out += s;
          return true;
        },
      },
      stderr: { write: () => true },
    };
    const code = await next(
      'examples/nightly-schedule.json',
      { from: '2026-01-01T00:00:00Z', count: '3', json: true },
      io as never,
    );
    expect(code).toBe(0);
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      {
        tick: '2026-01-01T01:00:00.000Z',
        trigger: 0,
        schedule: '0 2 * * *',
        time_zone: 'Europe/Amsterdam',
        name: 'schedule-0-20260101T010000Z',
      },
      {
        tick: '2026-01-02T01:00:00.000Z',
        trigger: 0,
        schedule: '0 2 * * *',
        time_zone: 'Europe/Amsterdam',
        name: 'schedule-0-20260102T010000Z',
      },
      {
        tick: '2026-01-03T01:00:00.000Z',
        trigger: 0,
        schedule: '0 2 * * *',
        time_zone: 'Europe/Amsterdam',
        name: 'schedule-0-20260103T010000Z',
      },
    ]);
  });
});
