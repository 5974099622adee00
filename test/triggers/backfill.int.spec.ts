/**
 * `backfill` on the Firestore emulator: one execution per tick, named as the scheduler names them,
 * so re-running a range — or a range overlapping ticks the scheduler already ran — starts nothing
 * twice (`started: false`). `--max-running` holds the next tick until a slot frees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfill } from '../../cli/commands/backfill.ts';
import type { TriggerTarget } from '../../cli/local/trigger-target.ts';
import { cloudFunction, defineFlow, scheduleTrigger, task } from '../../engine/flow/index.ts';
import { FlowRegistry } from '../../runtime/registry/registry.ts';
import { type Harness, startHarness } from '../functions/support.ts';

const hourly = defineFlow({
  id: 'hourly',
  start: 'Load',
  steps: { Load: task(cloudFunction('bf-load', { project_id: 'p', region: 'europe-west1' }), { end: true }) },
  triggers: [scheduleTrigger('0 * * * *', { input: { mode: 'backfill' } })],
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ registry: FlowRegistry.of([hourly]), prefix: 'backfill' });
});
afterAll(async () => {
  await h?.close();
});

function storeTarget(): TriggerTarget {
  return {
    start: async (req) => {
      const s = await h.runtime.store.startExecution(hourly, req.input, {
        name: req.name,
        trigger: req.trigger,
        source: { kind: 'api', id: 'cli' },
      });
      return { executionId: s.executionId, created: s.created };
    },
    status: async (id) => (await h.runtime.store.getHead(id))?.status,
    close: async () => {},
  };
}

function capture() {
  let text = '';
  const write = (s: string) => {
    text += s;
    return true;
  };
  return {
    io: { stdout: { write }, stderr: { write: () => true } },
    lines: () =>
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
  };
}

async function run(from: string, to: string, target = storeTarget(), extra: Record<string, string> = {}) {
  const out = capture();
  const code = await backfill(hourly, { from, to, json: true, ...extra }, out.io as never, { target });
  expect(code).toBe(0);
  return out.lines() as Array<{ tick: string; executionId: string; started: boolean }>;
}

describe('backfill', () => {
  it('given a range, when backfilled twice and then with an overlapping range, then each tick has one execution', async () => {
    const first = await run('2026-01-05T00:00:00Z', '2026-01-05T02:00:00Z');
    expect(first).toEqual([
      { tick: '2026-01-05T00:00:00.000Z', executionId: 'hourly~schedule-0-20260105T000000Z', started: true },
      { tick: '2026-01-05T01:00:00.000Z', executionId: 'hourly~schedule-0-20260105T010000Z', started: true },
      { tick: '2026-01-05T02:00:00.000Z', executionId: 'hourly~schedule-0-20260105T020000Z', started: true },
    ]);
    const again = await run('2026-01-05T00:00:00Z', '2026-01-05T02:00:00Z');
    expect(again).toEqual(first.map((l) => ({ ...l, started: false })));
    const overlap = await run('2026-01-05T01:30:00Z', '2026-01-05T03:00:00Z');
    expect(overlap.map((l) => [l.tick.slice(11, 16), l.started])).toEqual([
      ['02:00', false],
      ['03:00', true],
    ]);
    const events = await h.runtime.store.readEvents('hourly~schedule-0-20260105T030000Z');
    expect(events[0]).toMatchObject({
      input: { mode: 'backfill' },
      trigger: { kind: 'schedule', scheduled_time: '2026-01-05T03:00:00.000Z' },
    });
  });

  it('given --max-running 1, then the next tick starts only after the running one ended', async () => {
    const order: string[] = [];
    const inner = storeTarget();
    const finished = new Set<string>();
    const target: TriggerTarget = {
      start: async (req) => {
        order.push(`start ${req.name}`);
        return inner.start(req);
      },
      // The harness never completes steps: the test plays the engine and ends one per poll.
      status: async (id) => {
        if (finished.has(id)) return 'SUCCEEDED';
        finished.add(id);
        order.push(`poll ${id}`);
        return inner.status(id);
      },
      close: async () => {},
    };
    const out = capture();
    await backfill(
      hourly,
      { from: '2026-01-06T00:00:00Z', to: '2026-01-06T01:00:00Z', json: true, maxRunning: '1' },
      out.io as never,
      { target, sleep: async () => {} },
    );
    expect(order).toEqual([
      'start schedule-0-20260106T000000Z',
      'poll hourly~schedule-0-20260106T000000Z',
      'start schedule-0-20260106T010000Z',
    ]);
  });
});
