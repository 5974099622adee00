/**
 * Test support for the store suites: a dispatcher that records what it is asked to do (a real
 * implementation of our own port, not a mock of Firestore), flows, and helpers that drive an
 * execution by delivering completions the way log entries would.
 */
import type { Command, ExecutionEvent, LaunchCommand, Signal } from '../../engine/core/index.ts';
import { cloudFunction } from '../../engine/flow/builder-targets.ts';
import { definitionHash } from '../../engine/flow/hash.ts';
import type { FlowDefinition, Json } from '../../engine/flow/model.ts';
import { validateFlow } from '../../engine/flow/validate.ts';
import type { CommandDispatcher, CorrelationKey, DispatchOutcome } from '../../engine/ports/index.ts';
import type { ExecutionStore, StoredHead } from '../../engine/store/index.ts';

/** Decides the outcome of one dispatch; default: launched with a receipt. */
export type Responder = (command: Command, call: number) => DispatchOutcome | Promise<DispatchOutcome>;

/** Records every dispatch; answers through `respond`. */
export class RecordingDispatcher implements CommandDispatcher {
  readonly calls: Command[] = [];
  respond: Responder = (command) =>
    command.kind === 'launch'
      ? { status: 'launched', receipt: { target: command.target.type, traceId: command.trace.traceId } }
      : { status: 'done' };

  async dispatch(command: Command): Promise<DispatchOutcome> {
    this.calls.push(command);
    return this.respond(
      command,
      this.calls.filter((c) => c.id === command.id && c.executionId === command.executionId).length,
    );
  }

  correlationKeys(command: LaunchCommand): CorrelationKey[] {
    return [{ kind: 'trace', value: command.trace.traceId }];
  }

  /** Launch commands dispatched, as `executionId path#attempt` → how many times. */
  launchCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const c of this.calls) {
      if (c.kind !== 'launch') continue;
      const key = `${c.executionId} ${c.path}#${c.attempt}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }
}

/** A Parallel of `n` single-Task branches followed by one Task: the fan-in shape. */
export function fanOutFlow(n: number): FlowDefinition {
  const branches = Array.from({ length: n }, (_, i) => ({
    start: `B${i}`,
    steps: { [`B${i}`]: { type: 'Task', target: cloudFunction(`fn-${i}`), end: true } },
  }));
  return checked(`fan-${n}`, {
    start: 'Fan',
    steps: {
      Fan: { type: 'Parallel', branches, next: 'After' },
      After: { type: 'Task', target: cloudFunction('after'), end: true },
    },
  });
}

/** A → B, two Tasks in a row; B retries once on failure. */
export function twoStepFlow(id = 'two-step'): FlowDefinition {
  return checked(id, {
    start: 'A',
    steps: {
      A: { type: 'Task', target: cloudFunction('a'), next: 'B' },
      B: {
        type: 'Task',
        target: cloudFunction('b'),
        retry: [{ max_attempts: 1, interval_seconds: 1 }],
        end: true,
      },
    },
  });
}

function checked(id: string, raw: unknown): FlowDefinition {
  const check = validateFlow(raw);
  if (check.flow === undefined)
    throw new Error(`test flow ${id} is invalid: ${JSON.stringify(check.errors)}`);
  return { id, flow: check.flow, hash: definitionHash(check.flow) };
}

/** The completion a log entry would report for a step attempt. */
export function succeeded(path: string, attempt: number, output: Json = { path }): Signal {
  return {
    kind: 'completed',
    outcome: 'succeeded',
    path,
    attempt,
    output,
    source: { kind: 'log', id: `log-${path}-${attempt}` },
  };
}

export function failed(path: string, attempt: number, message = 'boom'): Signal {
  return {
    kind: 'completed',
    outcome: 'failed',
    path,
    attempt,
    error: { name: 'States.TaskFailed', kind: 'function', message },
    source: { kind: 'log', id: `log-${path}-${attempt}-failed` },
  };
}

/** Completions for every step attempt that is running now (from the head's step table). */
export function runningCompletions(head: StoredHead): Signal[] {
  return Object.values(head.steps)
    .filter((row) => row.status === 'RUNNING' || row.status === 'LAUNCHING')
    .map((row) => succeeded(row.path, row.attempt));
}

/** Deliver completions for running steps until the execution is no longer RUNNING. */
export async function driveToEnd(
  store: ExecutionStore,
  executionId: string,
  maxRounds = 20,
): Promise<StoredHead> {
  for (let round = 0; round < maxRounds; round++) {
    const head = await store.getHead(executionId);
    if (head === undefined) throw new Error(`no head for ${executionId}`);
    if (head.status !== 'RUNNING') return head;
    for (const signal of runningCompletions(head)) await store.apply(executionId, signal);
  }
  throw new Error(`execution ${executionId} still RUNNING after ${maxRounds} rounds`);
}

/** A clock that only moves when told to. */
export function manualClock(start = '2026-01-01T00:00:00.000Z') {
  let now = new Date(start).getTime();
  return {
    clock: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Events without volatile fields, for comparing logs of two executions. */
export function shape(events: ExecutionEvent[]): string[] {
  return events.map((e) => {
    const step = 'path' in e && e.path !== undefined ? ` ${e.path}#${'attempt' in e ? e.attempt : ''}` : '';
    return `${e.type}${step}`;
  });
}

/** Deterministic shuffle (mulberry32), so a failing order can be reproduced from the seed. */
export function shuffled<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
