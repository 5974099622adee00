/**
 * Test fixtures for the pure core: flows built directly as `Flow` objects, and a tiny driver that
 * plays the store's role (decide → append → apply) so specs read as given/when/then.
 */
import { expect } from 'vitest';
import type { Decision, ExecutionEvent, ExecutionState, Signal, StepError } from '../../engine/core/index.ts';
import { applyDecision, decide, replay, start, toHead } from '../../engine/core/index.ts';
import { definitionHash } from '../../engine/flow/hash.ts';
import type { Flow, FlowDefinition, Json, Step, Target, TaskStep } from '../../engine/flow/model.ts';

export const T0 = '2024-01-01T00:00:00.000Z';

/** `T0` plus `seconds`. */
export function at(seconds: number): string {
  return new Date(Date.parse(T0) + seconds * 1000).toISOString();
}

export function cf(name: string): Target {
  return { type: 'CloudFunction', name, project_id: 'p', region: 'europe-west1' };
}

/** A Task on a Cloud Function named after the step. */
export function task(name: string, next: string | null, extra: Partial<TaskStep> = {}): TaskStep {
  const link = next === null ? { end: true as const } : { next };
  return { type: 'Task', target: cf(name.toLowerCase()), ...link, ...extra } as TaskStep;
}

export function def(flow: Flow, id = 'test-flow'): FlowDefinition {
  return { id, flow, hash: definitionHash(flow) };
}

/** The reference sample DAG: Init → Step1 → Step2[Branch1 ∥ Branch2] → End. */
export const sampleFlow: Flow = {
  start: 'Init',
  steps: {
    Init: task('Init', 'Step1'),
    Step1: task('Step1', 'Step2', { parameters: { from: '$.steps.Init.output.id ?? null' } }),
    Step2: {
      type: 'Parallel',
      branches: [
        { start: 'Branch1', steps: { Branch1: task('Branch1', null) } },
        { start: 'Branch2', steps: { Branch2: task('Branch2', null) } },
      ],
      next: 'End',
    },
    End: task('End', null),
  } satisfies Record<string, Step>,
};

export const SOURCE = { kind: 'log', id: 'entry' } as const;

export function succeeded(path: string, attempt: number, output: Json = null): Signal {
  return { kind: 'completed', outcome: 'succeeded', path, attempt, output, source: SOURCE };
}

export function failed(path: string, attempt: number, name = 'States.TaskFailed'): Signal {
  const error: StepError = { name, kind: 'function', message: `${path} failed` };
  return { kind: 'completed', outcome: 'failed', path, attempt, error, source: SOURCE };
}

export function launched(path: string, attempt: number): Signal {
  return {
    kind: 'launched',
    path,
    attempt,
    commandId: `launch~${encodeURIComponent(path)}~${attempt}`,
    receipt: { target: 'CloudFunction', url: `https://example.test/${path}` },
    source: { kind: 'dispatcher', id: `launch~${path}~${attempt}` },
  };
}

export function timer(
  kind: 'retry' | 'wait' | 'timeout' | 'execution',
  path: string,
  attempt: number,
): Signal {
  return {
    kind: 'timer',
    timer: kind,
    path,
    attempt,
    source: { kind: 'timer', id: `${kind}-${path}-${attempt}` },
  };
}

/** Plays the store: keeps the log and the state, applies each decision. */
export class Execution {
  state: ExecutionState;
  readonly log: ExecutionEvent[] = [];
  readonly decisions: Decision[] = [];
  private clock = 0;

  constructor(
    readonly definition: FlowDefinition,
    input: Json = {},
    executionId = 'exec-1',
  ) {
    const { state, decision } = start(definition, input, { executionId, now: T0, source: { kind: 'api' } });
    this.state = state;
    this.record(decision);
  }

  /** The first decision (start). */
  get started(): Decision {
    return this.decisions[0] as Decision;
  }

  send(signal: Signal, now = at(++this.clock)): Decision {
    const decision = decide(this.definition, this.state, signal, now);
    this.state = applyDecision(this.definition, this.state, decision);
    this.record(decision);
    return decision;
  }

  /** The log's event types, in order. */
  types(): string[] {
    return this.log.map((e) => e.type);
  }

  /** Assert that a cold replay of the log equals the incremental state (head and machine). */
  expectReplayMatches(): void {
    const replayed = replay(this.definition, this.log);
    expect(toHead(replayed)).toEqual(toHead(this.state));
    expect(replayed.machine).toEqual(this.state.machine);
  }

  private record(decision: Decision): void {
    this.decisions.push(decision);
    this.log.push(...decision.events);
  }
}

/** Ids of a decision's commands. */
export function ids(decision: Decision): string[] {
  return decision.commands.map((c) => c.id);
}

/** Types of a decision's events. */
export function types(decision: Decision): string[] {
  return decision.events.map((e) => e.type);
}
