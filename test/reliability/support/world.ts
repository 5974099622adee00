/**
 * The outside world of an execution, simulated: every command the store dispatches is answered by
 * signals (a launch by its receipt and a completion; a timer by its firing), put into a pool, and
 * delivered one at a time — in order, or picked at random by a seeded PRNG, with duplicates. The
 * outcome of each step attempt is a function of (path, attempt) only, so every delivery order
 * faces the same world and must reach the same end.
 */
import type { Command, Signal } from '../../../engine/core/index.ts';
import type { ApplyResult, ExecutionStore } from '../../../engine/store/index.ts';
import { isTransient } from '../../../runtime/transient.ts';
import type { FaultyDispatcher } from './dispatcher.ts';

/** Deterministic PRNG (mulberry32): a seed reproduces the whole schedule. */
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

export type Outcome = 'succeeded' | 'failed';

export interface WorldOptions {
  /** Outcome of a step attempt (default: succeeded). */
  outcomeOf?: (path: string, attempt: number) => Outcome;
  /** Pick the next signal at random (seeded) instead of first-in first-out. */
  random?: () => number;
  /** Probability that a delivered signal is delivered again later (Pub/Sub at-least-once). */
  duplicateProbability?: number;
}

/** One delivery and what the store answered. */
export interface Delivery {
  signal: Signal;
  result: ApplyResult;
}

export class World {
  readonly pool: Signal[] = [];
  readonly deliveries: Delivery[] = [];
  /** Deliveries that failed transiently (the signal went back to the pool, as Pub/Sub redelivers). */
  redelivered = 0;
  readonly #answered = new Set<string>();

  constructor(
    dispatcher: FaultyDispatcher,
    private readonly opts: WorldOptions = {},
  ) {
    dispatcher.onAccepted = (command) => this.answer(command);
  }

  /** The signals a command will cause, once per command. */
  answer(command: Command): void {
    const id = `${command.executionId}/${command.id}`;
    if (this.#answered.has(id)) return;
    this.#answered.add(id);
    const { path, attempt } = command;
    if (command.kind === 'timer') {
      this.pool.push({
        kind: 'timer',
        timer: command.timer,
        path,
        attempt,
        source: { kind: 'timer', id: command.id },
      });
      return;
    }
    if (command.kind !== 'launch') return;
    const source = { kind: 'log' as const, id: `${command.id}#end` };
    const receipt = { target: command.target.type, jobName: `${command.path}#${command.attempt}` };
    this.pool.push({
      kind: 'launched',
      commandId: command.id,
      receipt,
      path,
      attempt,
      source: { kind: 'dispatcher', id: command.id },
    });
    const outcome = this.opts.outcomeOf?.(path, attempt) ?? 'succeeded';
    this.pool.push(
      outcome === 'succeeded'
        ? { kind: 'completed', outcome, path, attempt, output: { path, attempt }, source }
        : {
            kind: 'completed',
            outcome,
            path,
            attempt,
            error: { name: 'States.TaskFailed', kind: 'function', message: `${path}#${attempt} failed` },
            source,
          },
    );
  }

  /** Take the next signal: the oldest, or a random one. */
  next(): Signal | undefined {
    if (this.pool.length === 0) return undefined;
    const i = this.opts.random ? Math.floor(this.opts.random() * this.pool.length) : 0;
    const [signal] = this.pool.splice(i, 1);
    if (signal && this.opts.random && this.opts.random() < (this.opts.duplicateProbability ?? 0))
      this.pool.push(signal);
    return signal;
  }

  /**
   * Deliver until the pool is empty (and the outbox is swept dry). `stores` are the workers; a
   * delivery goes to one of them (at random when seeded).
   */
  async run(
    executionId: string,
    stores: ExecutionStore[],
    opts: { maxDeliveries?: number; advanceClock?: () => void } = {},
  ): Promise<void> {
    const max = opts.maxDeliveries ?? 5000;
    const first = stores[0];
    if (first === undefined) throw new Error('World.run needs at least one store');
    for (let n = 0; n < max; n++) {
      const signal = this.next();
      if (signal === undefined) {
        const swept = await first.sweepPending();
        if (this.pool.length > 0 || swept.dispatched > 0 || swept.drained > 0) continue;
        const pending = await first.listPendingCommands(executionId);
        if (pending.length === 0) return;
        // Commands backing off after injected failures: let their time come.
        if (opts.advanceClock === undefined)
          throw new Error(
            `execution ${executionId}: ${pending.length} command(s) pending and no clock to advance`,
          );
        opts.advanceClock();
        continue;
      }
      const pick = this.opts.random ? Math.floor(this.opts.random() * stores.length) : 0;
      const store = stores[pick] ?? first;
      try {
        this.deliveries.push({ signal, result: await store.apply(executionId, signal) });
      } catch (e) {
        if (!isTransient(e)) throw e;
        this.redelivered++;
        this.pool.push(signal);
      }
    }
    throw new Error(`execution ${executionId} did not settle within ${max} deliveries`);
  }
}
