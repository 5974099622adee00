/**
 * Timers for local runs and tests: an in-process `setTimeout` per command that calls `deliver` with
 * the timer message when due (divided by `speedup`). A command scheduled twice fires once, as with
 * Cloud Tasks' named tasks; `clear()` cancels everything still pending.
 */
import type { TimerCommand } from '../../engine/core/commands.ts';
import type { TimerScheduler } from '../../engine/ports/index.ts';
import type { TimerMessage } from '../../engine/signals/wire/timer.ts';
import { timerMessage } from '../../engine/signals/wire/timer.ts';

export interface LocalTimerSchedulerOptions {
  /** Called with the message when the timer is due; a rejection is retried after `retryDelayMs`. */
  deliver: (message: TimerMessage) => void | Promise<void>;
  /** Divide every delay by this (e.g. 100 turns a 60 s Wait into 0.6 s). Default 1. */
  speedup?: number;
  /** Redelivery delay after `deliver` rejects (default 200 ms, not sped up); at most 5 tries. */
  retryDelayMs?: number;
  now?: () => Date;
}

/**
 * @example
 * const timers = new LocalTimerScheduler({ deliver: (m) => bus.publish(m), speedup: 100 });
 * await timers.schedule(command); … timers.clear();
 */
export class LocalTimerScheduler implements TimerScheduler {
  readonly #pending = new Map<string, NodeJS.Timeout>();
  readonly #scheduled = new Set<string>();

  constructor(private readonly opts: LocalTimerSchedulerOptions) {}

  async schedule(command: TimerCommand): Promise<void> {
    const key = `${command.executionId}\n${command.id}`;
    if (this.#scheduled.has(key)) return;
    this.#scheduled.add(key);
    const now = (this.opts.now ?? (() => new Date()))().getTime();
    const delay = Math.max(0, (Date.parse(command.dueAt) - now) / (this.opts.speedup ?? 1));
    const message = timerMessage(command);
    const fire = (tries: number) => {
      this.#pending.delete(key);
      Promise.resolve()
        .then(() => this.opts.deliver(message))
        .catch(() => {
          if (tries >= 5) return;
          this.#pending.set(
            key,
            setTimeout(() => fire(tries + 1), this.opts.retryDelayMs ?? 200),
          );
        });
    };
    this.#pending.set(
      key,
      setTimeout(() => fire(1), Number.isFinite(delay) ? delay : 0),
    );
  }

  /** Timers not yet delivered. */
  get pending(): number {
    return this.#pending.size;
  }

  clear(): void {
    for (const t of this.#pending.values()) clearTimeout(t);
    this.#pending.clear();
  }
}
