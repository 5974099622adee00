/**
 * Map steps on the emulator-backed store: each item runs as a child execution with its own head and
 * log, a child's end reaches the parent through the parent's intake, and the parent launches the
 * next item in the transaction that records a completion. Given a Map, when children finish (in
 * any order, some completions delivered twice, from several workers), then the parent ends the Map
 * exactly once with every output in item order, and no item is lost or run twice.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { LaunchCommand, Signal } from '../../engine/core/index.ts';
import { childExecutionId } from '../../engine/core/index.ts';
import { definitionHash } from '../../engine/flow/hash.ts';
import type { FlowDefinition, Json } from '../../engine/flow/model.ts';
import { validateFlow } from '../../engine/flow/validate.ts';
import { ExecutionStore, type StoredHead } from '../../engine/store/index.ts';
import { testFirestore } from '../support/firestore.ts';
import { failed, RecordingDispatcher, succeeded } from './support.ts';

function flow(id: string, raw: unknown): FlowDefinition {
  const check = validateFlow(raw);
  if (check.flow === undefined)
    throw new Error(`test flow ${id} is invalid: ${JSON.stringify(check.errors)}`);
  return { id, flow: check.flow, hash: definitionHash(check.flow) };
}

const loadTask = {
  type: 'Task',
  target_type: 'CloudFunction',
  target_name: 'load',
  parameters: { file: '$.input.file', n: '$.index' },
  end: true,
};

function mapFlow(id: string, map: Record<string, unknown>): FlowDefinition {
  return flow(id, {
    start: 'PerFile',
    steps: {
      PerFile: {
        type: 'Map',
        items: '$.input.files',
        item_selector: { file: '$.item' },
        iterator: { start: 'Load', steps: { Load: loadTask } },
        next: 'Done',
        ...map,
      },
      Done: { type: 'End' },
    },
  });
}

/** Child launches dispatched so far, by child execution id (a Map iteration's Task). */
function childLaunches(dispatcher: RecordingDispatcher): LaunchCommand[] {
  return dispatcher.calls.filter(
    (c): c is LaunchCommand => c.kind === 'launch' && c.executionId.includes('~'),
  );
}

function files(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `f${i}.csv`);
}

