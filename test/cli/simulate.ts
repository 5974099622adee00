/**
 * Test helper: drive an execution through the pure core (start + decide) with scripted signals, so
 * replay verification can be tested on real engine-produced logs without Firestore.
 */
import { decide } from '../../engine/core/decide.ts';
import type { ExecutionEvent, StepError } from '../../engine/core/events.ts';
import { evolve } from '../../engine/core/evolve.ts';
import type { Signal } from '../../engine/core/signals.ts';
import { start } from '../../engine/core/start.ts';
import type { ExecutionState } from '../../engine/core/state.ts';
import type { FlowDefinition, Json } from '../../engine/flow/model.ts';

/** Outcome the script gives a step attempt: succeed (with output) or fail. */
export type Script = (
  path: string,
  attempt: number,
) => { ok: true; output?: Json } | { ok: false; error?: StepError };

const clock = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();

/**
 * Run `def` to the end: launch every launch command, complete it per `script`, fire retry timers.
 * Returns the log and the final state.
 */
export function simulate(
  def: FlowDefinition,
  input: Json,
  script: Script = () => ({ ok: true }),
): {
  events: ExecutionEvent[];
  state: ExecutionState;
} {
  let tick = 0;
  const { state: s0, decision } = start(def, input, {
    executionId: 'sim-1',
    now: clock(tick++),
    source: { kind: 'api', id: 'cli' },
  });
  let state = s0;
  const events: ExecutionEvent[] = [...decision.events];
  const queue: Signal[] = [];
  const enqueue = (commands: typeof decision.commands) => {
    for (const c of commands) {
      if (c.kind === 'launch') {
        queue.push({
          kind: 'launched',
          commandId: c.id,
          receipt: { target: c.target.type, traceId: c.trace.traceId },
          path: c.path,
          attempt: c.attempt,
          source: { kind: 'dispatcher', id: c.id },
        });
        const outcome = script(c.path, c.attempt);
        queue.push(
          outcome.ok
            ? {
                kind: 'completed',
                outcome: 'succeeded',
                output: outcome.output ?? { step: c.step },
                path: c.path,
                attempt: c.attempt,
                source: { kind: 'log', id: `log-${c.id}` },
              }
            : {
                kind: 'completed',
                outcome: 'failed',
                error: outcome.error ?? { name: 'States.TaskFailed', kind: 'function', message: 'HTTP 500' },
                path: c.path,
                attempt: c.attempt,
                source: { kind: 'log', id: `log-${c.id}` },
              },
        );
      } else if (c.kind === 'timer' && c.timer !== 'timeout') {
        queue.push({
          kind: 'timer',
          timer: c.timer,
          path: c.path,
          attempt: c.attempt,
          source: { kind: 'timer', id: c.id },
        });
      }
    }
  };
  enqueue(decision.commands);
  for (let signal = queue.shift(); signal; signal = queue.shift()) {
    const d = decide(def, state, signal, clock(tick++));
    for (const e of d.events) {
      state = evolve(def, state, e);
      events.push(e);
    }
    enqueue(d.commands);
  }
  return { events, state };
}
