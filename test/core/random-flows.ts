/**
 * fast-check generators of valid flows (nested Parallels, Conditions, Waits, retries, catches,
 * timeouts, the odd Fail step) and a simulated world that answers every command in a random order.
 */
import fc from 'fast-check';
import type { Command, Signal } from '../../engine/core/index.ts';
import type { Flow, Step } from '../../engine/flow/model.ts';
import { cf } from './fixtures.ts';

type Item =
  | { kind: 'task'; retries: number; catchToEnd: boolean; timeout: boolean }
  | { kind: 'wait' }
  | { kind: 'fail' }
  | { kind: 'condition'; withDefault: boolean }
  | { kind: 'parallel'; branches: Item[][] };

const leaf: fc.Arbitrary<Item> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('task' as const),
      retries: fc.nat(2),
      catchToEnd: fc.boolean(),
      timeout: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'wait' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('condition' as const), withDefault: fc.boolean() }) },
);

const items = fc.letrec<{ scope: Item[]; item: Item }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 8, arbitrary: leaf },
    { weight: 1, arbitrary: fc.constant({ kind: 'fail' as const }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('parallel' as const),
        branches: fc.array(tie('scope') as fc.Arbitrary<Item[]>, { minLength: 1, maxLength: 3 }),
      }),
    },
  ),
  scope: fc.array(tie('item') as fc.Arbitrary<Item>, { minLength: 1, maxLength: 4 }),
}));

/** A random valid flow. Every scope ends with an End step; names are unique across the flow. */
export const arbitraryFlow: fc.Arbitrary<Flow> = items.scope.map((scope) => toScope(scope, 'S'));

function toScope(scope: Item[], prefix: string): Flow {
  const names = scope.map((_item, i) => `${prefix}${i}`);
  const end = `${prefix}End`;
  const at = (i: number) => names[i] ?? end;
  const steps: Record<string, Step> = {};
  scope.forEach((item, i) => {
    const name = names[i] as string;
    const next = at(i + 1);
    switch (item.kind) {
      case 'task':
        steps[name] = {
          type: 'Task',
          target: cf(name),
          next,
          parameters: { previous: i === 0 ? '$.input' : `$.steps.${at(i - 1)}.output ?? null` },
          ...(item.retries > 0
            ? { retry: [{ max_attempts: item.retries, interval_seconds: 1, backoff_rate: 2 }] }
            : {}),
          ...(item.catchToEnd ? { catch: [{ errors: ['States.ALL'], next: end }] } : {}),
          ...(item.timeout ? { timeout_seconds: 60 } : {}),
        };
        return;
      case 'wait':
        steps[name] = { type: 'Wait', seconds: 5, next };
        return;
      case 'fail':
        steps[name] = { type: 'Fail', error: 'Random.Fail' };
        return;
      case 'condition':
        steps[name] = {
          type: 'Condition',
          choices: [{ variable: '$.input.flag', boolean_equals: true, next }],
          ...(item.withDefault ? { default: at(i + 2) } : {}),
        };
        return;
      case 'parallel':
        steps[name] = {
          type: 'Parallel',
          branches: item.branches.map((branch, b) => toScope(branch, `${name}b${b}x`)),
          next,
        };
        return;
    }
  });
  steps[end] = { type: 'End' };
  return { start: at(0), steps };
}

/** Deterministic PRNG (mulberry32) so a fast-check seed replays the same schedule. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The signals the outside world will eventually send in answer to a command. */
export function answersTo(command: Command, random: () => number): Signal[] {
  const source = { kind: 'log' as const, id: `${command.id}#answer` };
  const { path, attempt } = command;
  switch (command.kind) {
    case 'launch': {
      const launched: Signal = {
        kind: 'launched',
        path,
        attempt,
        commandId: command.id,
        receipt: { target: command.target.type },
        source: { kind: 'dispatcher', id: command.id },
      };
      const completion: Signal =
        random() < 0.25
          ? {
              kind: 'completed',
              outcome: 'failed',
              path,
              attempt,
              error: { name: 'Random.Boom', kind: 'function', message: 'boom' },
              source,
            }
          : {
              kind: 'completed',
              outcome: 'succeeded',
              path,
              attempt,
              output: { from: path, attempt },
              source,
            };
      return [launched, completion];
    }
    case 'timer':
      return [
        { kind: 'timer', timer: command.timer, path, attempt, source: { kind: 'timer', id: command.id } },
      ];
    case 'cancel':
    case 'startChild':
    case 'cancelChild':
    case 'notifyParent':
    case 'notify':
      return [];
  }
}