/** Finish every child Task launched and not yet finished, until the parent ends. */
async function completeChildren(
  workers: ExecutionStore[],
  dispatcher: RecordingDispatcher,
  parentId: string,
  opts: { duplicate?: boolean; fail?: (input: Json) => boolean; watch?: (head: StoredHead) => void } = {},
): Promise<StoredHead> {
  const done = new Set<string>();
  for (let round = 0; round < 500; round++) {
    const head = await workers[0]!.getHead(parentId);
    if (head === undefined) throw new Error('no parent head');
    opts.watch?.(head);
    if (head.status !== 'RUNNING') return head;
    const fresh = childLaunches(dispatcher).filter((c) => !done.has(c.executionId));
    for (const c of fresh) done.add(c.executionId);
    const signals: Array<[string, Signal]> = fresh.flatMap((c) => {
      const input = c.input as { file: string };
      const signal =
        opts.fail?.(input) === true
          ? failed(c.path, c.attempt)
          : succeeded(c.path, c.attempt, { loaded: input.file });
      return opts.duplicate === true
        ? [
            [c.executionId, signal],
            [c.executionId, { ...signal, source: { kind: 'callback', id: `dup-${c.id}` } }],
          ]
        : [[c.executionId, signal]];
    });
    shuffle(signals);
    await Promise.all(signals.map(([id, s], i) => workers[i % workers.length]!.apply(id, s)));
    if (fresh.length === 0) {
      for (const w of workers) await w.drain(parentId);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error('the parent did not end');
}

/** Deterministic shuffle (a fixed LCG: the test must not depend on luck). */
function shuffle<T>(items: T[], seed = 7): void {
  let s = seed;
  for (let i = items.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}

describe('Map on the store', { timeout: 300_000 }, () => {
  const t = testFirestore('store-map');
  afterAll(() => t.cleanup());

  it('given a Map of 50 items with max_concurrency 5, when every child finishes (shuffled, delivered twice, 3 workers), then the outputs come in item order, each item ran once and never more than 5 at once', async () => {
    const dispatcher = new RecordingDispatcher();
    const workers = Array.from({ length: 3 }, () => new ExecutionStore({ db: t.db, dispatcher }));
    const def = mapFlow('map-50', { max_concurrency: 5 });
    const { executionId } = await workers[0]!.startExecution(def, { files: files(50) });
    let most = 0;
    const head = await completeChildren(workers, dispatcher, executionId, {
      duplicate: true,
      watch: (h) => {
        most = Math.max(most, h.maps?.PerFile?.running ?? 0);
      },
    });

    expect(head.status).toBe('SUCCEEDED');
    expect(head.output).toEqual(files(50).map((f) => ({ loaded: f })));
    expect(head.maps?.PerFile).toMatchObject({ total: 50, next: 50, running: 0, succeeded: 50, failed: 0 });
    expect(most).toBeLessThanOrEqual(5);
    const launches = childLaunches(dispatcher);
    expect(launches).toHaveLength(50);
    expect(new Set(launches.map((c) => c.executionId)).size).toBe(50);
    expect(launches.map((c) => c.input)).toContainEqual({ file: 'f7.csv', n: 7 });
    const events = await workers[0]!.readEvents(executionId, { limit: 10_000 });
    const iterations = events.filter((e) => e.type === 'MapIterationSucceeded');
    expect(iterations).toHaveLength(50);
    expect(events.filter((e) => e.type === 'StepSucceeded' && e.path === 'PerFile')).toHaveLength(1);
    const child = await workers[0]!.getHead(childExecutionId(executionId, 'PerFile', 1, 7));
    expect(child).toMatchObject({
      status: 'SUCCEEDED',
      parent: { executionId, path: 'PerFile', attempt: 1, index: 7, item: 'f7.csv' },
      output: { loaded: 'f7.csv' },
    });
  });

  it('given a Map, when the same child endings reach the parent many times, shuffled, from several workers, then each is recorded once and the Map ends once', async () => {
    const dispatcher = new RecordingDispatcher();
    const workers = Array.from({ length: 5 }, () => new ExecutionStore({ db: t.db, dispatcher }));
    const def = mapFlow('map-dups', { max_concurrency: 0 });
    const { executionId } = await workers[0]!.startExecution(def, { files: files(20) });
    const endings: Signal[] = files(20).flatMap((f, index) => {
      const signal: Signal = {
        kind: 'child',
        outcome: 'succeeded',
        output: f,
        index,
        childId: childExecutionId(executionId, 'PerFile', 1, index),
        path: 'PerFile',
        attempt: 1,
        source: { kind: 'dispatcher', id: `notify-${index}` },
      };
      return [signal, { ...signal, source: { kind: 'sweep' } }, { ...signal, source: { kind: 'api' } }];
    });
    shuffle(endings, 11);
    const results = await Promise.all(
      endings.map((s, i) => workers[i % workers.length]!.apply(executionId, s)),
    );
    for (const w of workers) await w.drain(executionId);

    const head = await workers[0]!.getHead(executionId);
    expect(head?.status).toBe('SUCCEEDED');
    expect(head?.output).toEqual(files(20));
    const events = await workers[0]!.readEvents(executionId, { limit: 10_000 });
    expect(events.filter((e) => e.type === 'MapIterationSucceeded')).toHaveLength(20);
    expect(events.filter((e) => e.type === 'ExecutionSucceeded')).toHaveLength(1);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(results.filter((r) => r.status === 'applied').length).toBeLessThanOrEqual(20);
  });

  it('given tolerated_failure_count 2, when 2 items fail, then the Map succeeds with {error, cause} in their places; a third failure fails it and cancels the running children', async () => {
    const dispatcher = new RecordingDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const tolerant = mapFlow('map-tolerant', { max_concurrency: 4, tolerated_failure_count: 2 });
    const one = await store.startExecution(tolerant, { files: files(8) });
    const bad = new Set(['f2.csv', 'f5.csv']);
    const head = await completeChildren([store], dispatcher, one.executionId, {
      fail: (input) => bad.has((input as { file: string }).file),
    });
    expect(head.status).toBe('SUCCEEDED');
    const output = head.output as Json[];
    expect(output[2]).toEqual({ error: 'States.TaskFailed', cause: 'boom' });
    expect(output[3]).toEqual({ loaded: 'f3.csv' });
    expect(head.maps?.PerFile).toMatchObject({ succeeded: 6, failed: 2 });

    const strict = mapFlow('map-strict', { max_concurrency: 3 });
    const two = await store.startExecution(strict, { files: files(8) });
    const first = childLaunches(dispatcher).filter((c) => c.executionId.startsWith(two.executionId));
    expect(first).toHaveLength(3);
    await store.apply(childExecutionId(two.executionId, 'PerFile', 1, 1), failed('Load', 1));
    const parent = await store.getHead(two.executionId);
    expect(parent?.status).toBe('FAILED');
    expect(parent?.steps.PerFile?.error?.name).toBe('States.ExceedToleratedFailureThreshold');
    for (const index of [0, 2]) {
      const child = await store.getHead(childExecutionId(two.executionId, 'PerFile', 1, index));
      expect(child?.status).toBe('CANCELLED');
    }
    expect(await store.getHead(childExecutionId(two.executionId, 'PerFile', 1, 3))).toBeUndefined();
  });

  it('given a running Map, when the parent is cancelled, then every running child is cancelled and no new item starts', async () => {
    const dispatcher = new RecordingDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await store.startExecution(mapFlow('map-cancel', { max_concurrency: 4 }), {
      files: files(10),
    });
    await store.apply(childExecutionId(executionId, 'PerFile', 1, 0), succeeded('Load', 1));
    await store.apply(executionId, { kind: 'cancel', reason: 'by hand', source: { kind: 'api' } });
    const statuses = await Promise.all(
      [0, 1, 2, 3, 4].map(
        async (i) => (await store.getHead(childExecutionId(executionId, 'PerFile', 1, i)))?.status,
      ),
    );
    expect(statuses).toEqual(['SUCCEEDED', 'CANCELLED', 'CANCELLED', 'CANCELLED', 'CANCELLED']);
    expect(await store.getHead(childExecutionId(executionId, 'PerFile', 1, 5))).toBeUndefined();
    expect((await store.getHead(executionId))?.status).toBe('CANCELLED');
  });

  it('given items that are not an array, then the Map fails with States.ItemsNotArray and no child starts', async () => {
    const dispatcher = new RecordingDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await store.startExecution(mapFlow('map-not-array', {}), { files: 'a.csv' });
    const head = await store.getHead(executionId);
    expect(head?.status).toBe('FAILED');
    expect(head?.error?.name).toBe('States.ItemsNotArray');
    expect(childLaunches(dispatcher)).toEqual([]);
  });

  it('given a Map whose iterator holds a Map, then grandchildren run and outputs nest in order', async () => {
    const dispatcher = new RecordingDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const def = flow('map-nested', {
      start: 'Outer',
      steps: {
        Outer: {
          type: 'Map',
          items: '$.input.groups',
          max_concurrency: 2,
          iterator: {
            start: 'Inner',
            steps: {
              Inner: {
                type: 'Map',
                items: '$.input',
                item_selector: { file: '$.item' },
                iterator: { start: 'Load', steps: { Load: loadTask } },
                end: true,
              },
            },
          },
          end: true,
        },
      },
    });
    const { executionId } = await store.startExecution(def, { groups: [['a', 'b'], ['c'], ['d', 'e', 'f']] });
    const head = await completeChildren([store], dispatcher, executionId);
    expect(head.status).toBe('SUCCEEDED');
    expect(head.output).toEqual([
      [{ loaded: 'a' }, { loaded: 'b' }],
      [{ loaded: 'c' }],
      [{ loaded: 'd' }, { loaded: 'e' }, { loaded: 'f' }],
    ]);
    expect(childLaunches(dispatcher)).toHaveLength(6);
  });
});
